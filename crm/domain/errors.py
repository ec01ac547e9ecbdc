"""The errors of the domain: each refused rule is a type carrying the values it names.

Messages are looked up by the error's class name in `crm.messages`, in English or Chinese;
`str(error)` is the English one."""
from __future__ import annotations

from typing import Any


class CrmError(Exception):
    """Base of every error the tool reports to a person; `exit_code` follows click."""

    exit_code = 1

    def __init__(self, **params: Any):
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from crm.messages import render_error

        return render_error(type(self).__name__, self.params, lang)


class RuleViolation(CrmError):
    """A domain rule refused the command (exit 1)."""


class BadInput(CrmError):
    """What was typed cannot be understood (exit 2)."""

    exit_code = 2


class InvalidValue(BadInput):
    """params: option, value, expected"""


class NonPositiveAmount(RuleViolation):
    """params: field, value"""


class NonPositiveArea(RuleViolation):
    """params: value"""


class FutureDate(RuleViolation):
    """params: value, today"""


class DateBeforeContact(RuleViolation):
    """params: name, value, contact_date"""


class DuplicateName(RuleViolation):
    """params: name, existing"""


class ProjectNotFound(RuleViolation):
    """params: name"""


class NotSigned(RuleViolation):
    """params: name, action"""


class BeforeSigning(RuleViolation):
    """params: name, value, signed_on"""


class ProjectIsDropped(RuleViolation):
    """params: name, dropped_on"""


class NotDropped(RuleViolation):
    """params: name"""


class ReopenBeforeDrop(RuleViolation):
    """params: name, value, dropped_on"""


class AlreadySigned(RuleViolation):
    """params: name, signed_on"""


class AlreadyAgreed(RuleViolation):
    """params: name, agreed_on"""


class DuplicateInVisit(BadInput):
    """params: name"""


class NoSuchEvent(BadInput):
    """params: name, position, count"""


class NotCorrectable(BadInput):
    """params: event, field, allowed"""


class CorrectionOfCorrection(BadInput):
    """params: name, position, target"""


class NothingToCorrect(BadInput):
    """params: name, position"""


class ContactCannotBeVoided(RuleViolation):
    """params: name"""


class ConcurrentChange(CrmError):
    """params: name, attempts — other writers kept changing the project."""


class StoreNotEmpty(RuleViolation):
    """params: store, events"""


class MissingValue(BadInput):
    """params: what — a row lacks something every row needs."""


class UnpairedValue(BadInput):
    """params: given, value, missing — an amount without its date, or a date without it."""


class SheetError(BadInput):
    """params: lines — every `FILE:ROW: message` found in an import, then a summary line."""

    def lines(self, lang: str = "en") -> list[str]:
        return self.message(lang).splitlines()


class TargetNotEmpty(RuleViolation):
    """params: store, events"""


class CopyMismatch(CrmError):
    """params: position"""


class StoreUnavailable(CrmError):
    """params: store, reason"""

    exit_code = 2
