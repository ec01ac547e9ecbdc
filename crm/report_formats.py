"""The quarterly report in every format a zone needs: a table for the terminal, JSON, CSV,
Markdown, an Excel workbook for the county office, a self-contained HTML page with charts,
and the narrative paragraph of the zone's own work report, in Chinese or English.

All formats are drawn from one list of sections, so they can never disagree."""
from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crm.domain.values import STAGES, YI, canonical
from crm.render import grid, money_yi, to_csv, to_json

MONEY, COUNT, AREA, GROWTH, TEXT, NAMES = "money", "count", "area", "growth", "text", "names"


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    kinds: list[str]  # how each column's values are shown; "cell": see row_kinds
    rows: list[list[Any]]
    row_kinds: list[str] | None = None  # for "cell" columns: the kind of each row

    def sheet(self, lang: str) -> str:
        """A workbook sheet's name: short, and free of the characters Excel refuses."""
        return t(f"sheet_{self.key}", lang)


T = {  # labels: (English, Chinese)
    "report": ("Investment-attraction report", "招商引资工作报告"),
    "summary": ("Summary", "主要指标"),
    "projects": ("Projects", "项目名单"),
    "by_sector": ("Signings by sector", "分产业签约"),
    "pipeline": ("Pipeline at the period's end", "期末项目储备"),
    "metric": ("metric", "指标"),
    "list": ("list", "名单"),
    "sector": ("sector", "产业"),
    "stage": ("stage", "阶段"),
    "yoy": ("YoY", "同比"),
    "count": ("projects", "项目数"),
    "investment_yi": ("investment (亿元)", "投资额(亿元)"),
    "activities_total": ("activities, total", "活动合计"),
    "contacts": ("new contacts", "新接洽项目"),
    "framework_agreements": ("framework agreements", "签订框架协议"),
    "signed": ("signed projects", "签约项目"),
    "contracted_yi": ("contracted investment (亿元)", "协议总投资额(亿元)"),
    "contracted": ("contracted investment (yuan)", "协议总投资额(元)"),
    "at_least_10yi": ("signed ≥ 10亿", "10亿元以上项目"),
    "at_least_1yi": ("signed ≥ 1亿", "亿元以上项目"),
    "relocations": ("relocations (搬迁)", "搬迁项目"),
    "land_mu": ("land transferred (亩)", "出让土地(亩)"),
    "parcels": ("land parcels", "出让地块"),
    "capital_yi": ("capital arrived (亿元)", "到位资金(亿元)"),
    "capital": ("capital arrived (yuan)", "到位资金(元)"),
    "signed_count": ("signed", "签约数"),
    "investment": ("investment (yuan)", "投资额(元)"),
    "outbound": ("outbound trips (外出招商)", "外出招商"),
    "reception": ("investor receptions (接待客商)", "接待客商"),
    "pairing": ("pairing activities (山海协作)", "山海协作结对活动"),
    "aftercare": ("aftercare visits", "签约项目服务"),
    "online": ("online meetings", "线上洽谈"),
    "lead": ("lead", "线索"), "negotiating": ("negotiating", "在谈"),
    "framework": ("framework", "框架协议"), "land": ("land", "供地"),
    "capital_stage": ("capital", "资金到位"), "dropped": ("dropped", "终止"),
    "signed_stage": ("signed", "签约"),
    "cutoff": ("Cut-off", "数据截止"),
    "sheet_summary": ("Summary", "主要指标"),
    "sheet_projects": ("Projects", "项目名单"),
    "sheet_by_sector": ("By sector", "分产业签约"),
    "sheet_pipeline": ("Pipeline", "项目储备"),
}
_STAGE_KEYS = {"signed": "signed_stage", "capital": "capital_stage"}


def t(key: str, lang: str) -> str:
    en, zh = T.get(key, (key, key))
    return zh if lang == "zh" else en


def span_labels(data: dict[str, Any], lang: str) -> list[str]:
    """Column titles: the period, the year to date and the same span a year earlier."""
    period = data["period"]["label"]
    ytd_end = data["ytd"]["end"]
    year = ytd_end.year
    months = f"1-{ytd_end.month}月" if lang == "zh" else f"Jan-{ytd_end.strftime('%b')}"
    if lang == "zh":
        return [period, f"{year}年{months}", f"{year - 1}年{months}"]
    return [period, f"{months} {year}", f"{months} {year - 1}"]


