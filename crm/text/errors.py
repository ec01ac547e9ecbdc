"""What a person typed, or a sheet holds, that cannot be read."""
from __future__ import annotations

from crm.domain.errors import InputError


class InvalidValue(InputError):
    """params: option, value, expected"""


class MissingValue(InputError):
    """params: what — a row lacks something every row needs."""


class UnpairedValue(InputError):
    """params: given, value, missing — an amount without its date, or a date without it."""


class UsageProblem(InputError):
    """params: message — the command was given the wrong things (already in words)."""


# -- reading ledgers (crm.text.ledgers) ------------------------------------------------------


class NotALedger(InputError):
    """params: file — the file itself cannot be read as a ledger; each reason is a subclass,
    whose message says how to save the file so that it can."""


class SavedAsWebPage(NotALedger):
    """params: file — an HTML (or XML, MHT) table saved under a spreadsheet's name."""


class LegacyWorkbook(NotALedger):
    """params: file — an old binary workbook (.xls, .et) or a password-protected one."""


class NotAWorkbook(NotALedger):
    """params: file — named .xlsx (or .xls) but not a workbook inside."""


class UnreadableText(NotALedger):
    """params: file — a CSV neither in UTF-8 nor in GB18030 (GBK)."""


class Utf16Text(NotALedger):
    """params: file, encoding — Excel's "Unicode text" (UTF-16) or UTF-32."""


class UnknownFileType(NotALedger):
    """params: file, suffix"""


class NoSuchSheet(NotALedger):
    """params: file, sheet, sheets — `--sheet` names no sheet of the workbook."""


class NoUnit(InputError):
    """params: option, letter — an amount column whose unit nothing states."""


class UnknownColumn(InputError):
    """params: option, letter — a column that looks like figures, but no field the tool knows."""


class NotImportedYet(InputError):
    """params: option, letter — a milestone column (开工, 投产) this version cannot import."""


class DuplicateColumn(InputError):
    """params: option, letter, first, field — two columns read as the same field."""


class SharedCell(InputError):
    """params: option, first, last — one merged amount or area cell over several rows."""


class ApproximateValue(InputError):
    """params: option, value — an estimate (约2亿, 2亿左右) where an exact figure belongs."""


class ValueRange(InputError):
    """params: option, value — a range (2-3亿) where one figure belongs."""


class DateWithoutYear(InputError):
    """params: option, value — 3月5日."""


class VagueDate(InputError):
    """params: option, value — a month, a quarter or half a year where a day belongs."""


class OtherCurrency(InputError):
    """params: option, value, currency — an amount (or a column) in another currency."""


class UncalculatedFormula(InputError):
    """params: option, cell — a formula saved without its value (never calculated)."""
