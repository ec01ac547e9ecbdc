"""The quarterly report drawn as sections (what every format shows), its cut-off line, and
the sections rendered as a terminal table, Markdown or CSV.

All formats are drawn from one list of sections, so they can never disagree."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crm.domain.values import STAGES, canonical
from crm.text.messages import CATALOGUE, label, say
from crm.text.tables import grid, markdown_text, money_yi, to_csv
from crm.text.tables import shown as one_line

MONEY, COUNT, AREA, GROWTH, TEXT, NAMES = "money", "count", "area", "growth", "text", "names"
RATE = "rate"  # a share of a whole: 0.5 is 50.0%


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


def t(key: str, lang: str) -> str:
    """A report line's name: its own (report.KEY) or the catalogue's for a stage or kind."""
    return label(f"report.{key}", lang) if f"report.{key}" in CATALOGUE else label(key, lang)


def span_labels(data: dict[str, Any], lang: str) -> list[str]:
    """Column titles: the period, the year to date and the same span a year earlier."""
    period = data["period"]["label"]
    ytd_end = data["ytd"]["end"]
    year = ytd_end.year
    def months(y: int) -> str:
        return say("report.months", lang, year=y, month=ytd_end.month,
                   month_name=ytd_end.strftime("%b"))

    return [period, months(year), months(year - 1)]


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
        row("started", COUNT, lambda b: b.get("started", {}).get("count", 0)),
        row("producing", COUNT, lambda b: b.get("producing", {}).get("count", 0)),
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
                       [[label(s, lang), data["pipeline"][s]["count"],
                         data["pipeline"][s]["investment"]] for s in STAGES])
    extra = []
    if "rates" in data:
        judged = [[t(f"rate_{k}", lang), data["rates"][k]] for k in ("started", "producing",
                                                                      "capital")]
        judged.append([t("alerts", lang), data["alerts"]])
        for kind, target in data.get("targets", {}).items():
            judged.append([say("report.target", lang, what=t(f"target_{kind}", lang),
                               target=shown(target["target"], MONEY if kind != "projects"
                                            else COUNT, lang),
                               actual=shown(target["actual"], MONEY if kind != "projects"
                                            else COUNT, lang)),
                           target["rate"]])
        extra.append(Section("judged", t("judged", lang), [t("metric", lang), t("value", lang)],
                             [TEXT, "cell"], judged,
                             [RATE, RATE, RATE, COUNT, *([RATE] * len(data.get("targets", {})))]))
    if data.get("by_channel"):
        extra.append(Section(
            "by_channel", t("by_channel", lang),
            [t("channel", lang), t("contacted", lang), t("signed_count", lang), t("landed", lang)],
            [TEXT, COUNT, COUNT, COUNT],
            [[channel or t("no_channel", lang), c["contacted"], c["signed"], c["landed"]]
             for channel, c in data["by_channel"].items()]))
    return [summary, listed, by_sector, pipeline, *extra]


def kind_of(section: Section, row_index: int, column: int) -> str:
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
    if kind == RATE:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"
    if kind == AREA:
        return format(canonical(value), "f")
    if kind == NAMES:
        return "、".join(value) if value else ""
    return str(value)


def shown_headers(section: Section, lang: str) -> list[str]:
    """Money columns are shown in 亿元 in text formats; say so in their titles."""
    headers = list(section.headers)
    for i, kind in enumerate(section.kinds):
        if kind == MONEY:
            headers[i] = headers[i].replace(t("investment", lang), t("investment_yi", lang))
    return headers


def shown_rows(section: Section, lang: str) -> list[list[str]]:
    out = []
    for i, row in enumerate(section.rows):
        cells = []
        for j, value in enumerate(row):
            kind = kind_of(section, i, j)
            title = value
            if j == 0 and section.row_kinds and section.row_kinds[i] == MONEY:
                title = str(value).replace("(yuan)", "(亿元)").replace("(元)", "(亿元)")
            cells.append(title if j == 0 else shown(value, kind, lang))
        out.append(cells)
    return out


def cutoff_parts(data: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """What the report was computed from: (label, value) for the business date, the record
    time and the log head — so a printed report can be checked against the log later."""
    business = data.get("as_of") or data["period"]["end"]
    parts = []
    figures_to = data.get("figures_to")
    if figures_to is not None and str(figures_to) < str(data["period"]["end"]):
        parts.append((t("figures_to", lang), str(figures_to)))  # a period not yet ended
    parts += [(t("business_date", lang), str(business)),
             (t("recorded_by", lang),
              str(data["known_on"]) if data.get("known_on") else t("all_records", lang))]
    head = data.get("log_head")
    if head:
        recorded = head.get("recorded_at")
        when = f" ({recorded.astimezone().strftime('%Y-%m-%d %H:%M:%S %z')})" if recorded else ""
        parts.append((t("log_head", lang), f"{head['position']}:{head['hash']}{when}"))
    return parts


def cutoff_line(data: dict[str, Any], lang: str) -> str:
    period = data["period"]
    span = (f"{period['label']}: {period['start']} – {period['end']} · "
            f"{t('ytd', lang)} {data['ytd']['start']} – {data['ytd']['end']}")
    sep = "：" if lang == "zh" else ": "
    return " · ".join([span, *(f"{k}{sep}{v}" for k, v in cutoff_parts(data, lang))])


def to_text(data: dict[str, Any], lang: str, fmt: str) -> str:
    title = f"{t('title', lang)} {data['period']['label']}"
    if data.get("zone"):
        title = f"{data['zone']} {title}"
    line = markdown_text if fmt == "markdown" else one_line  # a zone's name is anyone's text
    out = [f"# {line(title)}" if fmt == "markdown" else line(title),
           line(cutoff_line(data, lang))]
    for section in sections(data, lang):
        if not section.rows:
            continue
        widths = [36 if kind == NAMES else None for kind in section.kinds]
        out += ["", f"## {section.title}" if fmt == "markdown" else section.title,
                grid(shown_rows(section, lang), shown_headers(section, lang), fmt,
                     widths=widths)]
    return "\n".join(out)


def to_report_csv(data: dict[str, Any], lang: str) -> str:
    """One row a figure: section, metric, then the period, year-to-date and previous-year
    values (exact yuan and 亩), and growth as a fraction; in the person's language."""
    spans = ["period", "year_to_date", "previous_year_to_date"]
    zh = lang == "zh"
    rows = [{"section": t("cutoff", lang) if zh else "cutoff", "metric": name, "period": value}
            for name, value in cutoff_parts(data, lang)]
    for section in sections(data, lang):
        title = section.title if zh else section.key
        for row in section.rows:
            if section.key == "summary":
                rows.append({"section": title, "metric": row[0],
                             **dict(zip(spans, row[1:4])), "yoy": row[4]})
            elif section.key == "projects":
                rows.append({"section": title, "metric": row[0],
                             **dict(zip(spans, row[1:4]))})
            elif section.key == "by_sector":
                rows.append({"section": title, "metric": say("csv.signed", lang,
                                                                     name=row[0]),
                             **dict(zip(spans, row[1::2]))})
                rows.append({"section": title, "metric": say("csv.investment", lang,
                                                                     name=row[0]),
                             **dict(zip(spans, row[2::2]))})
            elif section.key == "judged":
                rows.append({"section": title, "metric": row[0], "period": row[1]})
            elif section.key == "by_channel":
                for i, what in enumerate(("contacted", "signed_count", "landed"), start=1):
                    rows.append({"section": title, "metric": f"{row[0]} {t(what, lang)}",
                                 "year_to_date": row[i]})
            else:
                rows.append({"section": title, "metric": say("csv.projects", lang,
                                                                     name=row[0]),
                             "period": row[1]})
                rows.append({"section": title, "metric": say("csv.investment", lang,
                                                                     name=row[0]),
                             "period": row[2]})
    return to_csv(rows, ["section", "metric", *spans, "yoy"], lang)


# -- entry point -------------------------------------------------------------------------
