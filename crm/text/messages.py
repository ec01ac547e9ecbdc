"""Everything the tool says to a person, in English and Chinese: one catalogue.

Keys name what is said; `say` fills a template, `label` names a stage, kind, event,
field or report line, `error_message` renders any error of the tool from its type and
values. One concept has one name in each language, wherever it appears."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from crm.text.i18n import tr

LANGS = ("en", "zh")

#: key -> English; the Chinese of each is in the gettext catalogue (crm.text.i18n).
CATALOGUE: dict[str, str] = {
    # -- stages ------------------------------------------------------------------
    "lead": "lead",
    "negotiating": "negotiating",
    "framework": "framework",
    "signed": "signed",
    "land": "land",
    "capital": "capital",
    "dropped": "dropped",
    # -- visit kinds: the tables', reports' and narrative's one name for each ---------
    "outbound": "outbound trip",
    "reception": "investor reception",
    "pairing": "pairing activity",
    "aftercare": "aftercare visit",
    "online": "online meeting",
    # -- events ------------------------------------------------------------------
    "ContactMade": "contact",
    "VisitLogged": "visit",
    "FrameworkAgreementSigned": "framework agreement",
    "ContractSigned": "signing",
    "LandTransferred": "land transfer",
    "CapitalArrived": "capital arrival",
    "ProjectDropped": "drop",
    "ProjectReopened": "reopen",
    "EventCorrected": "correction",
    "ConstructionStarted": "construction started",
    "ProductionStarted": "production started",
    "CommitmentMade": "commitment",
    "OwnerChanged": "handover",
    "started": "started",
    "producing": "producing",
    "started_on": "started on",
    "producing_on": "producing since",
    "start_by": "to start by",
    "produce_by": "to produce by",
    "invest": "capital promised",
    "invest_by": "capital due by",
    "key_project": "key project",
    "short": "short name",
    "alert.idle_land": "idle land (no 开工 a year after the land)",
    "alert.start_missed": "开工 promised and missed",
    "alert.production_missed": "投产 promised and missed",
    "alert.capital_behind": "capital behind its promise",
    "alert.stalled": "no activity for the stage's days",
    "alert.unsigned": "framework agreement, no signing",
    "alert.warning": "warning", "alert.severe": "severe",
    "project": "project", "rule": "rule", "severity": "severity", "since": "since",
    "detail": "detail",
    "no_alerts": "no alerts",
    "member": "member", "activities": "activities", "contacts": "new contacts",
    "projects_owned": "projects owned", "signed_count": "signed", "contracted": "contracted",
    "alerts": "alerts",
    "ProjectRenamed": "rename",
    "ProjectVoided": "void",
    "ProjectFlagged": "flag",
    "merged_from": "moved by a merge from",
    "into_closed": "recorded into a closed period because",
    "merged_into": "merged into",
    # -- fields and columns ------------------------------------------------------
    "name": "name",
    "investor": "investor",
    "sector": "sector",
    "stage": "stage",
    "relocation": "relocation",
    "channel": "channel",
    "region": "region",
    "owner": "owner",
    "planned_investment": "planned investment",
    "framework_investment": "framework investment",
    "contracted_investment": "contracted investment",
    "capital_arrived": "capital arrived",
    "land_mu": "land (亩)",
    "land_parcels": "land parcels",
    "contact_date": "contacted on",
    "framework_date": "framework agreed on",
    "signed_date": "signed on",
    "dropped_on": "dropped on",
    "stage_since": "in stage since",
    "days_in_stage": "days in stage",
    "last_activity": "last activity",
    "position": "#",
    "event": "event",
    "occurred_on": "date",
    "recorded_at": "recorded at",
    "recorded_by": "recorded by",
    "details": "details",
    "amount": "amount",
    "mu": "area (亩)",
    "parcel": "parcel",
    "price": "price",
    "kind": "kind",
    "projects": "projects",
    "participants": "with",
    "reason": "reason",
    "note": "note",
    "visit_id": "visit id",
    "count": "projects",
    "investment_yi": "investment (亿元)",
    "capital_yi": "capital arrived (亿元)",
    "investment": "investment",
    "supersedes": "corrects event",
    "planned": "planned",
    "superseded_by": "corrected by event",
    "void": "void",
    "changes": "changes",
    "field": "field",
    "value": "value",
    "yes": "yes",
    "no": "no",
    "rules": "rules",
    # -- confirmations and results of commands ------------------------------------
    "recorded": "recorded {what}: {projects}{detail}",
    "list_separator": ", ",
    "wrote": "wrote {path}",
    "out_folder": "cannot write {path}: the folder {folder} is not there or not writable; give --out a file in a folder you may write",
    "os_error": "{path}: {reason}: check the path and its rights",
    "argv_not_utf8": ("the command line holds '{value}', which is not UTF-8 text: set the terminal "
                      "to UTF-8 (e.g. LANG=zh_CN.UTF-8), or type it again"),
    "ready": "{store}: ready, {events} events",
    "rebuilt": "rebuilt the read models from {events} events",
    "imported_rows": "imported {rows} rows of {file} as {events} events",
    "imported_rows_unchanged": "; {unchanged} rows were already in the log",
    "nothing_to_import": "nothing to import: all {unchanged} rows of {file} are already in the log",
    "imported_events": "imported {events} events from {file}; the log verifies, head {head}",
    "skipped": "skipped: {line}",
    "import_problems": "{count} problem(s) in {file}: nothing was imported",
    "import_conflicts": ("{count} row(s) of {file} differ from the log: nothing was imported "
                         "(--skip-conflicts imports the rest)"),
    "copied": "copied {events} events from {source} to {target}; the copy verifies, head {head}",
    "copied_same_head": " (the same as the original's)",
    "copied_other_head": " (the original's is {head})",
    "verified": "log intact: {events} events, head {head}",
    "verified_holds": "; it holds {head}",
    "empty_head": "(empty)",
    "broken": "the log is broken at position {position}: {problem}",
    "read_model_differs": "read model {table} row {key} differs from the log: {what}",
    "read_models_differ": ("{count} read-model row(s) differ from the log: `crm projections "
                           "rebuild` recreates them from it"),
    "read_models_agree": "the read models agree with the log",
    "problem.id_form": ("the event's id here is written in another form than the store "
                        "writes: it was edited"),
    "problem.restamped": "the record time here is not the one the chain holds: it was edited",
    "problem.inserted": "a row that is not in the chain was inserted here (store position)",
    "problem.deleted": "the event recorded here was deleted",
    "problem.changed": ("the event here does not follow from the chain: it was edited or moved, "
                        "or one before it was removed"),
    "problem.truncated": "the log no longer reaches this published head: it was truncated",
    "problem.rewritten": "the link here differs from the published head: the log was rewritten",
    "read_models_ahead": ("the read models were ahead of the log (position {position}, log head "
                          "{head}): they were rebuilt from the log"),
    "status.position": "position",
    "status.head": "log head",
    "status.behind": "behind",
    "status.rows": "rows in {table}",
    "what": "what",
    "interrupted": "interrupted",
    "see_help": " (see '{command} --help')",
    "unexpected": "unexpected {kind}: {detail} (run with --debug for the traceback)",
    # -- the pipeline's headlines ---------------------------------------------------
    "headline.negotiating": ("under negotiation (在谈: negotiating and framework): {count} · "
                             "expected investment {investment}亿元"),
    "headline.signed": ("签约 (signed): {count} · contracted investment {contracted}亿元, capital "
                        "arrived {capital}亿元 ({rate})"),
    # -- the report ------------------------------------------------------------------
    "report.title": "Investment-attraction report",
    "report.summary": "Summary",
    "report.projects": "Projects",
    "report.by_sector": "Signings by sector",
    "report.pipeline": "Pipeline at the period's end",
    "report.metric": "metric",
    "report.list": "list",
    "report.yoy": "YoY",
    "report.activities_total": "activities, total",
    "report.contacts": "new contacts",
    "report.framework_agreements": "framework agreements",
    "report.signed": "signed projects",
    "report.contracted": "contracted investment (yuan)",
    "report.at_least_10yi": "signed ≥ 10亿",
    "report.at_least_1yi": "signed ≥ 1亿",
    "report.relocations": "relocations (搬迁)",
    "report.land_mu": "land transferred (亩)",
    "report.parcels": "land parcels",
    "report.capital": "capital arrived (yuan)",
    "report.signed_count": "signed",
    "report.investment": "investment (yuan)",
    "report.cutoff": "Cut-off",
    "report.started": "construction started (开工)",
    "report.producing": "production started (投产)",
    "report.rate_started": "开工率 of the year's signings",
    "report.rate_producing": "投产率 of the year's signings",
    "report.rate_capital": "资金到位率 of the year's signings",
    "report.alerts": "alerts at the period's end",
    "report.judged": "What the zone is judged on",
    "report.target": "{what}: target {target}, done {actual}",
    "report.target_projects": "projects signed",
    "report.target_contracted": "contracted investment",
    "report.target_capital": "capital arrived",
    "report.by_channel": "By channel",
    "report.contacted": "contacted",
    "report.landed": "landed",
    "report.no_channel": "(not recorded)",
    "report.value": "value",
    "report.sheet_judged": "Judged on",
    "report.sheet_by_channel": "By channel",
    "report.figures_to": "figures to",
    "report.ytd": "year to date",
    "report.business_date": "business date",
    "report.recorded_by": "recorded by",
    "report.all_records": "all records",
    "report.log_head": "log head",
    "report.months": "Jan-{month_name} {year}",
    "report.sheet_summary": "Summary",
    "report.sheet_projects": "Projects",
    "report.sheet_by_sector": "By sector",
    "report.sheet_pipeline": "Pipeline",
    "report.sheet_about": "About",
    "report.chart_pipeline": "Pipeline by stage (亿元)",
    "report.chart_funnel": "After the contract: projects that reached each step",
    "report.chart_signed": "Contracted investment by quarter (亿元)",
    # -- the report as CSV ---------------------------------------------------------------
    "section": "section", "metric": "metric", "period": "period", "year_to_date": "year to date",
    "previous_year_to_date": "previous year to date", "yoy": "YoY",
    "csv.signed": "{name} signed", "csv.investment": "{name} investment",
    "csv.projects": "{name} projects",
    "did_you_mean": " (did you mean {names}?)",
    "roles_postgres_only": ("roles are for a team's PostgreSQL store: a SQLite file is one "
                            "person's, guarded by the file's own rights"),
    "roles_ready": ("roles ready: {roles}; give each team member a login of their own, member "
                    "of one of them (GRANT <role> TO <login>)"),
    "reason_needed": "give --reason TEXT: why",
    "period_closed": "{period} is closed: {reason}",
    "period_reopened": "{period} is open again: {reason}",
    "period_already_closed": "{period} is already closed: nothing recorded",
    "period_not_closed": "{period} is not closed: nothing recorded",
    "project_stage": "{name} ({stage})",
    "quarter_needed": "give a quarter (2021Q3, 2021年第三季度) or --year 2021",
    "xlsx_needs_out": "xlsx is a binary workbook: give --out FILE.xlsx",
    "flag_only": "{flag!r}: the one flag is 重点 (the zone's key projects)",
    "import.not_both": "give --skip-conflicts or --apply-corrections, not both",
    "import.needs_reason": ("--apply-corrections needs --reason TEXT: why the ledger's figures "
                            "replace the log's"),
    "import.reason_alone": "--reason goes with --apply-corrections",
    "export_format": "give --format jsonl, csv or xlsx",
    "no_such_file": "{file}: no such file",
    "progress.copying": "copying", "progress.importing": "importing",
    "progress.rebuilding": "rebuilding",
    "postgres_extra": ("PostgreSQL support is not installed: pip install 'crm[postgres]' (or "
                       "psycopg[binary] and psycopg-pool), then run the command again"),
    "renamed": "{old} is now named {new}", "voided": "{name} voided: {reason}",
    "merged": "{duplicate} merged into {into}: {facts} fact(s) moved",
    # -- the zone's settings -----------------------------------------------------------
    "key": "setting", "source": "source",
    "zone.set": "set", "zone.default": "default",
    "zone_changed": "zone setting {key} is now {value}",
    "zone_unchanged": "zone setting {key} already is {value}: nothing recorded",
    "flagged": "{name} is now flagged {flag}",
    "unflagged": "{name} is no longer flagged {flag}",
    # -- importing ledgers ------------------------------------------------------------
    "land_date": "land transferred on",
    "capital_date": "capital arrived on",
    "import.no_name": "no project name (项目名称): every ledger row needs one",
    "import.twice": "{name} is already on row {row}: list each project once",
    "import.visit_needs": "a visit needs its date, kind and projects: this row has no {fields}",
    "import.same_visit": "the same visit is already on row {row}",
    "import.new_needs": "{name} is new to the log: fill in its {fields}",
    "import.no_planned": ("{name} is new to the log and has no planned investment (计划投资), "
                          "framework or contracted amount: fill one in"),
    "import.undated": ("{name}: no {what}, and no 填报日期 above the table to date it by: fill it "
                       "in, or give --dated DATE"),
    "import.deal_undated": ("{name}: {amount} is given without {date}: fill in the date (it is "
                            "never taken from the report's date)"),
    "import.date_without": "{date} is given without {amount}: give both, or neither",
    "import.unknown_projects": ("no project named {names}: add it to the ledger or `crm contact` "
                                "it first"),
    "import.differs": "{what}: {have} in the log, {given} in the ledger",
    "import.shrunk": ("{what}: {have} in the log, {given} in the ledger; a running total can only "
                      "grow: correct the event to change (see `crm history {name}`)"),
    "import.conflict": "{where}: {name}: {what} — to apply: {command}",
    "import.conflict_manual": "{where}: {name}: {what}",
    "import_conflicts_manual": ("{count} row(s) of {file} differ from the log in a way only a "
                                "person can settle: nothing was imported"),
    "import.dated_by_report": ("{where}: figures without a date column dated {date} (填报日期 "
                               "above the table)"),
    "import.dated_by_option": "{where}: figures without a date column dated {date} (--dated)",
    "import.table": ("{where}: {kind}, {read} column(s) read, {ignored} ignored, {rows} row(s), "
                     "{skipped} row(s) skipped"),
    "import.kind.ledger": "ledger",
    "import.kind.visits": "visit log",
    "import.column": "{letter} {header} → {field}",
    "import.column_unit": "{letter} {header} → {field}, in {unit} ({source})",
    "import.column_ignored": "{letter} {header}: not read: {why}",
    "import.rows_skipped": "rows skipped: {rows}",
    "import.report_date": "report date: {date} (填报日期)",
    "import.hidden": ("{file}: hidden sheet {sheet} skipped (show it in Excel, or give --sheet, "
                      "to read it)"),
    "import.other": "{file}: sheet {sheet} holds no ledger or visit log (not read)",
    "import.would": ("would import: {new} new, {updated} updated, {unchanged} unchanged; {events} "
                     "event(s)"),
    "import.did": ("imported {file}: {new} new, {updated} updated, {unchanged} unchanged; {events} "
                   "event(s)"),
    "import.nothing": ("nothing to import: {file} holds nothing the log does not ({unchanged} "
                       "row(s) unchanged)"),
    "import.left_alone": "{count} project(s) of the log not in this ledger, left as they are",
    "import.inferred": ("{count} new project(s) with no 接洽日期: contacted on the earliest date "
                        "the import knows for each"),
    "import.corrected": "{count} conflict(s) recorded as corrections (reason: {reason})",
    "import.conflicts_skipped": "{count} conflicting row(s) left out (--skip-conflicts):",
    "import.conflicts_found": "{count} conflict(s): the ledger says otherwise than the log:",
    "import.problems_found": "{count} problem(s): the import would be refused:",
    "import.check_ok": "nothing written (--check)",
    "unit.yuan": "yuan", "unit.wan": "10k yuan (万元)",
    "unit.yi": "100m yuan (亿元)", "unit.million": "million yuan",
    "unit.billion": "billion yuan", "unit.mu": "亩",
    "unit.sqm": "square metres", "unit.hectare": "hectares",
    "source.header": "from the header",
    "source.group header": "from the merged header above",
    "source.unit line": "from the 单位 line above the table",
    "source.--unit": "from --unit",
    "source.default": "亩 unless stated",
    "ignored.--ignore": "--ignore",
    "ignored.land_asked": "land asked for (用地需求), not land transferred",
    "ignored.registered_capital": "registered capital (注册资本), not capital arrived",
    "ignored.expected_date": "an expected date, not a recorded one",
    "ignored.start_date": "开工 dates cannot be imported yet",
    "ignored.production_date": "投产 dates cannot be imported yet",
    "ignored.serial": "a serial number",
    "ignored.unknown": "not a field the tool keeps (--map HEADER=FIELD reads it)",
    "ignored.duplicate": "a second column for the same field",
    "skip.title": "title", "skip.filled_by": "填报 line",
    "skip.unit_line": "unit line", "skip.total": "total",
    "skip.note": "note or footer", "skip.section": "section",
    "skip.header": "header repeated", "skip.blank": "blank",
    "export.projects": "Projects",
    "export.visits": "Visits",
    "look_alike_warning": ("warning: {a!r} and {b!r} are the same name but for invisible "
                           "characters: `crm merge` or `crm rename` one of them"),
}

#: What a correction, a pipeline or a ledger calls each field on the command line.
OPTION_NAMES = {"occurred_on": "--date", "participants": "--with", "names": "NAME",
                "name": "NAME"}

ERRORS: dict[str, str] = {
    "InvalidValue": "{option} {value!r} is not valid: expected {expected}",
    "NonPositiveAmount": "{field} {value} yuan is not positive: give an amount above zero",
    "NonPositiveArea": "area {value} 亩 is not positive: give an area above zero",
    "FutureDate": "date {value} is in the future (today is {today}): record what has happened",
    "DateBeforeContact": "date {value} is before {name}'s first contact on {contact_date}: check the date",
    "DuplicateName": ("a project named {existing!r} already exists (names ignore case and width): "
        "choose another name for {name!r}"),
    "ProjectNotFound": ("no project named {name!r}{did_you_mean}: `crm list` shows the names, "
                        "`crm contact` records a new one"),
    "NotYetContacted": ("{name!r} had not been contacted by {as_of}: it was first contacted on "
                        "{contact_date}"),
    "SameName": "the project is already named {name!r}: nothing to rename",
    "PeriodIsClosed": ("{name}: {value} is inside {period}, closed ({reason}): give "
                       "--into-closed-period REASON to record it all the same"),
    "AlreadyStarted": "{name!r} already started construction on {started_on}",
    "NoLandYet": "{name!r} has no land yet: record its land transfer (`crm land`) before 开工",
    "BeforeLand": "date {value} is before {name!r} got its land on {land_on}: check the date",
    "AlreadyProducing": "{name!r} already started production on {producing_on}",
    "NotStartedYet": "{name!r} has not started construction: record 开工 (`crm start`) before 投产",
    "BeforeStart": "date {value} is before {name!r} started construction on {started_on}: check the date",
    "EmptyCommitment": "{name}: a commitment promises something: give --start-by, --produce-by or --invest",
    "InvestWithoutDate": "{name}: promised capital needs its date and a date its amount: give --invest with --by",
    "SameOwner": "{name} is already followed by {owner}: nothing to hand over",
    "AmountTooSmall": ("{name}: the {what} amount {value_shown} is under the zone's minimum of "
                       "{minimum_shown}: a slip of 万 or 亿? Give the right amount, or --confirm "
                       "to record it as it is"),
    "AmountTooLarge": ("{name}: the {what} amount {value_shown} is over {ratio}× the project's "
                       "{base_shown}: a slip? Give the right amount, or --confirm to record it"),
    "CapitalBeyondContract": ("{name}: capital would reach {total_shown}, beyond the contracted "
                              "{contracted_shown}: check the amount, or --confirm to record it"),
    "LandTooLarge": ("{name}: {value} 亩 in one transfer is over the zone's maximum of {maximum} 亩 "
                     "(square metres typed as 亩?): give 亩, or --confirm to record it"),
    "SameVisit": ("{name}: the same visit ({kind_shown}, {value}) is already recorded: --confirm "
                  "records it again"),
    "LookAlikeName": ("{name!r} looks like the existing {existing!r} typed differently: use that "
                      "name, or --confirm to record a new project"),
    "ProjectIsVoided": "{name!r} was voided ({reason}): `crm correct` its void to bring it back",
    "NotSigned": "{name!r} is not signed yet: record its signing (`crm sign`) before {action}",
    "BeforeSigning": "date {value} is before {name!r} was signed on {signed_on}: check the date",
    "ProjectIsDropped": "{name!r} was dropped on {dropped_on}: `crm reopen` it first",
    "NotDropped": "{name!r} is not dropped, so it cannot be reopened",
    "ReopenBeforeDrop": "date {value} is before {name!r} was dropped on {dropped_on}: check the date",
    "AlreadySigned": "{name!r} was already signed on {signed_on}: use `crm correct` to change that signing",
    "AlreadyAgreed": ("{name!r} already has a framework agreement of {agreed_on}: "
        "use `crm correct` to change it"),
    "AgreementAfterSigning": ("{name!r} was signed on {signed_on}: a framework agreement of {value} comes after the "
        "contract; record it with a date no later than the signing, or leave it out"),
    "DuplicateInVisit": "project {name!r} is named twice in one visit: name each project once",
    "NoSuchEvent": ("{name!r} has no event {position}: its history holds events 1 to {count} "
        "(`crm history {name}`)"),
    "NotCorrectable": "{option} does not apply to a {event} ({event}): it takes {options}",
    "CorrectionOfCorrection": "event {position} of {name!r} is itself a correction: correct event {target} instead",
    "NothingToCorrect": ("nothing to correct on event {position} of {name!r}: give new values "
        "(e.g. --amount, --date) or --void"),
    "ContactCannotBeVoided": ("the first contact of {name!r} cannot be voided: it is the project itself; "
        "`crm drop` it instead"),
    "ConcurrentChange": "{name!r} kept changing under other writers ({attempts} attempts): try again",
    "StoreNotEmpty": ("{store} already holds {events} events; the demo fills only an empty store: "
        "try `crm --store demo.sqlite demo`"),
    "TargetNotEmpty": "{store} already holds {events} events: copy into an empty store",
    "CopyMismatch": "the copy differs from the original at its event {position}: do not use it",
    "SourceBroken": ("{store} does not verify (at position {position}): run `crm verify` and settle that "
        "before copying it"),
    "MissingValue": "no {what}: every row needs one",
    "UnpairedValue": "{given} {value!r} is given without its {missing}: give both, or neither",
    "StoreUnavailable": "cannot open the store {store}: {reason}",
    "NoStore": ("there is no store at {store} yet: record something first (`crm contact`), give "
                "--store the right file or URL, or make an empty one with `crm init`"),
    "NotOurDatabase": ("{store} is another application's SQLite database, not a crm store: it was "
                       "left exactly as it is; give --store a new file such as events.sqlite"),
    "StoreReadOnly": ("{store} may not be written by this login (the file or its folder is "
                      "read-only): check its rights, or give --store a file you may write"),
    "ServerClock": ("CRM_NOW is not taken for the team's store {store}: its server stamps every "
                    "record time; unset CRM_NOW"),
    "UsageProblem": "{message}",
    "UnknownSetting": "zone setting {key!r} does not exist: the settings are {known}",
    "BadSetting": "zone setting {key} cannot be {value!r}: expected {expected}",
    "FlagUnchanged": "{name} is already {on} {flag}: nothing recorded",
    "NoLedgerFound": ("{file}: no sheet holds a ledger or a visit log (sheets: {sheets}): its "
                      "header needs 项目名称 and at least one more known column; name the columns "
                      "with --map HEADER=FIELD, or give --kind ledger|visits"),
    "StoreFailed": "the store could not do it, and nothing was written: {reason}",
    # -- reading ledgers (crm.text.ledgers)
    "NotALedger": "{file} cannot be read as a ledger or visit log",
    "SavedAsWebPage": ("{file} is a web page (HTML) saved under a spreadsheet's name, not a workbook: open it "
        "in Excel or WPS and save it as .xlsx or .csv"),
    "LegacyWorkbook": ("{file} is an old binary workbook (.xls, .et) or a password-protected one: open it in "
        "Excel or WPS and save it as .xlsx (without a password) or .csv"),
    "NotAWorkbook": ("{file} is not an Excel workbook inside, whatever its name says: open it in Excel or "
        "WPS and save it as .xlsx or .csv"),
    "UnreadableText": ("{file} is not text in UTF-8 or GB18030 (GBK): save it from Excel or WPS as "
        "\"CSV UTF-8\" or as .xlsx"),
    "Utf16Text": ("{file} is {encoding} text (Excel's \"Unicode text\"), which is not read: save it as "
        "\"CSV UTF-8\" or as .xlsx"),
    "UnknownFileType": "{file}: ledgers and visit logs are read from .csv and .xlsx files, not {suffix}",
    "NoSuchSheet": "{file} has no sheet named {sheet!r}; its sheets are: {sheets}",
    "NoUnit": ("column {letter} {option!r} holds amounts but no unit is stated, in its header or in a "
        "单位 line above the table: write it in the header (计划投资（万元）) or give --unit 万元 "
        "(or 亿元, 元)"),
    "UnknownColumn": ("column {letter} {option!r} looks like amounts, dates, areas or yes/no, but no field the "
        "tool knows: --map '{option}=FIELD' reads it as a field, --ignore '{option}' leaves it out"),
    "NotImportedYet": ("column {letter} {option!r} records a milestone (开工, 投产) this version cannot import "
        "yet: --ignore '{option}' leaves it out"),
    "DuplicateColumn": ("columns {first!r} and {letter} {option!r} are both read as {field}: --ignore '{option}' "
        "leaves this one out, --map '{option}=FIELD' reads it as another field"),
    "SharedCell": ("rows {first}-{last} share one merged {option!r} cell: unmerge it and give each row its "
        "own figure"),
    "ApproximateValue": "{option} {value!r} is an estimate (约, 左右, 余 …): give the exact figure",
    "ValueRange": "{option} {value!r} is a range: give one exact figure",
    "DateWithoutYear": "{option} {value!r} has no year: write the whole date, e.g. 2021年3月5日",
    "VagueDate": "{option} {value!r} is not one day: give the exact date, e.g. 2021-03-05",
    "OtherCurrency": "{option} {value!r} is in {currency}, not yuan: convert it to yuan (人民币) and write that",
    "UncalculatedFormula": ("{option} in {cell} is a formula whose value was never calculated (the file was not saved "
        "by Excel or WPS): open it in Excel or WPS and save it again"),
}

_WHAT = {"planned": "planned_investment", "framework": "framework_investment",
         "contracted": "contracted_investment", "capital": "capital_arrived",
         "amount": "amount", "price": "price", "framework_amount": "framework_investment"}


def _money(amount: Decimal) -> str:
    from crm.text.tables import money

    return money(amount)


_ACTIONS = {"land": "a land transfer", "capital": "capital arrivals",
            "aftercare": "an aftercare visit", "commitment": "a commitment"}


def label(key: str, lang: str = "en") -> str:
    """What a stage, kind, event, field or report line is called (the key itself when the
    catalogue has no name for it, e.g. a sector)."""
    text = CATALOGUE.get(key)
    return key if text is None else tr(text, lang, key)


def say(message: str, lang: str = "en", /, **params: Any) -> str:
    """A sentence of the catalogue with its values filled in."""
    return tr(CATALOGUE[message], lang, message).format(**params)


def option_of(field: str | None) -> str:
    field = field or ""
    return OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def error_message(error: Any, lang: str = "en") -> str:
    """Any error of the tool as one line in a person's language."""
    name = type(error).__name__
    params: dict[str, Any] = dict(getattr(error, "params", {}))
    template = ERRORS.get(name)
    if template is None:
        return f"{name}: {params}"
    values = {k: ("" if v is None else v) for k, v in params.items()}
    action = _ACTIONS.get(str(params.get("action")))
    if action is not None:
        values["action"] = tr(action, lang, "action")
    if name in ("NonPositiveAmount", "DuplicateColumn") and params.get("field"):
        values["field"] = label(_WHAT.get(str(params["field"]), str(params["field"])), lang)
    if name == "ProjectNotFound":
        values["did_you_mean"] = say("did_you_mean", lang, names=params["suggestions"]) \
            if params.get("suggestions") else ""
    for key in ("value", "minimum", "base", "total", "contracted"):
        if isinstance(params.get(key), Decimal):
            values[key + "_shown"] = _money(params[key])
    if "kind" in params:
        values["kind_shown"] = label(str(params["kind"]), lang)
    if name in ("AmountTooSmall", "AmountTooLarge"):
        values["what"] = label(_WHAT.get(str(params["what"]), str(params["what"])), lang)
    if name == "FlagUnchanged":
        values["on"] = tr("flagged" if params["on"] else "not flagged", lang, "flag")
    if name == "NotCorrectable":
        values["option"] = option_of(params["field"])
        values["options"] = say("list_separator", lang).join(
            option_of(f) for f in str(params["allowed"]).split(", "))
        values["event"] = label(params["event"], lang)
    if "expected" in params:
        values["expected"] = expected_words(str(params["expected"]), lang)
    return tr(template, lang, "error." + name).format(**values)


