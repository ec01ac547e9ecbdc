"""A workbook's sheets as rows of values, read straight from its Office Open XML parts with
the standard library's streaming XML parser — the values openpyxl's read-only mode gives
with `data_only=True` and `iter_rows(values_only=True)`, at about a quarter of its cost on a
large ledger (it builds an object per cell and per string; a 10,000-row ledger is 170,000
cells).

The same values, cell for cell: numbers as int or float, and as datetime, date, time or
timedelta where the cell's style has a date or duration format (openpyxl's own tests of a
format and its conversion of a serial, by the workbook's 1900 or 1904 calendar); shared and
inline strings as their plain text (rich-text runs joined, phonetic runs left out); booleans;
errors as their text (#N/A); a formula as the value last calculated (none: empty). A row is as
wide as its last cell, rows missing from the part are empty, and a row number that goes back
is skipped, as openpyxl does. What the reader does not find where the format puts it raises,
and the caller refuses the file."""
from __future__ import annotations

import io
import posixpath
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import fromstring, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _VALUE, _INLINE, _TEXT = (f"{_MAIN}{t}" for t in ("row", "v", "is", "t"))
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_WORKBOOK_TYPES = ("application/vnd.ms-excel.template.macroEnabled.main+xml",
                   _SPREADSHEET + "template.main+xml",
                   "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                   _SPREADSHEET + "sheet.main+xml")
_SHARED_STRINGS = _SPREADSHEET + "sharedStrings+xml"
_STATES = ("visible", "hidden", "veryHidden")


@dataclass
class Sheet:
    title: str
    state: str  # "visible", "hidden" or "veryHidden"
    part: str  # its part in the archive


class Workbook:
    """An open workbook: its worksheets in order (chart sheets are not), its calendar, and
    each sheet's rows on demand."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        names = set(archive.namelist())
        types = fromstring(archive.read("[Content_Types].xml"))
        overrides = [(o.get("ContentType"), o.get("PartName", "")) for o in types.iter(f"{_TYPES}Override")]
        workbook = next((name for kind in _WORKBOOK_TYPES for t, name in overrides if t == kind), None)
        if workbook is None:
            if not {d.get("ContentType") for d in types.iter(f"{_TYPES}Default")} & set(_WORKBOOK_TYPES):
                raise ValueError("no workbook part")
            workbook = "/xl/workbook.xml"
        workbook = workbook[1:]
        strings = next((name for t, name in overrides if t == _SHARED_STRINGS), None)
        self.strings = _string_table(archive.read(strings[1:])) if strings else []
        self.date_styles, self.duration_styles = _date_styles(archive, names)
        root = fromstring(archive.read(workbook))
        properties = root.find(f"{_MAIN}workbookPr")
        flag = properties.get("date1904") if properties is not None else None
        self.epoch = CALENDAR_MAC_1904 if flag and flag not in ("false", "f", "0") else WINDOWS_EPOCH
        targets = _relationships(archive, workbook)
        self.sheets: list[Sheet] = []
        for sheet in root.iter(f"{_MAIN}sheet"):
            if not sheet.get(_R_ID):
                continue  # openpyxl leaves such a sheet out too
            target, kind = targets[sheet.get(_R_ID)]
            if target not in names or "chartsheet" in kind:
                continue
            state = sheet.get("state", "visible")
            if state not in _STATES:
                raise ValueError(f"sheet state {state!r}")
            self.sheets.append(Sheet(sheet.get("name", ""), state, target))

    def rows(self, sheet: Sheet, xml: bytes | None = None) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows from row 1, as tuples of values (a row with no cells: ())."""
        if xml is None:
            xml = self.archive.read(sheet.part)
        strings, dates, durations, epoch = (self.strings, self.date_styles, self.duration_styles,
                                            self.epoch)
        columns: dict[str, int] = {}
        expected, number = 1, 0
        for _, element in iterparse(io.BytesIO(xml)):
            if element.tag != _ROW:
                continue
            given = element.get("r")
            number = _row_number(given) if given is not None else number + 1
            cells, column = [], 0
            for cell in element:  # every child a cell (a row holds only cells), as openpyxl reads it
                reference = cell.get("r")
                if reference:
                    letters = reference.rstrip("0123456789$").lstrip("$")
                    if letters not in columns:
                        columns[letters] = _column(reference)
                    column = columns[letters]
                else:
                    column += 1
                kind = cell.get("t")
                if kind == "s":  # the usual text cell of Excel and WPS, quickly
                    index = cell.findtext(_VALUE)
                    cells.append((column, strings[int(index)] if index else None))
                elif kind == "inlineStr":
                    child = cell.find(_INLINE)
                    cells.append((column, None if child is None else _plain_text(child)))
                else:
                    cells.append((column, _value(cell, kind or "n", dates, durations, epoch)))
            element.clear()
            while expected < number:  # rows the part leaves out
                expected += 1
                yield ()
            if expected == number:
                expected += 1
                yield _row(cells)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _column(reference: str) -> int:
    letters = reference.replace("$", "").rstrip("0123456789")
    digits = reference.replace("$", "")[len(letters):]
    if not (1 <= len(letters) <= 3 and letters.isalpha() and letters.isascii() and digits.isdigit()):
        raise ValueError(f"invalid cell reference {reference!r}")
    return column_index_from_string(letters.upper())


def _row(cells: list[tuple[int, Any]]) -> tuple[Any, ...]:
    """A row as wide as its last cell (cells further right but listed before it are lost,
    as openpyxl loses them)."""
    if not cells:
        return ()
    width = cells[-1][0]
    row: list[Any] = [None] * width
    for column, value in cells:
        if 1 <= column <= width:
            row[column - 1] = value
    return tuple(row)


def _value(cell: Any, kind: str, dates: set[int], durations: set[int], epoch: datetime) -> Any:
    """A cell that is not text (kind: its t attribute): a number, a date, a boolean, an
    error, a formula's text."""
    value = cell.findtext(_VALUE, None) or None
    if value is None:
        return None
    if kind == "n":
        number = float(value) if "." in value or "E" in value or "e" in value else int(value)
        style = cell.get("s", 0)
        if style and int(style) in dates:
            try:
                return from_excel(number, epoch, timedelta=int(style) in durations)
            except (OverflowError, ValueError):
                coordinate = cell.get("r")
                warnings.warn(f"Cell {coordinate} is marked as a date but the serial value {number} "
                              "is outside the limits for dates. The cell will be treated as an error.",
                              stacklevel=2)
                return "#VALUE!"
        return number
    if kind == "b":
        return bool(int(value))
    if kind == "d":
        return from_ISO8601(value)
    return value  # "str" (a formula's text), "e" (an error such as #N/A)


def _plain_text(element: Any) -> str:
    """A string item's text without its formatting: its own <t>, then its runs' (<r><t>),
    never its phonetic guide (<rPh>)."""
    if len(element) == 1 and element[0].tag == _TEXT:  # the usual string, quickly
        return element[0].text or ""
    plain, runs = None, []
    for child in element:
        name = child.tag.rpartition("}")[2]
        if name == "t":
            plain = child.text
        elif name == "r":
            text = None
            for part in child:
                if part.tag.rpartition("}")[2] == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(([plain] if plain is not None else []) + runs)


def _string_table(xml: bytes) -> list[str]:
    strings = []
    item = f"{_MAIN}si"
    for _, element in iterparse(io.BytesIO(xml)):
        if element.tag == item:
            strings.append(_plain_text(element).replace("x005F_", ""))
            element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, names: set[str]) -> tuple[set[int], set[int]]:
    """The cell styles (by index) whose number format is a date, and those that are a
    duration: the custom formats of xl/styles.xml, or Excel's built-in ones."""
    if "xl/styles.xml" not in names:
        return set(), set()
    root = fromstring(archive.read("xl/styles.xml"))
    custom = {}
    formats = root.find(f"{_MAIN}numFmts")
    for number_format in (formats if formats is not None else ()):
        if number_format.tag == f"{_MAIN}numFmt":
            custom[int(number_format.get("numFmtId"))] = number_format.get("formatCode")
    dates, durations = set(), set()
    styles = root.find(f"{_MAIN}cellXfs")
    for index, style in enumerate(x for x in (styles if styles is not None else ())
                                  if x.tag == f"{_MAIN}xf"):
        code = int(style.get("numFmtId", 0))
        found = custom[code] if code in custom else BUILTIN_FORMATS.get(code)
        if is_date_format(found):
            dates.add(index)
            if is_timedelta_format(found):
                durations.add(index)
    return dates, durations


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships by id: (target part, type), targets as paths in the archive."""
    folder, name = posixpath.split(part)
    found = {}
    for relation in fromstring(archive.read(posixpath.join(folder, "_rels", f"{name}.rels"))
                               ).iter(_RELATIONSHIPS):
        target = relation.get("Target", "")
        if relation.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
        found[relation.get("Id")] = (target, relation.get("Type", ""))
    return found
