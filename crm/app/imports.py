"""Bringing a zone's ledgers (招商项目台账) and visit logs in through the domain, the first
time and every month after.

A ledger row implies a project's facts (contact, framework agreement, signing, land,
capital, drop) at the row's own dates; a visit-log row, one visit. A project already in the
log gets only what is new: a date or figure newly filled in, capital or land that grew (an
arrival or a transfer of the difference). What contradicts the log is a conflict, listed
with the `crm correct` command that would apply it, never applied silently
(`--apply-corrections` applies them). Every row is checked first, through the same rules as
the command line; every bad row is reported; nothing is written unless all is well, and
then all of it in one transaction."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.app import clock, collector
from crm.app.errors import ImportConflicts, ImportProblems, NoLedgerFound
from crm.domain import errors
from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    CONTACT,
    LAND_TRANSFER,
    PRODUCTION,
    SIGNING,
    STARTED_WORK,
    VISIT,
)
from crm.domain.project import Project
from crm.domain.values import name_key
from crm.store import transcoding
from crm.text import ledgers
from crm.text.messages import error_message, label, say
from crm.text.tables import area, money

_VISITS_NAMESPACE = uuid.UUID("0b8f4d4e-7d7c-4c1e-9a55-1f3a2f6c9e10")
BATCH = 2000
_PROFILE = ("investor", "sector", "relocation", "owner", "channel", "region")
#: What a ledger's drop says when it gives no reason.
LEDGER_DROP = "台账记为终止"
#: The reason a correction applied from a ledger is recorded with, unless given.
LEDGER_CORRECTION = "台账更正"
#: The reason an inferred contact date moves to an earlier visit.
INFERRED_CONTACT = "接洽日期按导入的最早日期提前"
#: The reason an inferred contact date becomes the 接洽日期 a later ledger fills in.
CONTACT_FILLED = f"{LEDGER_CORRECTION}：补填接洽日期"


@dataclass(frozen=True)
class Options:
    """What `crm import` was told."""

    mapping: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    unit: Decimal | None = None
    sheet: str | None = None
    kind: str | None = None
    dated: date | None = None
    check: bool = False
    skip_conflicts: bool = False
    apply_corrections: str | None = None  # the reason, when conflicts are to be applied
    lang: str = "en"


@dataclass
class Conflict:
    """A row that says otherwise than the log, and the command that would make them agree
    (`apply(project, common, reason)` records it; None: only a person can tell which)."""

    where: str
    name: str
    what: str
    command: str
    apply: Callable[[Project, dict[str, Any], str], None] | None


@dataclass
class Outcome:
    """What an import found and did (or, with --check, would do)."""

    reading: Any
    new_rows: int = 0
    updated_rows: int = 0
    unchanged: int = 0
    events: int = 0
    left_alone: int = 0  # projects of the log this ledger does not mention
    conflicts: list[Conflict] = field(default_factory=list)
    corrected: int = 0
    dated_by: list[str] = field(default_factory=list)  # how undated figures were dated
    inferred_contacts: int = 0
    problems: list[str] = field(default_factory=list)  # with --check: what would refuse it
    written: bool = False


# -- the plan ---------------------------------------------------------------------------


@dataclass
class _Row:
    where: str
    table: Any
    values: dict[str, Any]
    key: str


class _Planner:
    """Works out, row by row, the events an import implies; collects problems and conflicts."""

    def __init__(self, app: Any, reading: Any, options: Options, user: str,
                 baseline: tuple[list[dict[str, Any]], set[Any]]):
        self.app, self.reading, self.options, self.user = app, reading, options, user
        self.zone = app.settings()  # its closed periods, and its guards unless --confirm
        self.limits = None if app.confirm else self.zone.guards
        rows, visits = baseline
        self.known = {name_key(r["name"]): r for r in rows}  # what the read models hold
        self.known_visits = {str(v).replace("-", "") for v in visits}
        self.now, self.today = clock.now(), clock.today()
        self.problems: list[tuple[str, str]] = []  # (where, message)
        self.outcome = Outcome(reading)
        self.projects: dict[str, Project] = {}  # name key -> aggregate with pending events
        self.loaded: dict[str, Project] = {}
        self.existing: dict[str, Any] = {}  # name key -> project id, for projects in the log
        self.earliest: dict[str, date] = {}
        self.dated_notes: set[str] = set()

    # -- problems ---------------------------------------------------------------------------

    def problem(self, where: str, error: Any) -> None:
        self.problems.append((where, error_message(error, self.options.lang)))

    def says(self, where: str, key: str, **params: Any) -> None:
        self.problems.append((where, say(key, self.options.lang, **params)))

    def field(self, name: str) -> str:
        if name in _OWN_LABELS:  # fields the catalogue has no name for
            return _OWN_LABELS[name][self.options.lang == "zh"]
        return label(_LABELS.get(name, name), self.options.lang)

    def _reason_without_date(self, row: _Row) -> None:
        """A drop reason with no drop date: the ledger says the project ended but not when,
        which only a person can say."""
        self.says(row.where, "import.date_without", date=self.field("drop_reason"),
                  amount=self.field("dropped_on"))

    # -- the plan --------------------------------------------------------------------------

    def plan(self) -> Outcome:
        for table in self.reading.tables:
            for p in table.problems:
                self.problem(p.where, p.error)
        self.existing = {key: row["id"] for key, row in self.known.items()}
        ledger_rows = list(self._ledger_rows())
        visit_rows = list(self._visit_rows())
        for row in visit_rows:
            for name in row.values["projects"]:
                self._earliest(name_key(name), row.values["date"])
        for row in ledger_rows:
            for value in row.values.values():
                if isinstance(value, date):
                    self._earliest(row.key, value)
        mentioned = set()
        for row in ledger_rows:
            mentioned.add(row.key)
            if row.key in self.existing:
                self._update(row)
            else:
                self._create(row)
        self.outcome.left_alone = len(set(self.existing) - mentioned) if ledger_rows else 0
        for row in visit_rows:
            self._visit(row)
        return self.outcome

    def _earliest(self, key: str, on: date) -> None:
        if key not in self.earliest or on < self.earliest[key]:
            self.earliest[key] = on

    def _ledger_rows(self) -> Iterator[_Row]:
        seen: dict[str, str] = {}
        for table in self.reading.tables:
            if table.kind != ledgers.LEDGER:
                continue
            for row in table.rows:
                where = f"{table.where}:{row.number}"
                name = row.values.get("name")
                if name is None:
                    self.says(where, "import.no_name")
                    continue
                key = name_key(name)
                if key in seen:
                    self.says(where, "import.twice", name=name, row=seen[key])
                    continue
                seen[key] = f"{row.number}"
                yield _Row(where, table, row.values, key)

    def _visit_rows(self) -> Iterator[_Row]:
        seen: dict[tuple, str] = {}
        for table in self.reading.tables:
            if table.kind != ledgers.VISITS:
                continue
            for row in table.rows:
                where = f"{table.where}:{row.number}"
                missing = [f for f in ("date", "kind", "projects") if f not in row.values]
                if missing:
                    self.says(where, "import.visit_needs", fields="、".join(
                        self.field(f) for f in missing))
                    continue
                identity = (row.values["date"], row.values["kind"],
                            frozenset(name_key(n) for n in row.values["projects"]))
                if identity in seen:
                    self.says(where, "import.same_visit", row=seen[identity])
                    continue
                seen[identity] = f"{row.number}"
                yield _Row(where, table, row.values, "")

    def common(self, on: date, note: str | None = None) -> dict[str, Any]:
        return {"occurred_on": on, "today": self.today, "timestamp": self.now,
                "recorded_by": self.user, "note": note, "into_closed": self.app.into_closed}

    def _dated(self, row: _Row, what: str) -> date | None:
        """The date of a figure the ledger gives without one: the report's date above the
        table, or --dated."""
        lang = self.options.lang
        if row.table.report_date is not None:
            self.dated_notes.add(say("import.dated_by_report", lang, where=row.table.where,
                                     date=row.table.report_date))
            return row.table.report_date
        if self.options.dated is not None:
            self.dated_notes.add(say("import.dated_by_option", lang, where=row.table.where,
                                     date=self.options.dated))
            return self.options.dated
        self.says(row.where, "import.undated", what=self.field(what),
                  name=row.values.get("name", ""))
        return None

    def _undated_deal(self, row: _Row, date_field: str, amount_field: str) -> None:
        """An agreement's or a signing's date is a fact of its own: never taken from the
        report's date."""
        self.says(row.where, "import.deal_undated", name=row.values["name"],
                  amount=self.field(amount_field), date=self.field(date_field))

    # -- a project new to the log ------------------------------------------------------------

    def _create(self, row: _Row) -> None:
        values = row.values
        missing = [f for f in ("investor", "sector") if f not in values]
        if missing:
            self.says(row.where, "import.new_needs", name=values["name"],
                      fields="、".join(self.field(f) for f in missing))
            return
        facts = self._facts_of(row)
        if facts is None:
            return
        contact_on = values.get("contact_date") or self.earliest.get(row.key)
        inferred = "contact_date" not in values
        if contact_on is None:
            contact_on = self._dated(row, "contact_date")
            if contact_on is None:
                return
        planned = values.get("planned") or values.get("framework_amount") or values.get("contracted")
        if planned is None:
            self.says(row.where, "import.no_planned", name=values["name"])
            return
        try:
            profile = {k: values.get(k) for k in ("investor", "sector", "owner", "channel",
                                                  "region")}
            project = Project.make_contact(
                name=values["name"], planned=planned, relocation=bool(values.get("relocation")),
                date_inferred=inferred, guards=self.limits, zone=self.zone, **profile,
                **self.common(contact_on, values.get("note"))).guarded(self.limits, self.zone)
            with project.together(self.today):
                for on, event, apply in sorted(facts, key=lambda f: (f[0], _ORDER[f[1]])):
                    apply(project, self.common(on))
        except errors.CrmError as e:
            self.problem(row.where, e)
            return
        self.projects[row.key] = project
        self.outcome.new_rows += 1
        self.outcome.inferred_contacts += inferred

    def _facts_of(self, row: _Row) -> list[tuple[date, str, Callable]] | None:
        """The facts a row implies beyond the contact: (date, event, apply)."""
        values, facts, ok = row.values, [], True
        if "framework_date" in values or "framework_amount" in values:
            amount = values.get("framework_amount")
            on = values.get("framework_date") or self._undated_deal(row, "framework_date",
                                                                    "framework_amount")
            if on is None:
                ok = False
            else:
                facts.append((on, AGREEMENT, lambda p, c, a=amount: p.sign_framework(amount=a, **c)))
        for amount_field, date_field, event in (
                ("contracted", "signed_date", SIGNING),
                ("land_mu", "land_date", LAND_TRANSFER),
                ("capital", "capital_date", CAPITAL_ARRIVAL)):
            if date_field in values and amount_field not in values:
                self.says(row.where, "import.date_without", date=self.field(date_field),
                          amount=self.field(amount_field))
                ok = False
                continue
            if amount_field not in values:
                continue
            on = values.get(date_field) or (
                self._undated_deal(row, date_field, amount_field) if event == SIGNING
                else self._dated(row, date_field))
            if on is None:
                ok = False
                continue
            facts.append((on, event, _APPLY[event](values[amount_field])))
        for key, (event, apply) in _MILESTONES.items():
            if key in values:
                facts.append((values[key], event, apply))
        if "dropped_on" in values:
            reason = values.get("drop_reason") or LEDGER_DROP
            facts.append((values["dropped_on"], "ProjectDropped",
                          lambda p, c, r=reason: p.drop(reason=r, **c)))
        elif "drop_reason" in values:
            self._reason_without_date(row)
            ok = False
        return facts if ok else None

    # -- a project already in the log -------------------------------------------------------

    def project(self, key: str) -> Project:
        if key in self.projects:
            return self.projects[key]
        if key not in self.loaded:
            self.loaded[key] = self.app.load(self.existing[key]).guarded(
                self.limits, self.zone)
        return self.loaded[key]

    def _update(self, row: _Row) -> None:
        """New progress as new events; contradictions as conflicts."""
        if "drop_reason" in row.values and "dropped_on" not in row.values \
                and self.known[row.key].get("dropped_on") is None:
            self._reason_without_date(row)
            return
        if _unchanged(row.values, self.known[row.key]):  # the read models say so: no load
            self.outcome.unchanged += 1
            return
        project = self.project(row.key)
        state, values, name = project.state, row.values, project.name
        conflicts: list[Conflict] = []
        progress: list[tuple[date, str, Callable]] = []
        lang = self.options.lang

        def differ(what: str, have: Any, given: Any, command: str | None,
                   apply: Callable | None) -> None:
            text = say("import.differs", lang, what=self.field(what), have=have, given=given)
            full = None if command is None else (f"crm correct {_quoted(name)} {command} "
                                                 f"--reason {LEDGER_CORRECTION}")
            conflicts.append(Conflict(row.where, name, text, full or "", apply))

        for f in _PROFILE:
            if f in values and values[f] != getattr(state, f):
                if f == "relocation":
                    option = "--relocation" if values[f] else "--no-relocation"
                    shown = (_yes_no(getattr(state, f), lang), _yes_no(values[f], lang))
                else:
                    option = f"--{f} {_quoted(values[f])}"
                    shown = (getattr(state, f), values[f])
                differ(f, *shown, f"1 {option}", _correcting(1, {f: values[f]}))
        if "planned" in values and values["planned"] != state.planned:
            differ("planned", money(state.planned), money(values["planned"]),
                   f"1 --planned {money(values['planned'])}",
                   _correcting(1, {"planned": values["planned"]}))
        if "contact_date" in values and values["contact_date"] != state.contact_date:
            if _contact_date_recorded(project):
                differ("contact_date", state.contact_date, values["contact_date"],
                       f"1 --date {values['contact_date']}",
                       _correcting(1, {"occurred_on": values["contact_date"]}))
            else:  # the date was only inferred: the ledger now gives it
                fill = _correcting(1, {"occurred_on": values["contact_date"]})
                progress.append((values["contact_date"], "correction", lambda p, c, f=fill: f(
                    p, self.common(self.today), CONTACT_FILLED)))
        self._deal(row, project, "framework", AGREEMENT, "framework_amount", "framework_date",
                   progress, differ)
        self._deal(row, project, "contracted", SIGNING, "contracted", "signed_date",
                   progress, differ)
        for total_field, date_field, event in (("land_mu", "land_date", LAND_TRANSFER),
                                               ("capital", "capital_date", CAPITAL_ARRIVAL)):
            self._grown(row, project, total_field, date_field, event, progress, differ)
        for key, (event, apply) in _MILESTONES.items():
            if key not in values:
                continue
            have = next((f for f in project.facts if f.event == event), None)
            if have is None:
                progress.append((values[key], event, apply))
            elif have.occurred_on != values[key]:
                differ(key, have.occurred_on, values[key], f"{have.seq} --date {values[key]}",
                       _correcting(have.seq, {"occurred_on": values[key]}))
        if "dropped_on" in values and state.dropped_on is None:
            reason = values.get("drop_reason") or LEDGER_DROP
            progress.append((values["dropped_on"], "ProjectDropped",
                             lambda p, c, r=reason: p.drop(reason=r, **c)))
        if not progress and not conflicts:
            self.outcome.unchanged += 1
            return
        try:
            for on, event, apply in sorted(progress, key=lambda f: (f[0], _ORDER[f[1]])):
                apply(project, self.common(on))
        except errors.CrmError as e:
            self.problem(row.where, e)
            return
        self.projects[row.key] = project
        self.outcome.conflicts += conflicts
        if progress:
            self.outcome.updated_rows += 1
        else:
            self.outcome.unchanged += 1

    def _deal(self, row: _Row, project: Project, attribute: str, event: str, amount_field: str,
              date_field: str, progress: list, differ: Callable) -> None:
        """An agreement or a signing: new if the log has none; else what differs."""
        values, state = row.values, project.state
        recorded = next((f for f in project.facts if f.event == event), None)
        if amount_field not in values and date_field not in values:
            return
        if recorded is None:
            if event == SIGNING and amount_field not in values:
                self.says(row.where, "import.date_without", date=self.field(date_field),
                          amount=self.field(amount_field))
                return
            on = values.get(date_field) or self._undated_deal(row, date_field, amount_field)
            if on is None:
                return
            amount = values.get(amount_field)
            progress.append((on, event, lambda p, c, a=amount, e=event: (
                p.sign_framework(amount=a, **c) if e == AGREEMENT
                else p.sign_contract(amount=a, **c))))
            return
        amount = values.get(amount_field)
        have = getattr(state, attribute)
        if amount is not None and have is None:  # an agreement's amount newly filled in
            fill = _correcting(recorded.seq, {"amount": amount})
            progress.append((recorded.occurred_on, "correction", lambda p, c, f=fill: f(
                p, self.common(self.today), f"{LEDGER_CORRECTION}：补填金额")))
        elif amount is not None and amount != have:
            differ(amount_field, money(have), money(amount),
                   f"{recorded.seq} --amount {money(amount)}",
                   _correcting(recorded.seq, {"amount": amount}))
        if date_field in values and values[date_field] != recorded.occurred_on:
            differ(date_field, recorded.occurred_on, values[date_field],
                   f"{recorded.seq} --date {values[date_field]}",
                   _correcting(recorded.seq, {"occurred_on": values[date_field]}))

    def _grown(self, row: _Row, project: Project, total_field: str, date_field: str,
               event: str, progress: list, differ: Callable) -> None:
        """Land or capital: the ledger keeps a running total; what grew is a new transfer or
        arrival of the difference, dated by its column (when later than the last one
        recorded) or by the report's date."""
        values = row.values
        if total_field not in values:
            return
        recorded = [f for f in project.facts if f.event == event]
        key = "mu" if event == LAND_TRANSFER else "amount"
        have = sum((f.get(key) for f in recorded), Decimal(0))
        total = values[total_field]
        shown = area if event == LAND_TRANSFER else money
        if total == have:
            if date_field in values and len(recorded) == 1 \
                    and values[date_field] != recorded[0].occurred_on:
                differ(date_field, recorded[0].occurred_on, values[date_field],
                       f"{recorded[0].seq} --date {values[date_field]}",
                       _correcting(recorded[0].seq, {"occurred_on": values[date_field]}))
            return
        if total < have:
            text = say("import.shrunk", self.options.lang, what=self.field(total_field),
                       have=shown(have), given=shown(total), name=_quoted(project.name))
            self.outcome.conflicts.append(Conflict(row.where, project.name, text, "", None))
            return
        last = max((f.occurred_on for f in recorded), default=None)
        on = values.get(date_field)
        if on is None or (last is not None and on <= last):
            on = self._dated(row, date_field)
            if on is None:
                return
        progress.append((on, event, _APPLY[event](total - have)))

    # -- visits -----------------------------------------------------------------------------

    def _all_keys(self) -> Container[str]:
        """The name keys the import knows: in the log or in this file (asked, not copied:
        a visit log asks once a row)."""
        return _Either(self.projects, self.existing)

    def _visit(self, row: _Row) -> None:
        values = row.values
        kind, note = values["kind"], values.get("note")
        names = values["projects"]
        known = self._all_keys()
        if len(names) > 1 and name_key(" ".join(names)) in known:
            names = [" ".join(names)]  # one name with spaces in it, not several
        elif any(name_key(n) not in known for n in names):
            names = _rejoined(names, known)  # 年产5万吨电池、10万吨正极材料项目 is one name
        keys = [name_key(n) for n in names]
        unknown = [n for n, k in zip(names, keys, strict=True)
                   if k not in self.projects and k not in self.existing]
        if unknown:
            self.says(row.where, "import.unknown_projects", names="、".join(unknown))
            return
        visit_id = uuid.uuid5(_VISITS_NAMESPACE, f"{values['date']}|{'|'.join(sorted(keys))}|{kind}")
        if visit_id.hex in self.known_visits:
            self.outcome.unchanged += 1
            return
        named = [self.project(k) for k in keys]
        common = self.common(values["date"], note)
        try:
            for project in named:
                if values["date"] < project.state.contact_date \
                        and not _contact_date_recorded(project):
                    # the contact date was only the earliest the ledger knew: this is earlier
                    _correcting(1, {"occurred_on": values["date"]})(
                        project, self.common(self.today), INFERRED_CONTACT)
                project.log_visit(kind=kind, visit_id=visit_id, projects=[p.name for p in named],
                                  participants=values.get("participants"), **common)
        except errors.CrmError as e:
            self.problem(row.where, e)
            return
        for key, project in zip(keys, named, strict=True):
            self.projects[key] = project
        self.outcome.new_rows += 1