BLOCKS = ("quarter", "year_to_date", "previous_year_to_date")


def sections(data: dict[str, Any], lang: str) -> list[Section]:
    spans = span_labels(data, lang)
    blocks = [data[b] for b in BLOCKS]
    yoy = data["yoy"]

    def row(key: str, kind: str, pick: Any, growth: Any = None) -> list[Any]:
        return [t(key, lang), *(pick(b) for b in blocks), growth], kind

    rows_kinds = [
        *(row(kind, COUNT, lambda b, k=kind: b["activities"][k]) for kind in
          ("pairing", "outbound", "reception", "aftercare", "online")),
        row("activities_total", COUNT, lambda b: b["activities"]["total"]),
        row("contacts", COUNT, lambda b: b["contacts"]),
        row("framework_agreements", COUNT, lambda b: b["framework_agreements"]["count"]),
        row("signed", COUNT, lambda b: b["signed"]["count"], yoy["signed_count"]),
        row("contracted", MONEY, lambda b: b["signed"]["contracted_investment"],
            yoy["contracted_investment"]),
        row("at_least_10yi", COUNT, lambda b: b["signed"]["at_least_10yi"]["count"]),
        row("at_least_1yi", COUNT, lambda b: b["signed"]["at_least_1yi"]["count"]),
        row("relocations", COUNT, lambda b: b["signed"]["relocations"]["count"]),
        row("land_mu", AREA, lambda b: b["land"]["mu"]),
        row("parcels", COUNT, lambda b: b["land"]["parcels"]),
        row("capital", MONEY, lambda b: b["capital_arrived"], yoy["capital_arrived"]),
    ]
    summary = Section("summary", t("summary", lang), [t("metric", lang), *spans, t("yoy", lang)],
                      [TEXT, "cell", "cell", "cell", GROWTH], [r for r, _ in rows_kinds],
                      [kind for _, kind in rows_kinds])

    listed = Section("projects", t("projects", lang), [t("list", lang), *spans],
                     [TEXT, NAMES, NAMES, NAMES], [
                         [t("signed", lang), *(b["signed"]["projects"] for b in blocks)],
                         [t("at_least_10yi", lang),
                          *(b["signed"]["at_least_10yi"]["projects"] for b in blocks)],
                         [t("at_least_1yi", lang),
                          *(b["signed"]["at_least_1yi"]["projects"] for b in blocks)],
                         [t("relocations", lang),
                          *(b["signed"]["relocations"]["projects"] for b in blocks)],
                         [t("framework_agreements", lang),
                          *(b["framework_agreements"]["projects"] for b in blocks)],
                     ])

    sector_names = sorted({s for b in blocks for s in b["by_sector"]})
    by_sector = Section(
        "by_sector", t("by_sector", lang),
        [t("sector", lang), *(f"{span} {t(h, lang)}" for span in spans
                              for h in ("signed_count", "investment"))],
        [TEXT, COUNT, MONEY, COUNT, MONEY, COUNT, MONEY], [])
    for sector in sector_names:
        cells: list[Any] = [sector]
        for b in blocks:
            figures = b["by_sector"].get(sector, {"signed_count": 0,
                                                  "contracted_investment": Decimal(0)})
            cells += [figures["signed_count"], figures["contracted_investment"]]
        by_sector.rows.append(cells)

    pipeline = Section("pipeline", f"{t('pipeline', lang)} ({data['period']['end']})",
                       [t("stage", lang), t("count", lang), t("investment", lang)],
                       [TEXT, COUNT, MONEY],
                       [[t(_STAGE_KEYS.get(s, s), lang), data["pipeline"][s]["count"],
                         data["pipeline"][s]["investment"]] for s in STAGES])
    return [summary, listed, by_sector, pipeline]


def _kind(section: Section, row_index: int, column: int) -> str:
    kind = section.kinds[column]
    if kind == "cell" and section.row_kinds:
        return section.row_kinds[row_index]
    return kind


