"""What a use case refuses that is not a rule of one project's history."""
from __future__ import annotations

from crm.domain.errors import CrmError, InputError, RuleViolation


class ProjectNotFound(RuleViolation):
    """params: name, suggestions (the nearest names, joined; may be empty)"""


class NotYetContacted(RuleViolation):
    """params: name, as_of, contact_date"""


class ConcurrentChange(RuleViolation):
    """params: name, attempts — other writers kept changing the project."""


class StoreNotEmpty(RuleViolation):
    """params: store, events"""


class TargetNotEmpty(RuleViolation):
    """params: store, events"""


class CopyMismatch(CrmError):
    """params: position"""


class SourceBroken(RuleViolation):
    """params: store, position — the log to copy does not verify."""


class ImportRefused(CrmError):
    """params: lines (every `FILE:ROW: message`), summary — nothing was imported.

    `problems` are bad rows (the input is wrong); `conflicts` are rows that differ from
    the log."""

    def __init__(self, *, lines: list[str], summary: str, count: int, file: str):
        super().__init__(lines=lines, summary=summary, count=count, file=file)


class ImportProblems(ImportRefused, InputError):
    """Rows that cannot be read or break a rule (exit 2)."""


class ImportConflicts(ImportRefused, RuleViolation):
    """Rows that differ from what the log holds (exit 1)."""


class NoLedgerFound(InputError):
    """params: file, sheets — no sheet of the file has a ledger's or a visit log's header."""