_ORDER = {CONTACT: 0, VISIT: 1, AGREEMENT: 2, SIGNING: 3, LAND_TRANSFER: 4, STARTED_WORK: 5,
          CAPITAL_ARRIVAL: 6, PRODUCTION: 7, "correction": 8, "ProjectDropped": 9}
#: The milestones after the contract a ledger may date: field -> (event, how it is recorded).
_MILESTONES = {"started_date": (STARTED_WORK, lambda p, c: p.start(**c)),
               "produced_date": (PRODUCTION, lambda p, c: p.produce(**c))}
#: The names of the fields the catalogue does not name: (English, Chinese).
_OWN_LABELS = {"drop_reason": ("drop reason", "终止原因"), "date": ("date", "日期")}
#: The catalogue's name of each field of a ledger.
_LABELS = {"planned": "planned_investment", "framework_amount": "framework_investment",
           "contracted": "contracted_investment", "capital": "capital_arrived",
           "date": "date", "kind": "kind", "projects": "projects",
           "started_date": "started_on", "produced_date": "producing_on"}
_APPLY: dict[str, Callable[[Decimal], Callable]] = {
    SIGNING: lambda amount: lambda p, c: p.sign_contract(amount=amount, **c),
    LAND_TRANSFER: lambda mu: lambda p, c: p.transfer_land(mu=mu, parcel=None, price=None, **c),
    CAPITAL_ARRIVAL: lambda amount: lambda p, c: p.receive_capital(amount=amount, **c),
}


