"""The rules of the log a command can break: one type per rule, carrying the values it names.

Errors are values: the domain says which rule and with what, `crm.text.messages` says it in
a person's language, and `cli.py` chooses the exit code by type."""
from __future__ import annotations

from typing import Any


class CrmError(Exception):
    """Base of every error reported to a person: a type and the values it names."""

    def __init__(self, **params: Any):
        self.params = params
        super().__init__(f"{type(self).__name__}: {params}")


class RuleViolation(CrmError):
    """A rule of the log refused the command. `at` is the position, in the project's
    history, of the fact that breaks it (None for the project as a whole)."""

    at: int | None = None

    def located(self, at: int | None) -> RuleViolation:
        self.at = at
        return self


class InputError(CrmError):
    """What was asked cannot be understood, or names what the log does not hold."""


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


class AgreementAfterSigning(RuleViolation):
    """params: name, value, signed_on"""


class DuplicateInVisit(InputError):
    """params: name"""


class ContactCannotBeVoided(RuleViolation):
    """params: name"""


class NoSuchEvent(InputError):
    """params: name, position, count"""


class NotCorrectable(InputError):
    """params: event, field, allowed"""


class CorrectionOfCorrection(InputError):
    """params: name, position, target"""


class NothingToCorrect(InputError):
    """params: name, position"""


class UnknownSetting(InputError):
    """params: key, known"""


class BadSetting(InputError):
    """params: key, value, expected"""


class SectorNotInZone(InputError):
    """params: value, sectors — a sector the zone's list does not hold."""


class FlagUnchanged(RuleViolation):
    """params: name, flag, on — the project already is (or is not) flagged."""


class SameName(RuleViolation):
    """params: name — a rename to the name it already has."""


class ProjectIsVoided(RuleViolation):
    """params: name, reason"""


class Slip(RuleViolation):
    """A guard's refusal: allowed, but more likely a slip; `--confirm` records it."""


class AmountTooSmall(Slip):
    """params: name, what, value, minimum"""


class AmountTooLarge(Slip):
    """params: name, what, value, base, ratio"""


class CapitalBeyondContract(Slip):
    """params: name, total, contracted"""


class LandTooLarge(Slip):
    """params: name, value, maximum"""


class SameVisit(Slip):
    """params: name, value, kind"""


class LookAlikeName(Slip):
    """params: name, existing"""


class AlreadyStarted(RuleViolation):
    """params: name, started_on"""


class NoLandYet(RuleViolation):
    """params: name — 开工 needs a land transfer first."""


class BeforeLand(RuleViolation):
    """params: name, value, land_on"""


class AlreadyProducing(RuleViolation):
    """params: name, producing_on"""


class NotStartedYet(RuleViolation):
    """params: name — 投产 needs 开工 first."""


class BeforeStart(RuleViolation):
    """params: name, value, started_on"""


class EmptyCommitment(InputError):
    """params: name — a commitment promises something."""


class InvestWithoutDate(InputError):
    """params: name — an investment promised needs its date, and a date its amount."""


class SameOwner(RuleViolation):
    """params: name, owner"""


class PeriodIsClosed(RuleViolation):
    """params: name, value, period, reason — a fact dated inside a closed period."""