#: What an error says a value should have been, when the code builds it from parts: each
#: part goes through the catalogue (context `expected`), the list it names stays as it is.
_EXPECTED_FORMS = (
    (re.compile(r"(.+) \((at most [^()]+|to the fen, 0\.01 yuan)\)"), "{0} ({1})"),
    (re.compile(r"(.+) (that exists on the calendar)"), "{0} {1}"),
    (re.compile(r"HEADER=FIELD, FIELD one of (.+)"), "HEADER=FIELD, FIELD one of {items}"),
    (re.compile(r"one of (.+?)(?: \((.+)\))?"), "one of {items}"),
)


def expected_words(expected: str, lang: str) -> str:
    if lang != "zh" or not expected:
        return expected
    whole = tr(expected, lang, "expected")
    if whole != expected:
        return whole
    for pattern, form in _EXPECTED_FORMS:
        match = pattern.fullmatch(expected)
        if match is None:
            continue
        if "{items}" in form:
            items = match.group(1)
            extra = match.group(2) if match.lastindex and match.lastindex > 1 else None
            text = tr(form, lang, "expected").format(items=items)
            return text + (f"（{extra}）" if extra else "")
        parts = [tr(g, lang, "expected") for g in match.groups()]
        return tr(form, lang, "expected").format(*parts)
    return expected