#: What a ledger row may say without being news: text the log keeps elsewhere (a note).
_NOT_COMPARED = {"name", "note", "drop_reason"}


def _unchanged(values: dict[str, Any], known: dict[str, Any]) -> bool:
    """Whether a row says exactly what the read models hold (land and capital as totals, their
    dates as the first one). Anything else is worked out on the project itself."""
    return all(known.get(f) == v for f, v in values.items() if f not in _NOT_COMPARED)


class _Either:
    """Membership in either of two collections, without joining them."""

    def __init__(self, first: Container[str], second: Container[str]):
        self.first, self.second = first, second

    def __contains__(self, key: object) -> bool:
        return key in self.first or key in self.second


def _rejoined(names: list[str], known: Container[str]) -> list[str]:
    """Names a cell was split into, neighbours joined again (by 、 or a space) where together
    they name a project of the log or the import — the longest such run first."""
    out, i = [], 0
    while i < len(names):
        found = next(((sep.join(names[i:j]), j) for j in range(len(names), i + 1, -1)
                      for sep in ("、", " ") if name_key(sep.join(names[i:j])) in known),
                     (names[i], i + 1))
        out.append(found[0])
        i = found[1]
    return out


def _contact_date_recorded(project: Project) -> bool:
    """Whether the contact's date is one a person gave (on the command line, or as a ledger's
    接洽日期, filled in later or not) rather than only the earliest date an import knew."""
    if not project.event_at(1).get("date_inferred"):
        return True
    # Project keeps its corrections to itself; which of them filled in the date is read there.
    return any(c.target == 1 and "occurred_on" in c.changes and c.reason == CONTACT_FILLED
               for c in getattr(project, "_corrections", ()))


