"""Rows as a person reads them: tables aligned by display width, JSON, CSV and Markdown,
for list, show, history and the pipeline. Money is exact everywhere; tables show it in
亿 or 万."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from crm.domain.values import WAN, YI, canonical
from crm.text.messages import label, say

FORMATS = ("table", "json", "csv", "markdown")


def yuan(amount: Decimal | None) -> str | None:
    """Exact decimal yuan, as JSON and CSV carry it."""
    if amount is None:
        return None
    return format(canonical(amount), "f")


def money(amount: Decimal | None) -> str:
    """Exact and short, for tables: 3.5亿, 9999万, 8000元. Parses back to the same amount."""
    if amount is None:
        return ""
    magnitude = abs(amount)
    if magnitude >= YI:
        return f"{format(canonical(amount / YI), 'f')}亿"
    if magnitude >= WAN:
        return f"{format(canonical(amount / WAN), 'f')}万"
    return f"{format(canonical(amount), 'f')}元"


def money_yi(amount: Decimal | None) -> str:
    """亿元 to two decimals, the way a report states investment."""
    if amount is None:
        return ""
    return f"{(amount / YI).quantize(Decimal('0.01'))}"


def area(mu: Decimal | None) -> str:
    return "" if mu is None else format(canonical(mu), "f")


def plain(value: Any) -> Any:
    """A JSON-ready value: exact decimals as strings, dates in ISO form."""
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _leaf(value: Any) -> Any:
    """`plain` of a value json cannot write itself (an amount, the most common, first)."""
    if value.__class__ is Decimal:  # `yuan`, a whole amount written as its integer
        return str(int(value)) if value == value.to_integral_value() else yuan(value)
    if isinstance(value, (Decimal, date, datetime, UUID, Mapping)):
        return plain(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(data: Any, pretty: bool | None = None) -> str:
    """Indented for a person at a terminal; one line for a program or a file, which
    json's C encoder writes several times faster (a large report is megabytes)."""
    if pretty is None:
        import sys

        pretty = sys.stdout.isatty()
    try:  # each exact decimal, date or id turned to text as json's encoder meets it
        text = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None,
                          default=_leaf)
    except TypeError:  # a key that is not text (a date, say): the whole walk first
        text = json.dumps(plain(data), ensure_ascii=False, indent=2 if pretty else None)
    # json writes \x00-\x1f as escapes but these raw: the same strings, escaped alike
    return _JSON_HIDDEN.sub(_json_escape, text) if _hides(text) else text


#: What json.dumps leaves raw that a terminal may act on or hide: DEL and the C1 controls,
#: invisible format characters (Unicode Cf: zero-width, BOM, bidi), line and paragraph
#: separators, lone surrogates. Only ever inside strings, where \uXXXX is the same text.
_JSON_HIDDEN = re.compile(
    "[\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


#: The same characters within the Basic Multilingual Plane: a search for these alone is
#: several times quicker (re tests each character against one table).
_JSON_HIDDEN_BMP = re.compile(
    "[\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]")


def _hides(text: str) -> bool:
    """Whether `text` holds any of `_JSON_HIDDEN`: the whole set is searched for only when
    there is a character past the BMP (which UTF-16 writes in four bytes, not two)."""
    if _JSON_HIDDEN_BMP.search(text):
        return True
    return len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text) \
        and _JSON_HIDDEN.search(text) is not None


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xd800 + (code >> 10):04x}\\u{0xdc00 + (code & 0x3ff):04x}"


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
           lang: str = "en") -> str:
    """Rows as CSV: values as exact as in JSON; headers the field names in English and the
    catalogue's names in Chinese."""
    columns = list(columns or (rows[0].keys() if rows else []))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label(c, lang) for c in columns] if lang == "zh" else columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _csv_cell(row.get(c)) for c in columns])
    return out.getvalue().rstrip("\n")


