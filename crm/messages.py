"""Everything the tool says to a person, in English and Chinese."""
from __future__ import annotations

from typing import Any

LANGS = ("en", "zh")

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
    "SheetError": ("{lines}", "{lines}"),
    "MissingValue": ("no {what}: every row needs one", "缺少{what}：每一行都需要填写"),
    "UnpairedValue": (
        "{given} {value!r} is given without its {missing}: give both, or neither",
        "填写了 {given}（{value}）却没有 {missing}：请同时填写，或都不填",
    ),
    "StoreUnavailable": (
        "cannot open the store {store}: {reason}",
        "无法打开数据库 {store}：{reason}",
    ),
}

_ACTIONS_ZH = {"land": "供地", "capital": "到位资金"}
_ACTIONS_EN = {"land": "a land transfer", "capital": "capital arrivals"}

_EXPECTED_ZH = {
    "an amount in yuan such as 350000000, 3.5亿, 3.5亿元, 35000万 or 35000万元":
        "以元为单位的金额，如 350000000、3.5亿、3.5亿元、35000万、35000万元",
    "an area in 亩 such as 120.5": "以亩为单位的面积，如 120.5",
    "a date such as 2021-08-03, 2021/8/3 or 2021年8月3日":
        "日期，如 2021-08-03、2021/8/3 或 2021年8月3日",
}


#: Fields whose command-line option is not simply --field-name.
OPTION_NAMES = {"occurred_on": "--date", "participants": "--with", "names": "NAME",
                "name": "NAME"}


def option_of(field: str | None) -> str:
    field = field or ""
    return OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def render_error(name: str, params: dict[str, Any], lang: str = "en") -> str:
    templates = ERRORS.get(name)
    if templates is None:
        return f"{name}: {params}"
    values = {k: ("" if v is None else v) for k, v in params.items()}
    values.setdefault("action_zh", _ACTIONS_ZH.get(str(params.get("action")), ""))
    values.setdefault("action_en", _ACTIONS_EN.get(str(params.get("action")), ""))
    if name == "NotCorrectable":
        values["option"] = option_of(params["field"])
        values["options"] = ", ".join(option_of(f) for f in str(params["allowed"]).split(", "))
        values["event_en"] = label(params["event"], "en")
        values["event_zh"] = label(params["event"], "zh")
    expected = str(params.get("expected", ""))
    values.setdefault("expected_zh", _EXPECTED_ZH.get(expected, expected))
    template = templates[1] if lang == "zh" else templates[0]
    return template.format(**values)


LABELS: dict[str, tuple[str, str]] = {
    # stages
    "lead": ("lead", "线索"),
    "negotiating": ("negotiating", "在谈"),
    "framework": ("framework", "框架协议"),
    "signed": ("signed", "签约"),
    "land": ("land", "供地"),
    "capital": ("capital", "资金到位"),
    "dropped": ("dropped", "终止"),
    # visit kinds
    "outbound": ("outbound trip", "外出招商"),
    "reception": ("investor reception", "接待客商"),
    "pairing": ("pairing activity", "山海协作结对活动"),
    "aftercare": ("aftercare", "签约后服务"),
    "online": ("online meeting", "线上洽谈"),
    # events
    "ContactMade": ("contact", "接洽"),
    "VisitLogged": ("visit", "走访考察"),
    "FrameworkAgreementSigned": ("framework agreement", "签订框架协议"),
    "ContractSigned": ("signing", "签约"),
    "LandTransferred": ("land transfer", "土地出让"),
    "CapitalArrived": ("capital arrival", "资金到位"),
    "ProjectDropped": ("drop", "终止"),
    "ProjectReopened": ("reopen", "重新启动"),
    "EventCorrected": ("correction", "更正"),
    # fields and columns
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
    "recorded": ("recorded", "已记录"),
}


def label(key: str, lang: str = "en") -> str:
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]
