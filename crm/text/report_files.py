"""The report as files for the county office: an Excel workbook (a sheet per section,
numbers as numbers) and a self-contained HTML page with charts; and any rows as a plain
workbook."""
from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crm.domain.values import STAGES, YI
from crm.text.messages import label
from crm.text.narrative import narrative
from crm.text.report import (
    GROWTH,
    MONEY,
    NAMES,
    cutoff_line,
    kind_of,
    sections,
    shown_headers,
    shown_rows,
    t,
)
from crm.text.tables import FORMULA_STARTS, escaped, money_yi


def to_xlsx(data: dict[str, Any], lang: str) -> bytes:
    """A workbook a county office can open: a sheet per section, numbers as numbers (yuan
    and 亩 exact, growth as a percentage), a header row, columns wide enough for Chinese."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from wcwidth import wcswidth

    book = Workbook()
    book.remove(book.active)
    for section in sections(data, lang):
        sheet = book.create_sheet(title=section.sheet(lang))
        append(sheet, section.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, row in enumerate(section.rows):
            values = []
            for j, value in enumerate(row):
                kind = kind_of(section, i, j)
                if kind == NAMES:
                    value = "、".join(value)
                values.append(value)
            append(sheet, values)
            for j, cell in enumerate(sheet[sheet.max_row]):
                kind = kind_of(section, i, j)
                if kind == GROWTH and cell.value is not None:
                    cell.number_format = "0.0%"
                elif kind == MONEY:
                    cell.number_format = "#,##0.00"
        for column in sheet.columns:
            width = max(wcswidth(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(80, width + 3)
        sheet.freeze_panes = "A2"
    notes = book.create_sheet(title=t("sheet_about", lang))
    append(notes, [t("title", lang), data["period"]["label"]])
    append(notes, [t("cutoff", lang), cutoff_line(data, lang)])
    append(notes, ["", narrative(data, lang)])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """A plain workbook: one sheet per (title, headers, rows); bold, frozen header row,
    columns wide enough for Chinese text, numbers and dates as themselves."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from wcwidth import wcswidth

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title)
        append(sheet, headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append(sheet, row)
        for column in sheet.columns:
            width = max(wcswidth(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, width + 3)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: What a workbook's XML cannot hold (openpyxl refuses it): most control characters, and
#: half a surrogate pair. An older log may hold them; the sheet shows them escaped.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def append(sheet: Any, values: Sequence[Any]) -> None:
    """A row at the end of `sheet`, every text cell written as text: one that begins like a
    formula (=, +, -, @, a tab or a carriage return) is a string cell marked as text
    (quotePrefix, as Excel marks a typed ') — never a formula, and still the same text when
    read back; numbers and dates as themselves."""
    row, starts = [], []
    for j, value in enumerate(values):
        if isinstance(value, str):
            if _UNWRITABLE.search(value):
                value = _UNWRITABLE.sub(lambda m: escaped(m.group()), value)
            if value[:1] in FORMULA_STARTS and value:
                starts.append(j)
        row.append(value)
    sheet.append(row)
    if starts:
        cells = sheet[sheet.max_row]
        for j in starts:
            cells[j].data_type = "s"
            cells[j].quotePrefix = True


def _bars_svg(items: Sequence[tuple[str, Decimal, str]], title: str, color: str) -> str:
    """A bar chart as inline SVG: (label, value, caption) per bar."""
    width, bar_h, gap, left = 640, 26, 10, 150
    height = 40 + len(items) * (bar_h + gap)
    peak = max((v for _, v, _ in items), default=Decimal(0)) or Decimal(1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="0" y="20" font-size="15" font-weight="bold">{html.escape(title)}</text>']
    for i, (name, value, caption) in enumerate(items):
        y = 34 + i * (bar_h + gap)
        w = int((width - left - 120) * (value / peak)) if value else 0
        parts += [f'<text x="{left - 8}" y="{y + 18}" font-size="13" text-anchor="end">'
                  f'{html.escape(name)}</text>',
                  f'<rect x="{left}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{color}"/>',
                  f'<text x="{left + w + 6}" y="{y + 18}" font-size="12">{html.escape(caption)}</text>']
    parts.append("</svg>")
    return "".join(parts)


def to_html(data: dict[str, Any], lang: str, history: Sequence[tuple[str, Decimal]]) -> str:
    """One self-contained page: no scripts, no fonts or styles from elsewhere."""
    title = f"{t('title', lang)} {data['period']['label']}"
    stages = [(label(s, lang), data["pipeline"][s]["investment"] / YI,
               f"{data['pipeline'][s]['count']} · {money_yi(data['pipeline'][s]['investment'])}亿元")
              for s in STAGES]
    signed = [(quarter, value / YI, f"{money_yi(value)}亿元") for quarter, value in history]
    chart_titles = (t("chart_pipeline", lang), t("chart_signed", lang))
    chain = ("signed", "land", "started", "capital", "producing")
    # the lifecycle funnel: live projects that have reached each step after the contract
    funnel = [(label(s, lang), Decimal(reached), str(reached)) for s, reached in
              ((s, sum(data["pipeline"][x]["count"] for x in chain[i:] if x in data["pipeline"]))
               for i, s in enumerate(chain))]
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p class=cutoff>{html.escape(cutoff_line(data, lang))}</p>",
            "".join(f"<p>{html.escape(p)}</p>" for p in narrative(data, lang).split("\n")),
            '<div class=charts>', _bars_svg(stages, chart_titles[0], "#2f6fb0"),
            _bars_svg(signed, chart_titles[1], "#c0504d"),
            _bars_svg(funnel, t("chart_funnel", lang), "#4f8a3c"), "</div>"]
    for section in sections(data, lang):
        if not section.rows:
            continue
        head = "".join(f"<th>{html.escape(h)}</th>" for h in shown_headers(section, lang))
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                       for r in shown_rows(section, lang))
        body.append(f"<h2>{html.escape(section.title)}</h2>"
                    f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    style = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;"
             "color:#222}table{border-collapse:collapse;margin:0 0 1.5em}"
             "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}"
             "th{background:#eef3f8}.cutoff{color:#666}.charts svg{display:block;margin:1em 0}")
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
