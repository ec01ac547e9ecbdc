"""The projects as a ledger (and the visits as a visit log) for Excel users: headers with
their units, amounts in 万元, 是/否, kind labels and notes in the person's language — the
layout `crm import` reads back without options, so export → import → export is identical.

No cell is a formula: text that begins like one (=, +, -, @, a tab or a carriage return) is
written behind a single quote in CSV and as a text cell in a workbook, and `crm import`
reads either back as the text it was."""
from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crm.domain.values import WAN
from crm.text.messages import label
from crm.text.tables import escaped, inert

#: (field, English header, Chinese header); amounts in 万元, land in 亩.
LEDGER_COLUMNS = (
    ("name", "name", "项目名称"), ("investor", "investor", "投资方"), ("sector", "sector", "产业"),
    ("planned", "planned investment (10k yuan)", "计划投资（万元）"),
    ("contact_date", "contacted on", "接洽日期"),
    ("framework_amount", "framework investment (10k yuan)", "框架协议投资（万元）"),
    ("framework_date", "framework agreed on", "框架协议日期"),
    ("contracted", "contracted investment (10k yuan)", "协议投资（万元）"),
    ("signed_date", "signed on", "签约日期"),
    ("land_mu", "land transferred (亩)", "供地面积（亩）"),
    ("land_date", "land transferred on", "供地日期"),
    ("capital", "capital arrived (10k yuan)", "到位资金（万元）"),
    ("capital_date", "capital arrived on", "到位日期"),
    ("started_date", "construction started on", "开工日期"),
    ("produced_date", "production started on", "投产日期"),
    ("relocation", "relocation", "是否搬迁"), ("owner", "owner", "负责人"),
    ("channel", "channel", "渠道"), ("region", "region", "来源地"),
    ("dropped_on", "dropped on", "终止日期"), ("drop_reason", "drop reason", "终止原因"),
    ("note", "note", "备注"),
)
VISIT_COLUMNS = (
    ("date", "date", "日期"), ("kind", "kind", "类型"), ("projects", "projects", "项目"),
    ("participants", "participants", "参加人员"), ("note", "note", "备注"),
)
_IN_WAN = {"planned", "framework_amount", "contracted", "capital"}
#: Control characters but the line break and the tab, and lone surrogates: never in a file.
_UNWRITTEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def wan(amount: Decimal) -> Decimal:
    """Yuan as 万元, exactly (35000000 → 3500)."""
    value = amount / WAN
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _cell(field: str, value: Any, lang: str, fmt: str) -> Any:
    if value is None:
        return None
    if field in _IN_WAN:
        value = wan(Decimal(value))
    elif field == "land_mu":
        value = Decimal(value).normalize() if value != int(value) else Decimal(int(value))
    elif field == "relocation":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    elif field == "kind":
        return label(value, lang)
    if fmt == "csv":
        if isinstance(value, str):
            if _UNWRITTEN.search(value):  # an older log's ESC, BEL …: shown, never raw
                value = _UNWRITTEN.sub(lambda m: escaped(m.group()), value)
            return inert(value)  # text a spreadsheet would run ('=… is shown, not run)
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    return value  # a workbook writes a text cell as text (`crm.text.report_files.append`)


def _rows(records: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, str]], lang: str,
          fmt: str) -> list[list[Any]]:
    return [[_cell(f, r.get(f), lang, fmt) for f, _, _ in columns] for r in records]


def _headers(columns: Sequence[tuple[str, str, str]], lang: str) -> list[str]:
    return [zh if lang == "zh" else en for _, en, zh in columns]


def ledger_file(projects: Sequence[dict[str, Any]], visits: Sequence[dict[str, Any]],
                fmt: str, lang: str) -> str | bytes:
    """CSV (the projects) or a workbook (the projects and the visits)."""
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_headers(LEDGER_COLUMNS, lang))
        writer.writerows([["" if v is None else v for v in row]
                          for row in _rows(projects, LEDGER_COLUMNS, lang, fmt)])
        return out.getvalue()
    from crm.text.report_files import workbook

    return workbook([
        (label("export.projects", lang), _headers(LEDGER_COLUMNS, lang),
         _rows(projects, LEDGER_COLUMNS, lang, fmt)),
        (label("export.visits", lang), _headers(VISIT_COLUMNS, lang),
         _rows(visits, VISIT_COLUMNS, lang, fmt)),
    ])
