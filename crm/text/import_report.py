"""What `crm import` says it read and did: per sheet, every column and the field it is read
as (with its unit and where the unit came from), the columns not read and why, the rows
skipped; then what was (or, with --check, would be) imported."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from crm.domain.values import WAN, YI
from crm.text.ledgers import FIELDS, Reading, Table
from crm.text.messages import label, say

_MONEY_UNITS = {YI: "unit.yi", WAN: "unit.wan", Decimal(1): "unit.yuan",
                Decimal(10) ** 6: "unit.million", Decimal(10) ** 9: "unit.billion"}
_AREA_UNITS = {Decimal(1): "unit.mu", Decimal("0.0015"): "unit.sqm", Decimal(15): "unit.hectare"}


def unit_name(unit: Decimal, field: str, lang: str) -> str:
    table = _AREA_UNITS if FIELDS[field] == "area" else _MONEY_UNITS
    key = table.get(unit)
    return say(key, lang) if key else f"×{unit}"


def row_ranges(numbers: Iterable[int]) -> str:
    """1, 2, 3, 7, 9, 10 as 1–3, 7, 9–10."""
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(_run(run))
        run = [n]
    if run:
        parts.append(_run(run))
    return ", ".join(parts)


def _run(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}"


def _skipped(table: Table) -> list[tuple[int, str]]:
    return [(n, why) for n, why in table.skipped if why != "blank"]


def table_line(table: Table, lang: str) -> str:
    read = sum(c.field is not None for c in table.columns)
    return say("import.table", lang, where=table.where, kind=say(f"import.kind.{table.kind}", lang),
               read=read, ignored=len(table.columns) - read, rows=len(table.rows),
               skipped=len(_skipped(table)))


#: The catalogue's name of a field, where it is not the field's own.
_FIELD_LABELS = {"planned": "planned_investment", "framework_amount": "framework_investment",
                 "contracted": "contracted_investment", "capital": "capital_arrived"}


def field_shown(field: str, lang: str) -> str:
    """A field as --check names it: the name --map takes, and in Chinese what it is called
    (planned → 计划投资（planned）)."""
    if lang != "zh":
        return field
    key = _FIELD_LABELS.get(field, field)
    name = label(key, lang)
    return field if name == key else f"{name}（{field}）"


def column_lines(table: Table, lang: str) -> list[str]:
    lines = []
    for c in table.columns:
        header = c.header.replace("\n", " ")
        if c.field is None:
            why = say(f"ignored.{c.ignored}", lang) if c.ignored else "?"
            lines.append(say("import.column_ignored", lang, letter=c.letter, header=header, why=why))
        elif c.unit is not None:
            source = say(f"source.{c.unit_from or 'default'}", lang)
            lines.append(say("import.column_unit", lang, letter=c.letter, header=header,
                             field=field_shown(c.field, lang),
                             unit=unit_name(c.unit, c.field, lang), source=source))
        else:
            lines.append(say("import.column", lang, letter=c.letter, header=header,
                             field=field_shown(c.field, lang)))
    return lines


def skipped_line(table: Table, lang: str) -> str | None:
    skipped = _skipped(table)
    if not skipped:
        return None
    by_reason: dict[str, list[int]] = {}
    for n, why in skipped:
        by_reason.setdefault(why, []).append(n)
    if lang == "zh":  # 2、11（填报行）；12（注释或表尾）
        parts = [f"{row_ranges(rows).replace(', ', '、')}（{say(f'skip.{why}', lang)}）"
                 for why, rows in by_reason.items()]
        return say("import.rows_skipped", lang, rows="；".join(parts))
    parts = [f"{row_ranges(rows)} ({say(f'skip.{why}', lang)})" for why, rows in by_reason.items()]
    return say("import.rows_skipped", lang, rows="; ".join(parts))


def sheets_lines(reading: Reading, lang: str) -> list[str]:
    lines = [say("import.hidden", lang, file=reading.file, sheet=s) for s in reading.hidden]
    lines += [say("import.other", lang, file=reading.file, sheet=s) for s in reading.other_sheets
              if s != reading.file]
    return lines


def check_lines(outcome: Any, lang: str) -> list[str]:
    """The whole account, for --check."""
    lines: list[str] = []
    for table in outcome.reading.tables:
        lines.append(table_line(table, lang))
        lines += ["  " + line for line in column_lines(table, lang)]
        skipped = skipped_line(table, lang)
        if skipped:
            lines.append("  " + skipped)
        if table.report_date is not None:
            lines.append("  " + say("import.report_date", lang, date=table.report_date))
    lines += sheets_lines(outcome.reading, lang)
    lines.append(say("import.would", lang, new=outcome.new_rows, updated=outcome.updated_rows,
                     unchanged=outcome.unchanged, events=outcome.events))
    lines += _notes(outcome, lang)
    return lines


def summary_lines(outcome: Any, lang: str) -> list[str]:
    """The short form, after an import: a line a sheet, what came in, and what to know."""
    lines = [table_line(t, lang) for t in outcome.reading.tables]
    lines += sheets_lines(outcome.reading, lang)
    file = outcome.reading.file
    if outcome.events == 0:
        lines.append(say("import.nothing", lang, file=file, unchanged=outcome.unchanged))
    else:
        lines.append(say("import.did", lang, file=file, new=outcome.new_rows,
                         updated=outcome.updated_rows, unchanged=outcome.unchanged,
                         events=outcome.events))
    lines += _notes(outcome, lang)
    return lines


def _notes(outcome: Any, lang: str) -> list[str]:
    lines = list(outcome.dated_by)
    if outcome.inferred_contacts:
        lines.append(say("import.inferred", lang, count=outcome.inferred_contacts))
    if outcome.left_alone:
        lines.append(say("import.left_alone", lang, count=outcome.left_alone))
    return lines