def _csv_cell(value: Any) -> Any:
    """A value as a CSV cell: exact as in JSON; text (and a list, joined) made inert, and
    what a terminal must not get raw (an older log's ESC, a bidi override) escaped."""
    if isinstance(value, str):
        return inert(shown(value, "\n"))
    value = plain(value)
    if isinstance(value, list):
        return inert(shown("; ".join(str(v) for v in value), "\n"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# -- what a cell may not carry raw -------------------------------------------------------

#: What makes a spreadsheet read a text cell as a formula (OWASP's CSV injection rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet will show, never run: one that begins like a formula (=, +, -, @,
    a tab or a carriage return) behind a single quote, as Excel itself marks text. Only for
    text: a number (a negative amount included) is written as the number it is."""
    return "'" + text if text[:1] in FORMULA_STARTS and text else text


def revived(text: str) -> str:
    """`inert` undone: a text cell read back from a sheet the tool wrote (`'=A1` is `=A1`)."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS and text[1:2] else text


def escaped(c: str) -> str:
    """One character as Python writes it in a string: \\t, \\x1b, \\u202e."""
    code = ord(c)
    if c in "\t\r":
        return "\\t" if c == "\t" else "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def shown(text: str, line_break: str = "↵") -> str:
    """Text as a table shows it, each row on one line: a line break as `line_break`, and
    every other control character (ESC, BEL …), invisible format character (zero-width
    space, bidi override …), separator or lone surrogate escaped as Python writes it (\\x1b,
    \\u202e) — never sent to the terminal raw, as an older log may hold them."""
    if text.isprintable():  # the common case, quickly
        return text
    import unicodedata

    return "".join(line_break if c == "\n" else escaped(c)
                   if unicodedata.category(c) in _HIDDEN else c for c in text)


_MARKDOWN = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def markdown_text(text: str) -> str:
    """Text as a Markdown table cell holds it: `|` (and the backslash) escaped, `&`, `<`
    and `>` as entities (no raw HTML gets through), a line break as <br>, and what `shown`
    escapes escaped."""
    return shown(text.translate(_MARKDOWN), "<br>")


def _safe(value: Any, fmt: str) -> Any:
    if not isinstance(value, str):
        return value
    return markdown_text(value) if fmt == "markdown" else shown(value)


def grid(rows: Sequence[Sequence[Any]], headers: Sequence[str], fmt: str = "table",
         align: Sequence[str] | None = None,
         widths: Sequence[int | None] | None = None) -> str:
    """A table whose columns line up in a terminal, Chinese included (display width).
    `widths` wraps long cells onto more lines (terminal tables only)."""
    import tabulate as tab

    tab.WIDE_CHARS_MODE = True
    tablefmt = "github" if fmt == "markdown" else "simple"
    wrap = list(widths) if widths and fmt != "markdown" else None
    body = [[_safe(v, fmt) for v in row] for row in rows]
    return tab.tabulate(body, headers=[_safe(h, fmt) for h in headers], tablefmt=tablefmt,
                        disable_numparse=True, colalign=align, maxcolwidths=wrap)


# -- the read commands' shapes ---------------------------------------------------------

#: Every field of a project row, in the order JSON and CSV give them.
PROJECT_FIELDS = ("name", "stage", "investor", "sector", "relocation", "planned_investment",
                  "framework_investment", "contracted_investment", "capital_arrived", "land_mu",
                  "land_parcels", "channel", "region", "owner", "contact_date", "framework_date",
                  "signed_date", "dropped_on", "started_on", "producing_on", "start_by",
                  "produce_by", "invest", "invest_by", "short", "key_project", "stage_since",
                  "days_in_stage", "last_activity")
PROJECT_COLUMNS = ("name", "investor", "sector", "stage", "planned_investment",
                   "contracted_investment", "capital_arrived", "land_mu", "last_activity")
MONEY_FIELDS = frozenset({"planned_investment", "framework_investment", "contracted_investment",
                          "capital_arrived", "amount", "price", "planned", "invest"})
LABELLED_VALUES = frozenset({"stage", "kind", "event"})


def cell(key: str, value: Any, lang: str) -> str:
    """One value as a table shows it."""
    if value is None:
        return ""
    if key in MONEY_FIELDS:
        return money(value)
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if key in LABELLED_VALUES:
        return label(str(value), lang)
    if isinstance(value, Decimal):
        return area(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return ", ".join(f"{label(k, lang)}→{cell(k, v, lang)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def render_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str,
                lang: str) -> str:
    if fmt == "json":
        return to_json(list(rows))
    if fmt == "csv":
        return to_csv(rows, list(rows[0].keys()) if rows else columns, lang)
    body = [[cell(c, r.get(c), lang) for c in columns] for r in rows]
    return grid(body, [label(c, lang) for c in columns], fmt)


def render_projects(rows: Sequence[Mapping[str, Any]], fmt: str, lang: str) -> str:
    if fmt == "csv":
        return to_csv(rows, PROJECT_FIELDS, lang)
    return render_rows(rows, PROJECT_COLUMNS, fmt, lang)


def render_project(row: Mapping[str, Any], fmt: str, lang: str) -> str:
    if fmt == "json":
        return to_json(row)
    if fmt == "csv":
        return to_csv([row], None, lang)
    body = [[label(k, lang), cell(k, v, lang)] for k, v in row.items() if v not in (None, "")]
    if fmt == "markdown":
        return grid(body, [label("field", lang), label("value", lang)], fmt)
    import tabulate as tab

    tab.WIDE_CHARS_MODE = True
    return tab.tabulate([[_safe(v, fmt) for v in row] for row in body], tablefmt="plain",
                        disable_numparse=True)


HISTORY_COLUMNS = ("position", "occurred_on", "event", "details", "recorded_at", "recorded_by")
_HISTORY_FIXED = frozenset({"position", "event", "occurred_on", "recorded_at", "recorded_by"})


def render_history(rows: Sequence[Mapping[str, Any]], fmt: str, lang: str) -> str:
    if fmt == "json":
        return to_json(list(rows))
    if fmt == "csv":
        columns: list[str] = []
        for r in rows:
            columns += [k for k in r if k not in columns]
        return to_csv(rows, columns, lang)
    body = []
    for r in rows:
        details = "; ".join(f"{label(k, lang)}: {cell(k, v, lang)}" for k, v in r.items()
                            if k not in _HISTORY_FIXED and v not in (None, "", False, {})
                            and k not in ("visit_id", "rules", "project_ids"))
        body.append([cell(c, r.get(c), lang) if c != "details" else details
                     for c in HISTORY_COLUMNS])
    return grid(body, [label(c, lang) for c in HISTORY_COLUMNS], fmt)


PIPELINE_COLUMNS = ("name", "investor", "sector", "stage", "days_in_stage", "planned_investment",
                    "framework_investment", "contracted_investment", "capital_arrived",
                    "land_mu", "last_activity")


def percent(fraction: Decimal | None) -> str:
    return "-" if fraction is None else f"{(fraction * 100).quantize(Decimal('0.1'))}%"


def headline_lines(head: Mapping[str, Any], lang: str) -> list[str]:
    talk, signed = head["negotiating"], head["signed"]
    return [
        say("headline.negotiating", lang, count=talk["count"],
            investment=money_yi(talk["expected_investment"])),
        say("headline.signed", lang, count=signed["count"],
            contracted=money_yi(signed["contracted_investment"]),
            capital=money_yi(signed["capital_arrived"]), rate=percent(signed["capital_rate"])),
    ]


def render_pipeline(rows: Sequence[Mapping[str, Any]], totals: Mapping[str, Any],
                    head: Mapping[str, Any], stages: Sequence[str], fmt: str, lang: str,
                    totals_only: bool = False, as_of: date | None = None) -> str:
    if fmt == "json":
        if totals_only:
            return to_json({"as_of": as_of, "stages": totals, **head})
        return to_json(list(rows))
    if fmt == "csv":
        if totals_only:
            return to_csv([{"stage": s, **totals[s]} for s in stages],
                          ["stage", "count", "investment", "capital"], lang)
        return to_csv(rows, PROJECT_FIELDS, lang)
    lines = headline_lines(head, lang)
    if totals_only:
        body = [[label(s, lang), totals[s]["count"], money_yi(totals[s]["investment"]),
                 money_yi(totals[s]["capital"])] for s in stages]
        headers = [label("stage", lang), label("count", lang), label("investment_yi", lang),
                   label("capital_yi", lang)]
        return "\n".join([*lines, "", grid(body, headers, fmt)])
    columns = [c for c in PIPELINE_COLUMNS if c != "stage"]
    out = [*lines]
    for stage in stages:
        members = [r for r in rows if r["stage"] == stage]
        if not members:
            continue
        t = totals[stage]
        title = f"{label(stage, lang)} · {t['count']} · {money_yi(t['investment'])}亿元"
        out += ["", f"## {title}" if fmt == "markdown" else title]
        out.append(grid([[cell(c, r.get(c), lang) for c in columns] for r in members],
                        [label(c, lang) for c in columns], fmt))
    return "\n".join(out)


def render_status(info: Mapping[str, Any], fmt: str, lang: str) -> str:
    """How far the read models have come, as `crm projections status` shows it."""
    if fmt == "json":
        return to_json(info)
    rows = [{"what": say("status.position", lang), "value": info["position"]},
            {"what": say("status.head", lang), "value": info["head"]},
            {"what": say("status.behind", lang), "value": info["behind"]},
            *({"what": say("status.rows", lang, table=table), "value": n}
              for table, n in info["rows"].items())]
    return render_rows(rows, ["what", "value"], fmt, lang)


def zone_json(settings: Any) -> dict[str, Any]:
    """`crm zone show --format json` (SPEC §6)."""
    high, low = settings.tiers
    return {
        "name": settings.name,
        "sectors": list(settings.sectors),
        "tiers": [plain(high), plain(low)],
        "key_projects": settings.values["key-projects"],
        "guards": {k.replace("-", "_"): plain(v) for k, v in settings.guards.items()},
        "stall_days": settings.stall_days,
        "counts": settings.values["counts"],
        "yoy_digits": settings.yoy_digits,
        "targets": {str(y): {k: plain(v) if not isinstance(v, int) else v
                             for k, v in settings.targets(y).items()}
                    for y in settings.target_years()},
        "closed_periods": [{"period": label, "reason": reason}
                           for label, _, _, reason in settings.closed_periods()],
        "recorded": sorted(settings.recorded),
    }


def render_zone(settings: Any, fmt: str, lang: str) -> str:
    """The zone's settings: each key, its value as typed back into `crm zone set`, and
    whether it was set or is the default."""
    rows = []
    for key, value in settings.values.items():
        if isinstance(value, list):
            shown = ",".join(money(Decimal(v)) if key == "tiers" else str(v) for v in value)
        elif key in ("key-projects",) and value != "flag":
            shown = "planned>=" + money(Decimal(value.split(">=")[1]))
        elif key.startswith("closed."):
            shown = ("closed: " if value.get("closed") else "open: ") + value.get("reason", "")
        elif key == "guard.min-amount" or key.endswith((".contracted", ".capital")):
            shown = money(Decimal(value))
        else:
            shown = "" if value is None else str(value)
        rows.append({"key": key, "value": shown,
                     "source": label("zone.set" if key in settings.recorded else "zone.default",
                                     lang)})
    return render_rows(rows, ["key", "value", "source"], fmt, lang)


ALERT_FIELDS = ("project", "rule", "severity", "since", "detail")


def render_alerts(rows: Sequence[Mapping[str, Any]], fmt: str, lang: str) -> str:
    """`crm alerts`: JSON as SPEC §6 ({project, rule, severity, since, detail}); a table with
    the rules and severities named in the person's language."""
    plain_rows = [{k: r[k] for k in ALERT_FIELDS} for r in rows]
    if fmt == "json":
        return to_json(plain_rows)
    if fmt == "csv":
        return to_csv(plain_rows, ALERT_FIELDS, lang)
    shown = [{**r, "rule": label(f"alert.{r['rule']}", lang),
              "severity": label(f"alert.{r['severity']}", lang)} for r in plain_rows]
    if not shown:
        return say("no_alerts", lang)
    return render_rows(shown, ALERT_FIELDS, fmt, lang)


TEAM_COLUMNS = ("member", "activities", "contacts", "projects_owned", "signed_count", "contracted",
                "alerts")


def render_team(data: Mapping[str, Any], fmt: str, lang: str) -> str:
    """`crm report team`: JSON as SPEC §6; a table a row a member."""
    if fmt == "json":
        return to_json(data)
    rows = [{"member": m["member"], "activities": m["activities"]["total"],
             "contacts": m["contacts"], "projects_owned": sum(m["projects_by_stage"].values()),
             "signed_count": m["signed"]["count"],
             "contracted": money(m["signed"]["contracted_investment"]),
             "alerts": m["alerts"]} for m in data["members"]]
    if fmt == "csv":
        return to_csv(rows, TEAM_COLUMNS, lang)
    return render_rows(rows, TEAM_COLUMNS, fmt, lang)
