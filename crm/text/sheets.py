"""Reading the spreadsheets a zone already keeps: project ledgers (招商项目台账) and visit logs,
as CSV or Excel, with Chinese or English headers.

A sheet becomes rows of typed values, or a list of `FILE:ROW: message` errors — every bad
row, not just the first. Headers are recognised by what they say (计划投资(万元), 签约日期,
Contracted investment …), their unit scales numbers (a 万元 column's 35000 is 3.5亿), merged
group headers above them are read into them, blank and total rows are passed over, and
`--map HEADER=FIELD` names any column the rules do not know."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from crm.domain.errors import CrmError
from crm.domain.values import WAN, YI
from crm.text.errors import InvalidValue
from crm.text.messages import error_message
from crm.text.parsing import (
    parse_amount,
    parse_area,
    parse_date,
    parse_name,
    parse_sector,
    parse_text,
    parse_visit_kind,
)

LEDGER, VISITS = "ledger", "visits"

#: Every field a sheet may hold, and what kind of value it is.
FIELDS = {
    # a project ledger
    "name": "name", "investor": "text", "sector": "sector", "planned": "amount",
    "framework_amount": "amount", "contracted": "amount", "contact_date": "date",
    "framework_date": "date", "signed_date": "date", "land_mu": "area", "land_date": "date",
    "capital": "amount", "capital_date": "date", "relocation": "flag", "owner": "text",
    "channel": "text", "region": "text", "note": "text", "dropped_on": "date",
    "drop_reason": "text",
    # a visit log
    "date": "date", "kind": "kind", "projects": "names", "participants": "text",
}

#: Exact headers (compared without spaces, case or units), Chinese and English.
EXACT = {
    "name": ["项目名称", "项目", "name", "project", "projectname"],
    "investor": ["投资方", "客商", "投资主体", "投资企业", "企业名称", "investor"],
    "sector": ["产业", "产业类别", "产业类型", "行业", "所属产业", "sector", "industry"],
    "planned": ["计划投资", "计划总投资", "预计投资", "预计总投资", "计划投资额", "planned",
                "plannedinvestment"],
    "framework_amount": ["框架协议投资", "框架协议金额", "框架投资", "framework",
                         "frameworkinvestment"],
    "contracted": ["协议投资", "协议总投资", "协议投资额", "协议总投资额", "签约金额", "合同投资",
                   "合同金额", "contracted", "contractedinvestment"],
    "contact_date": ["接洽日期", "首次接洽", "首次接洽日期", "对接日期", "contactdate",
                     "contactedon"],
    "framework_date": ["框架协议日期", "框架日期", "框架协议签订日期", "frameworkdate",
                       "frameworkagreedon"],
    "signed_date": ["签约日期", "签约时间", "合同签订日期", "signeddate", "signingdate",
                    "signedon"],
    "land_mu": ["供地面积", "用地面积", "出让土地", "出让面积", "供地", "landmu", "land",
                "landarea"],
    "land_date": ["供地日期", "土地出让日期", "出让日期", "摘牌日期", "landdate"],
    "capital": ["到位资金", "资金到位", "实际到位资金", "capital", "capitalarrived"],
    "capital_date": ["到位日期", "资金到位日期", "capitaldate", "capitalarrivedon"],
    "relocation": ["搬迁", "是否搬迁", "搬迁项目", "relocation"],
    "owner": ["负责人", "责任人", "招商人员", "项目负责人", "owner"],
    "channel": ["渠道", "来源渠道", "招商渠道", "channel"],
    "region": ["来源地", "地区", "投资方所在地", "region"],
    "note": ["备注", "说明", "note", "notes"],
    "dropped_on": ["终止日期", "droppedon", "dropdate"],
    "drop_reason": ["终止原因", "dropreason", "reason"],
    "date": ["日期", "活动日期", "时间", "date"],
    "kind": ["类型", "活动类型", "活动", "形式", "kind", "type"],
    "projects": ["项目", "对接项目", "涉及项目", "projects"],
    "participants": ["参加人员", "人员", "参与人员", "with", "participants"],
}
_UNITS = {"亿元": YI, "亿": YI, "万元": WAN, "万": WAN, "元": Decimal(1), "亩": Decimal(1),
          "yuan": Decimal(1)}
_UNIT_IN_HEADER = re.compile(r"[（(]\s*(亿元|亿|万元|万|元|亩|yuan|mu)\s*[)）]", re.IGNORECASE)
_TOTAL_ROWS = {"合计", "总计", "小计", "total", "sum"}
_YES = {"是", "y", "yes", "true", "1", "√", "✓", "搬迁", "x"}
_NO = {"否", "n", "no", "false", "0", ""}


@dataclass
class Column:
    index: int
    header: str
    field: str
    unit: Decimal = Decimal(1)

    @property
    def convert(self) -> Any:
        """How this column's cells become domain values."""
        return _CONVERT[FIELDS[self.field]]