def shown(value: Any, kind: str, lang: str) -> str:
    """A value as a person reads it: 亿元 with two decimals, growth as a percentage."""
    if value is None:
        return "-" if kind == GROWTH else ""
    if kind == MONEY:
        return money_yi(value)
    if kind == GROWTH:
        return f"{'+' if value > 0 else ''}{(value * 100).quantize(Decimal('0.1'))}%"
    if kind == AREA:
        return format(canonical(value), "f")
    if kind == NAMES:
        return "、".join(value) if value else ""
    return str(value)


def _shown_headers(section: Section, lang: str) -> list[str]:
    """Money columns are shown in 亿元 in text formats; say so in their titles."""
    headers = list(section.headers)
    for i, kind in enumerate(section.kinds):
        if kind == MONEY:
            headers[i] = headers[i].replace(t("investment", lang), t("investment_yi", lang))
    return headers


def _shown_rows(section: Section, lang: str) -> list[list[str]]:
    out = []
    for i, row in enumerate(section.rows):
        cells = []
        for j, value in enumerate(row):
            kind = _kind(section, i, j)
            label = value
            if j == 0 and section.row_kinds and section.row_kinds[i] == MONEY:
                label = str(value).replace("(yuan)", "(亿元)").replace("(元)", "(亿元)")
            cells.append(label if j == 0 else shown(value, kind, lang))
        out.append(cells)
    return out