def _yes_no(flag: Any, lang: str) -> str:
    return ("是" if flag else "否") if lang == "zh" else ("yes" if flag else "no")


def _correcting(seq: int, changes: dict[str, Any]) -> Callable[[Project, dict[str, Any], str],
                                                                  None]:
    """How a correction of event `seq` is recorded on a project."""
    def apply(project: Project, common: dict[str, Any], reason: str) -> None:
        project.correct(target=seq, changes=changes, void=False, reason=reason, **common)
    return apply


def _quoted(text: Any) -> str:
    text = str(text)
    return f'"{text}"' if any(c in text for c in " \t\"'") else text


# -- the use case --------------------------------------------------------------------------


def conflict_line(conflict: Conflict, lang: str) -> str:
    if conflict.apply is None:
        return say("import.conflict_manual", lang, where=conflict.where, name=conflict.name,
                   what=conflict.what)
    return say("import.conflict", lang, where=conflict.where, name=conflict.name,
               what=conflict.what, command=conflict.command)


def import_sheets(app: Any, path: Path, options: Options, user: str,
                  baseline: tuple[list[dict[str, Any]], set[Any]],
                  progress: Callable[[int], None] | None = None) -> Outcome:
    """A ledger or visit log (CSV, Excel): read (every column known, or refused), checked
    whole, then written in one transaction — unless --check, or a row is bad, or a row
    contradicts the log (unless its conflicts are skipped or applied)."""
    with collector.held_back():  # a ledger's plan is held whole until it is written
        return _import_sheets(app, path, options, user, baseline, progress)