@dataclass
class Sheet:
    """One table read from a file: its kind, recognised columns and typed rows."""

    source: str  # FILE, or FILE[SHEET]
    kind: str
    columns: list[Column]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, values)
    errors: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = _UNIT_IN_HEADER.sub("", text)
    return re.sub(r"[\s_\-:：·/]+", "", text)


_BY_HEADER = {_key(alias): name for name, aliases in EXACT.items() for alias in aliases}
_BY_HEADER.update({_key(name): name for name in FIELDS})  # our own export's headers

#: The headers an export writes, which an import reads back.
HEADERS_ZH = {name: aliases[0] for name, aliases in EXACT.items()}


def match_header(text: str, mapping: dict[str, str]) -> tuple[str | None, Decimal]:
    """The field a header names, and the unit it states for its numbers."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    unit_match = _UNIT_IN_HEADER.search(raw)
    unit = _UNITS.get(unit_match.group(1).lower(), Decimal(1)) if unit_match else Decimal(1)
    if raw in mapping:
        return mapping[raw], unit
    key = _key(raw)
    if key in {_key(k): v for k, v in mapping.items()}:
        return {_key(k): v for k, v in mapping.items()}[key], unit
    if key in _BY_HEADER:
        return _BY_HEADER[key], unit
    return _by_keywords(key), unit


def _by_keywords(key: str) -> str | None:
    """Headers not written exactly as above, e.g. merged group headers read into the
    column's own ('投资额计划', '日期签约')."""
    has = lambda *words: any(w in key for w in words)  # noqa: E731
    money = has("投资", "金额", "资金", "investment", "amount")
    when = has("日期", "时间", "date")
    if has("框架", "framework"):
        return "framework_date" if when else "framework_amount" if money else None
    if has("签约", "协议", "合同", "contract", "sign"):
        return "signed_date" if when else "contracted" if money else None
    if has("计划", "预计", "planned"):
        return "planned" if money or not when else None
    if has("接洽", "对接", "contact"):
        return "contact_date" if when else None
    if has("供地", "土地", "用地", "出让", "land"):
        return "land_date" if when else "land_mu"
    if has("到位", "capital"):
        return "capital_date" if when else "capital"
    if has("终止", "drop"):
        return "dropped_on" if when else "drop_reason"
    return None


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, _, name = pair.rpartition("=")
        if not header or name not in FIELDS:
            raise InvalidValue(option="--map", value=pair,
                               expected="HEADER=FIELD, FIELD one of " + ", ".join(FIELDS))
        mapping[unicodedata.normalize("NFKC", header).strip()] = name
    return mapping


# -- reading files -----------------------------------------------------------------------


