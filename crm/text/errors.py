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
