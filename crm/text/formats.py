"""The report in the format asked for: text for most, bytes for a workbook."""
from __future__ import annotations

from typing import Any

from crm.text.report import to_report_csv, to_text
from crm.text.tables import to_json


def render(data: dict[str, Any], fmt: str, lang: str, history: Any = None) -> str | bytes:
    """The report in any format; `history` feeds the html report's chart."""
    if fmt == "json":
        return to_json(data)
    if fmt in ("table", "markdown"):
        return to_text(data, lang, fmt)
    if fmt == "csv":
        return to_report_csv(data, lang)
    if fmt == "narrative":
        from crm.text.narrative import narrative

        return narrative(data, lang)
    if fmt == "html":
        from crm.text.report_files import to_html

        return to_html(data, lang, history or [])
    if fmt == "xlsx":
        from crm.text.report_files import to_xlsx

        return to_xlsx(data, lang)
    raise ValueError(fmt)
