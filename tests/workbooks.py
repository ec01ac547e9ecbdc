"""Building the spreadsheets a zone's office keeps, in code: workbooks with merged ranges,
hidden sheets and number formats, parts rewritten as Excel or WPS writes them, and CSVs in
the encodings and line endings Chinese Excel saves."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def xlsx(path: Path, sheets: dict[str, list[list[Any]]], *,
         merges: dict[str, list[str]] | None = None, hidden: tuple[str, ...] = (),
         formats: dict[str, dict[str, str]] | None = None) -> Path:
    """A workbook with one sheet per entry (rows from row 1), merged ranges, hidden sheets and
    number formats by cell."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for y, row in enumerate(rows, start=1):
            for x, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(y, x, value)
        for ref in (merges or {}).get(title, []):
            sheet.merge_cells(ref)
        for ref, number_format in (formats or {}).get(title, {}).items():
            sheet[ref].number_format = number_format
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def rewrite(path: Path, part: str, change) -> None:
    """Change one part of a saved workbook, as Excel or WPS would have written it."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = change(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def write_csv(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8",
              newline: str = "\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