def read_tables(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """(name, rows of cell values) for each table in a CSV or Excel file; merged cells
    carry their value into every cell they cover."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [(path.name, [list(r) for r in csv.reader(f)])]
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        # Read-only mode streams the rows (twice as fast on a large ledger) but does not
        # give merged cells, which are read from the workbook's own XML instead.
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            merged = merged_ranges(path)
            tables = []
            for sheet in book.worksheets:
                rows = [list(r) for r in sheet.iter_rows(values_only=True)]
                for top, left, bottom, right in merged.get(sheet.title, []):
                    if top - 1 >= len(rows) or left - 1 >= len(rows[top - 1]):
                        continue
                    value = rows[top - 1][left - 1]
                    for y in range(top - 1, min(bottom, len(rows))):
                        for x in range(left - 1, min(right, len(rows[y]))):
                            rows[y][x] = value
                tables.append((f"{path.name}[{sheet.title}]", rows))
            return tables
        finally:
            book.close()
    raise InvalidValue(option="FILE", value=str(path),
                       expected="a .csv or .xlsx ledger or visit log (or events .jsonl)")


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*>')
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*>')


def merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """(top, left, bottom, right) of each merged range, by sheet title, read from the
    workbook's parts as the Office Open XML format lays them out: the sheet list in
    xl/workbook.xml, each sheet's part named by xl/_rels/workbook.xml.rels."""
    import html
    import posixpath
    import zipfile

    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as archive:
        parts = set(archive.namelist())
        targets = {}
        for tag in _RELATIONSHIP.findall(archive.read("xl/_rels/workbook.xml.rels")):
            attributes = dict(_ATTRIBUTE.findall(tag))
            target = attributes.get(b"Target", b"").decode()
            targets[attributes.get(b"Id", b"").decode()] = (
                target.lstrip("/") if target.startswith("/") else
                posixpath.normpath(posixpath.join("xl", target)))
        found: dict[str, list[tuple[int, int, int, int]]] = {}
        for tag in _SHEET.findall(archive.read("xl/workbook.xml")):
            attributes = {k.split(b":")[-1]: v for k, v in _ATTRIBUTE.findall(tag)}
            title = html.unescape(attributes.get(b"name", b"").decode())
            part = targets.get(attributes.get(b"id", b"").decode())
            if part not in parts:
                continue
            ranges = []
            for first, last in _MERGE.findall(archive.read(part)):
                left, top, right, bottom = range_boundaries(f"{first.decode()}:{last.decode()}")
                ranges.append((top, left, bottom, right))
            found[title] = ranges
        return found


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _columns(cells: Sequence[Any], mapping: dict[str, str]) -> list[Column]:
    columns, seen = [], set()
    for index, cell in enumerate(cells):
        if _blank(cell):
            continue
        name, unit = match_header(str(cell).strip(), mapping)
        if name is not None and name not in seen:
            seen.add(name)
            columns.append(Column(index, str(cell).strip(), name, unit))
    return columns


def _is_header(columns: Sequence[Column]) -> bool:
    names = {c.field for c in columns}
    return len(columns) >= 2 and bool(names & {"name", "date", "projects"})


def _headerlike(value: Any) -> bool:
    text = str(value).strip()
    return isinstance(value, str) and len(text) <= 16 and not re.search(r"\d", text)


def _continues(top: Sequence[Any], below: Sequence[Any]) -> bool:
    """Whether `below` is the second line of a two-line header: merged cells repeated from
    `top`, and short titles under group headers (投资额（万元） over 计划 and 协议)."""
    cells = [(i, v) for i, v in enumerate(below) if not _blank(v)]
    if not cells:
        return False
    differs = False
    for i, value in cells:
        above = top[i] if i < len(top) else None
        if value == above:
            continue
        if not _headerlike(value):
            return False
        differs = True
    return differs


def find_header(rows: Sequence[Sequence[Any]], mapping: dict[str, str]
                ) -> tuple[int, list[Column]] | None:
    """The header (the first of the top rows naming a project or a date column and one
    other known field), as its last row and its columns; a header on two rows, with group
    titles merged across the first, is read as one."""
    for number, row in enumerate(rows[:12]):
        columns = _columns(row, mapping)
        if not _is_header(columns):
            continue
        below = rows[number + 1] if number + 1 < len(rows) else []
        if _continues(row, below):
            joined = []
            for i in range(max(len(row), len(below))):
                top = row[i] if i < len(row) else None
                sub = below[i] if i < len(below) else None
                if _blank(sub) or sub == top:
                    joined.append(top)
                elif _blank(top):
                    joined.append(sub)
                else:
                    joined.append(f"{str(top).strip()}{str(sub).strip()}")
            two_line = _columns(joined, mapping)
            if _is_header(two_line) and len(two_line) >= len(columns):
                return number + 1, two_line
        return number, columns
    return None


def sheet_kind(columns: Sequence[Column]) -> str | None:
    names = {c.field for c in columns}
    if "name" in names and names & {"investor", "planned", "sector", "contracted"}:
        return LEDGER
    if names & {"date"} and names & {"projects", "name"} and "kind" in names:
        return VISITS
    return None


def read(path: Path, mapping: dict[str, str] | None = None,
         kind: str | None = None) -> list[Sheet]:
    """Every ledger or visit log in a file, each row typed, each bad row reported."""
    sheets = []
    for source, rows in read_tables(path):
        found = find_header(rows, mapping or {})
        if found is None:
            continue
        number, columns = found
        this_kind = kind or sheet_kind(columns)
        if this_kind is None:
            continue
        if this_kind == VISITS:
            for c in columns:
                if c.field == "name":
                    c.field = "projects"
        sheet = Sheet(source, this_kind, columns)
        for offset, row in enumerate(rows[number + 1:], start=number + 2):
            if all(_blank(v) for v in row):
                continue
            if any(isinstance(v, str) and v.strip().lower() in _TOTAL_ROWS for v in row[:4]):
                continue  # a total (合计) row
            values, problems = _typed(row, columns)
            if problems:
                sheet.errors += [f"{source}:{offset}: {p}" for p in problems]
            else:
                sheet.rows.append((offset, values))
        sheets.append(sheet)
    return sheets


def _typed(row: Sequence[Any], columns: Sequence[Column]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems = []
    width = len(row)
    for c in columns:
        raw = row[c.index] if c.index < width else None
        if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[c.field] = c.convert(raw, c)
        except CrmError as e:
            problems.append(error_message(e, "en"))
    return values, problems


def _number(raw: Any, column: Column) -> Any:
    """A numeric cell (or a bare number in a column with a unit) as text in yuan or 亩."""
    if isinstance(raw, bool):
        raise InvalidValue(option=column.header, value=str(raw), expected="a number")
    if isinstance(raw, (int, float, Decimal)):
        try:
            return format(Decimal(str(raw)) * column.unit, "f")
        except InvalidOperation:
            raise InvalidValue(option=column.header, value=str(raw), expected="a number") from None
    if column.unit != 1 and re.fullmatch(r"\s*[+-]?[\d,]+(\.\d+)?\s*", str(raw)):
        return format(Decimal(str(raw).replace(",", "").strip()) * column.unit, "f")
    return raw


def _date(raw: Any, column: Column) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    return parse_date(str(raw).strip(), column.header)


def _names(raw: Any, column: Column) -> list[str]:
    names = [n for n in re.split(r"[、,，;；/\n]+", str(raw)) if n.strip()]
    if not names:
        raise InvalidValue(option=column.header, value=str(raw), expected="project names")
    return [parse_name(n, column.header) for n in names]


def _flag(raw: Any, column: Column) -> bool:
    text = _key(str(raw))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InvalidValue(option=column.header, value=str(raw), expected="是 or 否 (yes or no)")


_CONVERT = {
    "amount": lambda raw, c: parse_amount(_number(raw, c), c.header),
    "area": lambda raw, c: parse_area(_number(raw, c), c.header),
    "date": _date,
    "sector": lambda raw, c: parse_sector(raw, c.header),
    "kind": lambda raw, c: parse_visit_kind(raw, c.header),
    "name": lambda raw, c: parse_name(raw, c.header),
    "names": _names,
    "flag": _flag,
    "text": lambda raw, c: parse_text(raw, c.header),
}


def convert(raw: Any, kind: str, column: Column) -> Any:
    """A cell's value as the domain takes it."""
    return _CONVERT[kind](raw, column)


# -- writing ----------------------------------------------------------------------------

#: A ledger's columns and a visit log's, in the order an export writes them.
LEDGER_FIELDS = ("name", "investor", "sector", "relocation", "owner", "channel", "region",
                 "planned", "contact_date", "framework_amount", "framework_date", "contracted",
                 "signed_date", "land_mu", "land_date", "capital", "capital_date", "dropped_on",
                 "drop_reason")
VISIT_FIELDS = ("date", "kind", "projects")


def ledger_file(projects: Sequence[dict[str, Any]], visits: Sequence[dict[str, Any]],
                fmt: str, lang: str) -> str | bytes:
    """The projects as a ledger (and, in Excel, the visits as a visit log), in the layout
    `crm import` reads back; Chinese headers with `lang` zh."""
    from crm.text.messages import label
    from crm.text.tables import to_csv

    def header(name: str) -> str:
        return HEADERS_ZH[name] if lang == "zh" else name

    if fmt == "csv":
        return to_csv([{header(k): v for k, v in r.items()} for r in projects],
                      [header(f) for f in LEDGER_FIELDS])
    from crm.text.report_files import workbook

    return workbook([
        (label("export.projects", lang), [header(f) for f in LEDGER_FIELDS],
         [[r[f] for f in LEDGER_FIELDS] for r in projects]),
        (label("export.visits", lang), [header(f) for f in VISIT_FIELDS],
         [[r[f] for f in VISIT_FIELDS] for r in visits]),
    ])
