"""Everything the tool says to a person, in English and Chinese: one catalogue.

Keys name what is said; `say` fills a template, `label` names a stage, kind, event,
field or report line, `error_message` renders any error of the tool from its type and
values. One concept has one name in each language, wherever it appears."""
from __future__ import annotations

from typing import Any

LANGS = ("en", "zh")

#: key -> (English, Chinese)
CATALOGUE: dict[str, tuple[str, str]] = {
    # -- stages ------------------------------------------------------------------
    "lead": ("lead", "线索"),
    "negotiating": ("negotiating", "在谈"),
    "framework": ("framework", "框架协议"),
    "signed": ("signed", "签约"),
    "land": ("land", "供地"),
    "capital": ("capital", "资金到位"),
    "dropped": ("dropped", "终止"),
    # -- visit kinds: the tables', reports' and narrative's one name for each ---------
    "outbound": ("outbound trip", "外出招商"),
    "reception": ("investor reception", "接待客商"),
    "pairing": ("pairing activity", "山海协作结对活动"),
    "aftercare": ("aftercare visit", "走访服务"),
    "online": ("online meeting", "线上洽谈"),
    # -- events ------------------------------------------------------------------
    "ContactMade": ("contact", "接洽"),
    "VisitLogged": ("visit", "走访考察"),
    "FrameworkAgreementSigned": ("framework agreement", "签订框架协议"),
    "ContractSigned": ("signing", "签约"),
    "LandTransferred": ("land transfer", "土地出让"),
    "CapitalArrived": ("capital arrival", "资金到位"),
    "ProjectDropped": ("drop", "终止"),
    "ProjectReopened": ("reopen", "重新启动"),
    "EventCorrected": ("correction", "更正"),
    # -- fields and columns ------------------------------------------------------
    "name": ("name", "项目名称"),
    "investor": ("investor", "投资方"),
    "sector": ("sector", "产业"),
    "stage": ("stage", "阶段"),
    "relocation": ("relocation", "搬迁"),
    "channel": ("channel", "渠道"),
    "region": ("region", "来源地"),
    "owner": ("owner", "负责人"),
    "planned_investment": ("planned investment", "计划投资"),
    "framework_investment": ("framework investment", "框架协议投资"),
    "contracted_investment": ("contracted investment", "协议投资"),
    "capital_arrived": ("capital arrived", "到位资金"),
    "land_mu": ("land (亩)", "供地(亩)"),
    "land_parcels": ("land parcels", "地块数"),
    "contact_date": ("contacted on", "接洽日期"),
    "framework_date": ("framework agreed on", "框架协议日期"),
    "signed_date": ("signed on", "签约日期"),
    "dropped_on": ("dropped on", "终止日期"),
    "stage_since": ("in stage since", "进入本阶段"),
    "days_in_stage": ("days in stage", "本阶段天数"),
    "last_activity": ("last activity", "最近活动"),
    "position": ("#", "序号"),
    "event": ("event", "事件"),
    "occurred_on": ("date", "发生日期"),
    "recorded_at": ("recorded at", "记录时间"),
    "recorded_by": ("recorded by", "记录人"),
    "details": ("details", "内容"),
    "amount": ("amount", "金额"),
    "mu": ("area (亩)", "面积(亩)"),
    "parcel": ("parcel", "地块"),
    "price": ("price", "出让价"),
    "kind": ("kind", "类型"),
    "projects": ("projects", "项目"),
    "participants": ("with", "参加人员"),
    "reason": ("reason", "原因"),
    "note": ("note", "备注"),
    "visit_id": ("visit id", "活动编号"),
    "count": ("projects", "项目数"),
    "investment_yi": ("investment (亿元)", "投资额(亿元)"),
    "capital_yi": ("capital arrived (亿元)", "到位资金(亿元)"),
    "investment": ("investment", "投资额"),
    "supersedes": ("corrects event", "所更正事件"),
    "planned": ("planned", "计划投资"),
    "superseded_by": ("corrected by event", "被更正于"),
    "void": ("void", "作废"),
    "changes": ("changes", "更正内容"),
    "field": ("field", "字段"),
    "value": ("value", "值"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "rules": ("rules", "规则版本"),
    # -- confirmations and results of commands ------------------------------------
    "recorded": ("recorded {what}: {projects}{detail}", "已记录{what}：{projects}{detail}"),
    "list_separator": (", ", "，"),
    "wrote": ("wrote {path}", "已写入 {path}"),
    "ready": ("{store}: ready, {events} events", "{store}：已就绪，共 {events} 个事件"),
    "rebuilt": ("rebuilt the read models from {events} events", "已根据 {events} 个事件重建读模型"),
    "imported_rows": ("imported {rows} rows of {file} as {events} events",
                      "已导入 {file} 的 {rows} 行，共 {events} 个事件"),
    "imported_rows_unchanged": ("; {unchanged} rows were already in the log",
                                "；{unchanged} 行已在日志中"),
    "nothing_to_import": ("nothing to import: all {unchanged} rows of {file} are already in the log",
                          "无需导入：{file} 的 {unchanged} 行均已在日志中"),
    "imported_events": ("imported {events} events from {file}; the log verifies, head {head}",
                        "已从 {file} 导入 {events} 个事件；日志校验通过，日志头 {head}"),
    "skipped": ("skipped: {line}", "已跳过：{line}"),
    "import_problems": ("{count} problem(s) in {file}: nothing was imported",
                        "{file} 中有 {count} 处问题：未导入任何内容"),
    "import_conflicts": ("{count} row(s) of {file} differ from the log: nothing was imported "
                         "(--skip-conflicts imports the rest)",
                         "{file} 中有 {count} 行与日志不一致：未导入任何内容（--skip-conflicts 可导入其余各行）"),
    "copied": ("copied {events} events from {source} to {target}; the copy verifies, head {head}",
               "已将 {events} 个事件从 {source} 复制到 {target}；副本校验通过，日志头 {head}"),
    "copied_same_head": (" (the same as the original's)", "（与原日志相同）"),
    "copied_other_head": (" (the original's is {head})", "（原日志为 {head}）"),
    "verified": ("log intact: {events} events, head {head}", "日志完整：{events} 个事件，日志头 {head}"),
    "verified_holds": ("; it holds {head}", "，包含 {head}"),
    "empty_head": ("(empty)", "（空）"),
    "broken": ("the log is broken at position {position}: {problem}",
               "日志在第 {position} 位不完整：{problem}"),
    "read_model_differs": ("read model {table} row {key} differs from the log: {what}",
                           "读模型 {table} 的行 {key} 与日志不符：{what}"),
    "read_models_differ": ("{count} read-model row(s) differ from the log: `crm projections "
                           "rebuild` recreates them from it",
                           "{count} 行读模型与日志不符：`crm projections rebuild` 可据日志重建"),
    "read_models_agree": ("the read models agree with the log", "读模型与日志一致"),
    "problem.id_form": ("the event's id here is written in another form than the store "
                        "writes: it was edited", "此处事件的编号写法与数据库不同：已被修改"),
    "problem.restamped": ("the record time here is not the one the chain holds: it was edited",
                          "此处记录时间与哈希链不符：已被修改"),
    "problem.inserted": ("a row that is not in the chain was inserted here (store position)",
                         "此处（数据库位置）插入了不在哈希链中的行"),
    "problem.deleted": ("the event recorded here was deleted", "此处记录的事件已被删除"),
    "problem.changed": ("the event here does not follow from the chain: it was edited or moved, "
                        "or one before it was removed",
                        "此处事件与哈希链不符：被修改、移动，或其前的事件被删除"),
    "problem.truncated": ("the log no longer reaches this published head: it was truncated",
                          "日志已不包含此已发布的日志头：日志被截断"),
    "problem.rewritten": ("the link here differs from the published head: the log was rewritten",
                          "此处链接与已发布的日志头不同：日志被改写"),
    "read_models_ahead": ("the read models were ahead of the log (position {position}, log head "
                          "{head}): they were rebuilt from the log",
                          "读模型超前于日志（位置 {position}，日志头 {head}）：已根据日志重建"),
    "status.position": ("position", "已处理位置"),
    "status.head": ("log head", "日志头"),
    "status.behind": ("behind", "待处理"),
    "status.rows": ("rows in {table}", "{table} 行数"),
    "what": ("what", "项目"),
    "interrupted": ("interrupted", "已中断"),
    "see_help": (" (see '{command} --help')", "（参见 '{command} --help'）"),
    "unexpected": ("unexpected {kind}: {detail} (run with --debug for the traceback)",
                   "意外错误 {kind}：{detail}（加 --debug 可查看详细信息）"),
    # -- the pipeline's headlines ---------------------------------------------------
    "headline.negotiating": ("在谈 (negotiating): {count} · expected investment {investment}亿元",
                             "在谈项目 {count} 个，预计总投资 {investment} 亿元"),
    "headline.signed": ("签约 (signed): {count} · contracted investment {contracted}亿元, capital "
                        "arrived {capital}亿元 ({rate})",
                        "签约项目 {count} 个，协议总投资额 {contracted} 亿元，到位资金 {capital} 亿元，"
                        "资金到位率 {rate}"),
    # -- the report ------------------------------------------------------------------
    "report.title": ("Investment-attraction report", "招商引资工作报告"),
    "report.summary": ("Summary", "主要指标"),
    "report.projects": ("Projects", "项目名单"),
    "report.by_sector": ("Signings by sector", "分产业签约"),
    "report.pipeline": ("Pipeline at the period's end", "期末项目储备"),
    "report.metric": ("metric", "指标"),
    "report.list": ("list", "名单"),
    "report.yoy": ("YoY", "同比"),
    "report.activities_total": ("activities, total", "活动合计"),
    "report.contacts": ("new contacts", "新接洽项目"),
    "report.framework_agreements": ("framework agreements", "签订框架协议"),
    "report.signed": ("signed projects", "签约项目"),
    "report.contracted": ("contracted investment (yuan)", "协议总投资额(元)"),
    "report.at_least_10yi": ("signed ≥ 10亿", "10亿元以上项目"),
    "report.at_least_1yi": ("signed ≥ 1亿", "亿元以上项目"),
    "report.relocations": ("relocations (搬迁)", "搬迁项目"),
    "report.land_mu": ("land transferred (亩)", "出让土地(亩)"),
    "report.parcels": ("land parcels", "出让地块"),
    "report.capital": ("capital arrived (yuan)", "到位资金(元)"),
    "report.signed_count": ("signed", "签约数"),
    "report.investment": ("investment (yuan)", "投资额(元)"),
    "report.cutoff": ("Cut-off", "数据截止"),
    "report.ytd": ("year to date", "年初至今"),
    "report.business_date": ("business date", "业务日期截至"),
    "report.recorded_by": ("recorded by", "记录截至"),
    "report.all_records": ("all records", "全部记录"),
    "report.log_head": ("log head", "日志头"),
    "report.months": ("Jan-{month_name} {year}", "{year}年1-{month}月"),
    "report.sheet_summary": ("Summary", "主要指标"),
    "report.sheet_projects": ("Projects", "项目名单"),
    "report.sheet_by_sector": ("By sector", "分产业签约"),
    "report.sheet_pipeline": ("Pipeline", "项目储备"),
    "report.sheet_about": ("About", "说明"),
    "report.chart_pipeline": ("Pipeline by stage (亿元)", "项目储备（按阶段，亿元）"),
    "report.chart_signed": ("Contracted investment by quarter (亿元)", "各季度协议投资额（亿元）"),
    "export.projects": ("Projects", "项目台账"),
    "export.visits": ("Visits", "走访记录"),
}

#: What a correction, a pipeline or a ledger calls each field on the command line.
OPTION_NAMES = {"occurred_on": "--date", "participants": "--with", "names": "NAME",
                "name": "NAME"}

ERRORS: dict[str, tuple[str, str]] = {
    "InvalidValue": (
        "{option} {value!r} is not valid: expected {expected}",
        "{option} 的值 {value!r} 无效：应为{expected_zh}",
    ),
    "NonPositiveAmount": (
        "{field} {value} yuan is not positive: give an amount above zero",
        "{field} 金额 {value} 元不是正数：请填写大于零的金额",
    ),
    "NonPositiveArea": (
        "area {value} 亩 is not positive: give an area above zero",
        "面积 {value} 亩不是正数：请填写大于零的面积",
    ),
    "FutureDate": (
        "date {value} is in the future (today is {today}): record what has happened",
        "日期 {value} 在未来（今天是 {today}）：只能记录已发生的事",
    ),
    "DateBeforeContact": (
        "date {value} is before {name}'s first contact on {contact_date}: check the date",
        "日期 {value} 早于项目「{name}」的首次接洽日期 {contact_date}：请核对日期",
    ),
    "DuplicateName": (
        "a project named {existing!r} already exists (names ignore case and width): "
        "choose another name for {name!r}",
        "已有名为「{existing}」的项目（名称不区分大小写和全半角）：请为「{name}」另取名称",
    ),
    "ProjectNotFound": (
        "no project named {name!r}: `crm list` shows the names, `crm contact` records a new one",
        "没有名为「{name}」的项目：`crm list` 可查看项目名称，`crm contact` 可登记新项目",
    ),
    "NotSigned": (
        "{name!r} is not signed yet: record its signing (`crm sign`) before {action_en}",
        "项目「{name}」尚未签约：请先用 `crm sign` 登记签约，再登记{action_zh}",
    ),
    "BeforeSigning": (
        "date {value} is before {name!r} was signed on {signed_on}: check the date",
        "日期 {value} 早于项目「{name}」的签约日期 {signed_on}：请核对日期",
    ),
    "ProjectIsDropped": (
        "{name!r} was dropped on {dropped_on}: `crm reopen` it first",
        "项目「{name}」已于 {dropped_on} 终止：请先用 `crm reopen` 重新启动",
    ),
    "NotDropped": (
        "{name!r} is not dropped, so it cannot be reopened",
        "项目「{name}」未终止，无需重新启动",
    ),
    "ReopenBeforeDrop": (
        "date {value} is before {name!r} was dropped on {dropped_on}: check the date",
        "日期 {value} 早于项目「{name}」的终止日期 {dropped_on}：请核对日期",
    ),
    "AlreadySigned": (
        "{name!r} was already signed on {signed_on}: use `crm correct` to change that signing",
        "项目「{name}」已于 {signed_on} 签约：如需修改请用 `crm correct`",
    ),
    "AlreadyAgreed": (
        "{name!r} already has a framework agreement of {agreed_on}: "
        "use `crm correct` to change it",
        "项目「{name}」已于 {agreed_on} 签订框架协议：如需修改请用 `crm correct`",
    ),
    "AgreementAfterSigning": (
        "{name!r} was signed on {signed_on}: a framework agreement of {value} comes after the "
        "contract; record it with a date no later than the signing, or leave it out",
        "项目「{name}」已于 {signed_on} 签约：{value} 的框架协议晚于签约，"
        "请填写不晚于签约日期的日期，或不再登记",
    ),
    "DuplicateInVisit": (
        "project {name!r} is named twice in one visit: name each project once",
        "同一次活动中项目「{name}」出现了两次：每个项目只需列一次",
    ),
    "NoSuchEvent": (
        "{name!r} has no event {position}: its history holds events 1 to {count} "
        "(`crm history {name}`)",
        "项目「{name}」没有第 {position} 个事件：其记录为第 1 至 {count} 个（`crm history {name}`）",
    ),
    "NotCorrectable": (
        "{option} does not apply to a {event_en} ({event}): it takes {options}",
        "{event_zh}（{event}）不能更正 {option}：可更正 {options}",
    ),
    "CorrectionOfCorrection": (
        "event {position} of {name!r} is itself a correction: correct event {target} instead",
        "项目「{name}」的第 {position} 个事件本身是更正：请直接更正第 {target} 个事件",
    ),
    "NothingToCorrect": (
        "nothing to correct on event {position} of {name!r}: give new values "
        "(e.g. --amount, --date) or --void",
        "项目「{name}」第 {position} 个事件没有要更正的内容：请给出新值（如 --amount、--date）或 --void",
    ),
    "ContactCannotBeVoided": (
        "the first contact of {name!r} cannot be voided: it is the project itself; "
        "`crm drop` it instead",
        "项目「{name}」的首次接洽不能作废（它就是项目本身）：请用 `crm drop` 终止项目",
    ),
    "ConcurrentChange": (
        "{name!r} kept changing under other writers ({attempts} attempts): try again",
        "项目「{name}」正被他人频繁修改（已尝试 {attempts} 次）：请稍后重试",
    ),
    "StoreNotEmpty": (
        "{store} already holds {events} events; the demo fills only an empty store: "
        "try `crm --store demo.sqlite demo`",
        "{store} 已有 {events} 个事件；演示只写入空数据库：请用 `crm --store demo.sqlite demo`",
    ),
    "TargetNotEmpty": (
        "{store} already holds {events} events: copy into an empty store",
        "{store} 已有 {events} 个事件：请复制到空数据库",
    ),
    "CopyMismatch": (
        "the copy differs from the original at its event {position}: do not use it",
        "副本在第 {position} 个事件处与原日志不一致：请勿使用该副本",
    ),
    "SourceBroken": (
        "{store} does not verify (at position {position}): run `crm verify` and settle that "
        "before copying it",
        "{store} 校验未通过（第 {position} 位）：请先运行 `crm verify` 并处理，再复制",
    ),
    "MissingValue": ("no {what}: every row needs one", "缺少{what}：每一行都需要填写"),
    "UnpairedValue": (
        "{given} {value!r} is given without its {missing}: give both, or neither",
        "填写了 {given}（{value}）却没有 {missing}：请同时填写，或都不填",
    ),
    "StoreUnavailable": (
        "cannot open the store {store}: {reason}",
        "无法打开数据库 {store}：{reason}",
    ),
    "UsageProblem": ("{message}", "{message}"),
    "StoreFailed": ("the store could not do it, and nothing was written: {reason}",
                    "数据库未能完成操作，未写入任何内容：{reason}"),
}

_ACTIONS = {"land": ("a land transfer", "供地"), "capital": ("capital arrivals", "到位资金"),
            "aftercare": ("an aftercare visit", "走访服务")}

_EXPECTED_ZH = {
    "an amount in yuan such as 350000000, 3.5亿, 3.5亿元, 35000万 or 35000万元":
        "以元为单位的金额，如 350000000、3.5亿、3.5亿元、35000万、35000万元",
    "an area in 亩 such as 120.5": "以亩为单位的面积，如 120.5",
    "a date such as 2021-08-03, 2021/8/3 or 2021年8月3日":
        "日期，如 2021-08-03、2021/8/3 或 2021年8月3日",
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def label(key: str, lang: str = "en") -> str:
    """What a stage, kind, event, field or report line is called (the key itself when the
    catalogue has no name for it, e.g. a sector)."""
    pair = CATALOGUE.get(key)
    return key if pair is None else _pick(pair, lang)


def say(message: str, lang: str = "en", /, **params: Any) -> str:
    """A sentence of the catalogue with its values filled in."""
    return _pick(CATALOGUE[message], lang).format(**params)


def option_of(field: str | None) -> str:
    field = field or ""
    return OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def error_message(error: Any, lang: str = "en") -> str:
    """Any error of the tool as one line in a person's language."""
    name = type(error).__name__
    params: dict[str, Any] = dict(getattr(error, "params", {}))
    templates = ERRORS.get(name)
    if templates is None:
        return f"{name}: {params}"
    values = {k: ("" if v is None else v) for k, v in params.items()}
    action = _ACTIONS.get(str(params.get("action")), ("", ""))
    values.setdefault("action_en", action[0])
    values.setdefault("action_zh", action[1])
    if name == "NotCorrectable":
        values["option"] = option_of(params["field"])
        values["options"] = ", ".join(option_of(f) for f in str(params["allowed"]).split(", "))
        values["event_en"] = label(params["event"], "en")
        values["event_zh"] = label(params["event"], "zh")
    expected = str(params.get("expected", ""))
    values.setdefault("expected_zh", _EXPECTED_ZH.get(expected, expected))
    return _pick(templates, lang).format(**values)