def cutoff_parts(data: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """What the report was computed from: (label, value) for the business date, the record
    time and the log head — so a printed report can be checked against the log later."""
    zh = lang == "zh"
    business = data.get("as_of") or data["period"]["end"]
    parts = [("业务日期截至" if zh else "business date", str(business)),
             ("记录截至" if zh else "recorded by",
              str(data["known_on"]) if data.get("known_on") else ("全部记录" if zh else "all records"))]
    head = data.get("log_head")
    if head:
        recorded = head.get("recorded_at")
        when = f" ({recorded.astimezone().strftime('%Y-%m-%d %H:%M:%S %z')})" if recorded else ""
        parts.append(("日志头" if zh else "log head", f"{head['position']}:{head['hash']}{when}"))
    return parts


def cutoff_line(data: dict[str, Any], lang: str) -> str:
    period = data["period"]
    span = (f"{period['label']}: {period['start']} – {period['end']} · "
            f"{'年初至今' if lang == 'zh' else 'year to date'} {data['ytd']['start']} – "
            f"{data['ytd']['end']}")
    sep = "：" if lang == "zh" else ": "
    return " · ".join([span, *(f"{k}{sep}{v}" for k, v in cutoff_parts(data, lang))])


def to_text(data: dict[str, Any], lang: str, fmt: str) -> str:
    title = f"{t('report', lang)} {data['period']['label']}"
    out = [f"# {title}" if fmt == "markdown" else title, cutoff_line(data, lang)]
    for section in sections(data, lang):
        if not section.rows:
            continue
        widths = [36 if kind == NAMES else None for kind in section.kinds]
        out += ["", f"## {section.title}" if fmt == "markdown" else section.title,
                grid(_shown_rows(section, lang), _shown_headers(section, lang), fmt,
                     widths=widths)]
    return "\n".join(out)


def to_report_csv(data: dict[str, Any], lang: str) -> str:
    """One row a figure: section, metric, then the period, year-to-date and previous-year
    values (exact yuan and 亩), and growth as a fraction."""
    spans = ["period", "year_to_date", "previous_year_to_date"]
    rows = [{"section": "cutoff", "metric": label, "period": value}
            for label, value in cutoff_parts(data, "en")]
    for section in sections(data, "en"):
        for i, row in enumerate(section.rows):
            if section.key == "summary":
                rows.append({"section": section.key, "metric": row[0],
                             **dict(zip(spans, row[1:4])), "yoy": row[4]})
            elif section.key == "projects":
                rows.append({"section": section.key, "metric": row[0],
                             **dict(zip(spans, row[1:4]))})
            elif section.key == "by_sector":
                rows.append({"section": section.key, "metric": f"{row[0]} signed",
                             **dict(zip(spans, row[1::2]))})
                rows.append({"section": section.key, "metric": f"{row[0]} investment",
                             **dict(zip(spans, row[2::2]))})
            else:
                rows.append({"section": section.key, "metric": f"{row[0]} projects",
                             "period": row[1]})
                rows.append({"section": section.key, "metric": f"{row[0]} investment",
                             "period": row[2]})
    return to_csv(rows, ["section", "metric", *spans, "yoy"])


# -- the narrative paragraph -----------------------------------------------------------


def _names(names: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(names)


_GROWTH = {  # (no base, up, down, level)
    "zh": ("上年同期无签约", "同比增长{}%", "同比下降{}%", "与上年同期持平"),
    "en": ("with no signings in the same period last year to compare",
           "up {}% year on year", "down {}% year on year", "level with last year"),
}


def _growth(fraction: Decimal | None, lang: str) -> str:
    """Year-on-year growth in words: never "null%"."""
    none, up, down, level = _GROWTH["zh" if lang == "zh" else "en"]
    if fraction is None:
        return none
    pct = (abs(fraction) * 100).quantize(Decimal("0.1"))
    return up.format(pct) if fraction > 0 else down.format(pct) if fraction < 0 else level


def _zh_block(b: dict[str, Any], pipeline: dict[str, Any] | None) -> str:
    a = b["activities"]
    activity_parts = [f"{label}{a[k]}次" for k, label in
                      (("pairing", "开展山海协作结对活动"), ("outbound", "外出招商"),
                       ("reception", "接待客商"), ("online", "线上洽谈"),
                       ("aftercare", "走访服务签约项目")) if a[k]]
    sentences = [("，".join(activity_parts) if activity_parts else "未开展招商活动") + "。"]
    s = b["signed"]
    if s["count"]:
        signed = f"共签约项目{s['count']}个"
        top, big = s["at_least_10yi"], s["at_least_1yi"]
        if top["count"]:
            signed += f"，其中10亿元以上项目{top['count']}个（{_names(top['projects'], 'zh')}）"
        if big["count"]:
            relocated = set(s["relocations"]["projects"])
            plain = [n for n in big["projects"] if n not in relocated]
            moved = [n for n in big["projects"] if n in relocated]
            listing = _names(plain, "zh")
            if moved:
                listing += ("，" if listing else "") + "搬迁：" + _names(moved, "zh")
            signed += f"，{'其中' if not top['count'] else ''}亿元以上项目{big['count']}个（{listing}）"
        small_moves = [n for n in s["relocations"]["projects"] if n not in set(big["projects"])]
        if small_moves:
            signed += f"，另有搬迁项目{len(small_moves)}个（{_names(small_moves, 'zh')}）"
        signed += f"，协议总投资额达{money_yi(s['contracted_investment'])}亿元"
        sentences.append(signed)
    else:
        sentences.append("暂无新签约项目")
    if b["land"]["parcels"]:
        sentences[-1] += f"，已出让土地约{format(canonical(b['land']['mu']), 'f')}亩"
    sentences[-1] += "。"
    f = b["framework_agreements"]
    tail = ""
    if f["count"]:
        tail = f"签订框架协议{f['count']}个（{_names(f['projects'], 'zh')}）"
    if pipeline is not None and pipeline["count"]:
        tail += ("，" if tail else "") + (f"另有在谈重点项目{pipeline['count']}个，预计总投资额"
                                          f"{money_yi(pipeline['investment'])}亿元")
    if tail:
        sentences.append(tail + "。")
    if b["capital_arrived"]:
        sentences.append(f"项目到位资金{money_yi(b['capital_arrived'])}亿元。")
    return "".join(sentences)


def _en_count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _en_times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _en_block(b: dict[str, Any], pipeline: dict[str, Any] | None) -> str:
    a = b["activities"]
    parts = []
    if a["pairing"]:
        parts.append(f"held {_en_count(a['pairing'], 'pairing activity', 'pairing activities')}"
                     f" (山海协作)")
    if a["outbound"]:
        parts.append(f"made {_en_count(a['outbound'], 'outbound investment trip')}")
    if a["reception"]:
        parts.append(f"received investors {_en_times(a['reception'])}")
    if a["online"]:
        parts.append(f"met investors online {_en_times(a['online'])}")
    if a["aftercare"]:
        parts.append(f"paid {_en_count(a['aftercare'], 'aftercare visit')} to signed projects")
    if not parts:
        sentences = ["we held no investment-promotion activities."]
    elif len(parts) == 1:
        sentences = [f"we {parts[0]}."]
    else:
        sentences = ["we " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."]
    s = b["signed"]
    if s["count"]:
        signed = f"{_en_count(s['count'], 'project was', 'projects were')} signed"
        top, big = s["at_least_10yi"], s["at_least_1yi"]
        tiers = []
        if top["count"]:
            tiers.append(f"{top['count']} of 1 billion yuan (10亿) or more "
                         f"({_names(top['projects'], 'en')})")
        if big["count"]:
            tiers.append(f"{big['count']} of 100 million yuan (1亿) or more "
                         f"({_names(big['projects'], 'en')})")
        if tiers:
            signed += ", " + " and ".join(tiers)
        if s["relocations"]["count"]:
            signed += (f"; {_en_count(s['relocations']['count'], 'relocation')} of local "
                       f"companies ({_names(s['relocations']['projects'], 'en')})")
        signed += (f"; total contracted investment reached "
                   f"{money_yi(s['contracted_investment'])}亿 yuan")
        sentences.append(signed[0].upper() + signed[1:])
    else:
        sentences.append("No project was signed")
    if b["land"]["parcels"]:
        sentences[-1] += (f", and {format(canonical(b['land']['mu']), 'f')} mu of land "
                          f"({_en_count(b['land']['parcels'], 'parcel')}) was transferred")
    sentences[-1] += "."
    f = b["framework_agreements"]
    if f["count"]:
        sentences.append(f"{_en_count(f['count'], 'framework agreement was', 'framework agreements were')} "
                         f"signed ({_names(f['projects'], 'en')}).")
    if pipeline is not None and pipeline["count"]:
        sentences.append(f"A further {_en_count(pipeline['count'], 'key project is', 'key projects are')} "
                         f"under negotiation, with expected investment of "
                         f"{money_yi(pipeline['investment'])}亿 yuan.")
    if b["capital_arrived"]:
        sentences.append(f"Capital in place: {money_yi(b['capital_arrived'])}亿 yuan.")
    return " ".join(sentences)


def narrative(data: dict[str, Any], lang: str) -> str:
    """The work report's paragraph: year to date first (今年以来…), then the period."""
    ytd, period = data["year_to_date"], data["quarter"]
    negotiating = data["pipeline"]["negotiating"]
    growth = data["yoy"]["contracted_investment"]
    label = data["period"]["label"]
    whole_year = "Q" not in label
    if lang == "zh":
        first = _zh_block(ytd, negotiating)
        if ytd["signed"]["count"]:
            first = first.replace(f"协议总投资额达{money_yi(ytd['signed']['contracted_investment'])}亿元",
                                  f"协议总投资额达{money_yi(ytd['signed']['contracted_investment'])}"
                                  f"亿元，{_growth(growth, 'zh')}", 1)
        text = f"{data['period']['label']}年全年，{first}" if whole_year else f"今年以来，{first}"
        if not whole_year:
            quarter_name = "一二三四"[int(label[-1]) - 1]
            text += f"\n其中第{quarter_name}季度，{_zh_block(period, None)}"
        return text + "\n（" + "；".join(f"{k}{v}" for k, v in cutoff_parts(data, "zh")) + "）"
    first = _en_block(ytd, negotiating)
    if ytd["signed"]["count"]:
        marker = f"{money_yi(ytd['signed']['contracted_investment'])}亿 yuan"
        first = first.replace(marker, f"{marker}, {_growth(growth, 'en')}", 1)
    text = f"In {label}, {first}" if whole_year else f"Since the start of the year, {first}"
    if not whole_year:
        text += f"\nIn {label} alone, {_en_block(period, None)}"
    return text + "\n(" + "; ".join(f"{k} {v}" for k, v in cutoff_parts(data, "en")) + ")"


# -- entry point -------------------------------------------------------------------------


def render(data: dict[str, Any], fmt: str, lang: str, history: Any = None) -> str | bytes:
    if fmt == "json":
        return to_json(data)
    if fmt in ("table", "markdown"):
        return to_text(data, lang, fmt)
    if fmt == "csv":
        return to_report_csv(data, lang)
    if fmt == "narrative":
        return narrative(data, lang)
    if fmt == "html":
        return to_html(data, lang, history or [])
    if fmt == "xlsx":
        return to_xlsx(data, lang)
    raise ValueError(fmt)


def to_xlsx(data: dict[str, Any], lang: str) -> bytes:
    """A workbook a county office can open: a sheet per section, numbers as numbers (yuan
    and 亩 exact, growth as a percentage), a header row, columns wide enough for Chinese."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from wcwidth import wcswidth

    book = Workbook()
    book.remove(book.active)
    for section in sections(data, lang):
        sheet = book.create_sheet(title=section.sheet(lang))
        sheet.append(section.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, row in enumerate(section.rows):
            values = []
            for j, value in enumerate(row):
                kind = _kind(section, i, j)
                if kind == NAMES:
                    value = "、".join(value)
                values.append(value)
            sheet.append(values)
            for j, cell in enumerate(sheet[sheet.max_row]):
                kind = _kind(section, i, j)
                if kind == GROWTH and cell.value is not None:
                    cell.number_format = "0.0%"
                elif kind == MONEY:
                    cell.number_format = "#,##0.00"
        for column in sheet.columns:
            width = max(wcswidth(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(80, width + 3)
        sheet.freeze_panes = "A2"
    notes = book.create_sheet(title="说明" if lang == "zh" else "About")
    notes.append([t("report", lang), data["period"]["label"]])
    notes.append([t("cutoff", lang), cutoff_line(data, lang)])
    notes.append(["", narrative(data, lang)])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """A plain workbook: one sheet per (title, headers, rows); bold, frozen header row,
    columns wide enough for Chinese text, numbers and dates as themselves."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from wcwidth import wcswidth

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title)
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        for column in sheet.columns:
            width = max(wcswidth(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, width + 3)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bars_svg(items: Sequence[tuple[str, Decimal, str]], title: str, color: str) -> str:
    """A bar chart as inline SVG: (label, value, caption) per bar."""
    width, bar_h, gap, left = 640, 26, 10, 150
    height = 40 + len(items) * (bar_h + gap)
    peak = max((v for _, v, _ in items), default=Decimal(0)) or Decimal(1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="0" y="20" font-size="15" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value, caption) in enumerate(items):
        y = 34 + i * (bar_h + gap)
        w = int((width - left - 120) * (value / peak)) if value else 0
        parts += [f'<text x="{left - 8}" y="{y + 18}" font-size="13" text-anchor="end">'
                  f'{html.escape(label)}</text>',
                  f'<rect x="{left}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{color}"/>',
                  f'<text x="{left + w + 6}" y="{y + 18}" font-size="12">{html.escape(caption)}</text>']
    parts.append("</svg>")
    return "".join(parts)


def to_html(data: dict[str, Any], lang: str, history: Sequence[tuple[str, Decimal]]) -> str:
    """One self-contained page: no scripts, no fonts or styles from elsewhere."""
    title = f"{t('report', lang)} {data['period']['label']}"
    stages = [(t(_STAGE_KEYS.get(s, s), lang), data["pipeline"][s]["investment"] / YI,
               f"{data['pipeline'][s]['count']} · {money_yi(data['pipeline'][s]['investment'])}亿元")
              for s in STAGES]
    signed = [(label, value / YI, f"{money_yi(value)}亿元") for label, value in history]
    chart_titles = (("项目储备（按阶段，亿元）", "各季度协议投资额（亿元）") if lang == "zh"
                    else ("Pipeline by stage (亿元)", "Contracted investment by quarter (亿元)"))
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p class=cutoff>{html.escape(cutoff_line(data, lang))}</p>",
            "".join(f"<p>{html.escape(p)}</p>" for p in narrative(data, lang).split("\n")),
            '<div class=charts>', _bars_svg(stages, chart_titles[0], "#2f6fb0"),
            _bars_svg(signed, chart_titles[1], "#c0504d"), "</div>"]
    for section in sections(data, lang):
        if not section.rows:
            continue
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _shown_headers(section, lang))
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                       for r in _shown_rows(section, lang))
        body.append(f"<h2>{html.escape(section.title)}</h2>"
                    f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    style = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;"
             "color:#222}table{border-collapse:collapse;margin:0 0 1.5em}"
             "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}"
             "th{background:#eef3f8}.cutoff{color:#666}.charts svg{display:block;margin:1em 0}")
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