def _import_sheets(app: Any, path: Path, options: Options, user: str,
                   baseline: tuple[list[dict[str, Any]], set[Any]],
                   progress: Callable[[int], None] | None) -> Outcome:
    reading = ledgers.read(path, mapping=options.mapping, ignore=options.ignore,
                           unit=options.unit, sheet=options.sheet, kind=options.kind)
    if not reading.tables:
        raise NoLedgerFound(file=path.name, sheets="、".join(reading.other_sheets) or "—")
    planner = _Planner(app, reading, options, user, baseline)
    outcome = planner.plan()
    outcome.dated_by = sorted(planner.dated_notes)
    problems = sorted(planner.problems, key=lambda p: _order(p[0]))
    lang = options.lang
    if options.check:
        outcome.events = sum(len(p.pending_events) for p in planner.projects.values())
        outcome.problems = [f"{where}: {message}" for where, message in problems]
        return outcome
    if problems:
        raise ImportProblems(lines=[f"{w}: {m}" for w, m in problems], summary="import_problems",
                             count=len(problems), file=path.name)
    manual = [c for c in outcome.conflicts if c.apply is None]
    if outcome.conflicts and not options.skip_conflicts:
        if manual or not options.apply_corrections:
            shown = manual if options.apply_corrections else outcome.conflicts
            raise ImportConflicts(lines=[conflict_line(c, lang) for c in shown],
                                  summary="import_conflicts_manual" if options.apply_corrections
                                  else "import_conflicts", count=len(shown), file=path.name)
        for conflict in outcome.conflicts:
            assert conflict.apply is not None
            key = name_key(conflict.name)
            project = planner.project(key)
            conflict.apply(project, planner.common(planner.today), options.apply_corrections)
            planner.projects[key] = project
            outcome.corrected += 1
    outcome.events = write(app, list(planner.projects.values()), progress)
    outcome.written = True
    return outcome


def _order(where: str) -> tuple[str, int]:
    source, _, row = where.rpartition(":")
    return (source, int(row)) if row.isdigit() else (where, 0)


def write(app: Any, projects: Iterable[Project],
          progress: Callable[[int], None] | None = None) -> int:
    """Store what the projects decided in one transaction, at the import's own moment:
    every contact first, so a visit naming a project new to the log comes after its
    contact."""
    to_stored = transcoding.to_stored(app.mapper)
    events = [e for p in projects if p.pending_events for e in p.collect_events()]
    events.sort(key=lambda e: type(e).__name__ != CONTACT)
    moment = clock.now()

    def produce(_tx: Any) -> Iterator[list[Any]]:
        for i in range(0, len(events), BATCH):
            batch = events[i:i + BATCH]
            yield [(to_stored(e), moment) for e in batch]
            if progress:
                progress(len(batch))

    return app.recorder.insert_all(produce)
