"""The rules of the log, each written once, checked over a project's whole history.

A command builds the fact it would record and asks `refuse_new` whether the history with
that fact breaks a rule the history without it did not: so a command is accepted exactly
when the resulting history is valid, backdated facts included. A history recorded under
earlier rules keeps what those rules allowed (it stays valid, correctable and readable);
only what a new command adds is held to today's rules.

Events record the rule set they were checked under (`rules`; absent on the first product's
events, which are 1). Re-importing a log checks each event as it was checked then."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from crm.domain import errors
from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    CONTACT,
    CORRECTION,
    DROP,
    LAND_TRANSFER,
    REOPEN,
    SIGNING,
    VISIT,
    Fact,
    business_order,
)

#: The rule set new events are recorded under. 1: the first product (a command checked the
#: project's state when it was recorded); 2: every rule over the whole history in business
#: order, a framework agreement no later than the signing, an aftercare visit only to a
#: signed project, nothing but a reopening dated inside a dropped period.
RULES = 2

#: What a correction may change on each kind of event (besides the business date and the
#: note); the name is the project's identity and never changes.
CORRECTABLE = {
    CONTACT: ("investor", "sector", "planned", "channel", "region", "owner", "relocation"),
    VISIT: ("kind", "participants"),
    AGREEMENT: ("amount",),
    SIGNING: ("amount",),
    LAND_TRANSFER: ("mu", "parcel", "price"),
    CAPITAL_ARRIVAL: ("amount",),
    DROP: ("reason",),
    REOPEN: (),
}
_AMOUNT_FIELDS = ("planned", "amount", "price")
_LAND_OR_CAPITAL = {LAND_TRANSFER: "land", CAPITAL_ARRIVAL: "capital"}


def rules_of(fact: Fact) -> int:
    """The rule set a fact was recorded under."""
    return fact.get("rules") or 1


def violations(ordered: Sequence[Fact], today: date, *, rules: int = RULES
               ) -> list[errors.RuleViolation]:
    """Every rule the facts break, taken in the order given (business order for a history;
    see `refuse_legacy` for the other), each error located at the fact that breaks it."""
    found: list[errors.RuleViolation] = []
    if not ordered:
        return found
    contact = next((f for f in ordered if f.event == CONTACT), ordered[0])
    name = contact.get("name", "")
    signings = [f.occurred_on for f in ordered if f.event == SIGNING]
    first_signing = min(signings) if signings else None
    dropped_on: date | None = None
    agreed_on: date | None = None
    signed_on: date | None = None
    for fact in ordered:
        def broke(error: errors.RuleViolation, at: int = fact.seq) -> None:
            found.append(error.located(at))

        on, kind = fact.occurred_on, fact.event
        if on > today:
            broke(errors.FutureDate(value=on, today=today))
        if kind != CONTACT and on < contact.occurred_on:
            broke(errors.DateBeforeContact(name=name, value=on, contact_date=contact.occurred_on))
        for key in _AMOUNT_FIELDS:
            value = fact.get(key)
            if value is not None and value <= 0:
                broke(errors.NonPositiveAmount(field=key, value=value))
        if fact.get("mu") is not None and fact.get("mu") <= 0:
            broke(errors.NonPositiveArea(value=fact.get("mu")))
        if dropped_on is not None and kind not in (REOPEN, CORRECTION):
            broke(errors.ProjectIsDropped(name=name, dropped_on=dropped_on))
        if kind == AGREEMENT:
            if agreed_on is not None:
                broke(errors.AlreadyAgreed(name=name, agreed_on=agreed_on))
            elif rules >= 2 and first_signing is not None and on > first_signing:
                broke(errors.AgreementAfterSigning(name=name, value=on, signed_on=first_signing))
            agreed_on = agreed_on or on
        elif kind == SIGNING:
            if signed_on is not None:
                broke(errors.AlreadySigned(name=name, signed_on=signed_on))
            signed_on = signed_on or on
        elif kind in _LAND_OR_CAPITAL:
            _needs_signing(broke, name, on, first_signing, _LAND_OR_CAPITAL[kind])
        elif kind == VISIT and fact.get("kind") == "aftercare" and rules >= 2:
            _needs_signing(broke, name, on, first_signing, "aftercare")
        elif kind == DROP:
            dropped_on = dropped_on or on
        elif kind == REOPEN:
            if dropped_on is None:
                later = [f.occurred_on for f in ordered if f.event == DROP and f.occurred_on > on]
                broke(errors.ReopenBeforeDrop(name=name, value=on, dropped_on=min(later))
                      if later else errors.NotDropped(name=name))
            elif on < dropped_on:
                broke(errors.ReopenBeforeDrop(name=name, value=on, dropped_on=dropped_on))
            else:
                dropped_on = None
    return found


def _needs_signing(broke, name: str, on: date, first_signing: date | None, action: str) -> None:
    if first_signing is None:
        broke(errors.NotSigned(name=name, action=action))
    elif on < first_signing:
        broke(errors.BeforeSigning(name=name, value=on, signed_on=first_signing))


def _key(error: errors.RuleViolation) -> tuple[str, int | None]:
    return type(error).__name__, error.at


def refuse_new(before: Iterable[Fact], after: Iterable[Fact], today: date,
               known: list[errors.RuleViolation] | None = None) -> None:
    """Raise the first rule that `after` breaks and `before` did not (`known`: the
    violations of `before`, when already worked out)."""
    old = known if known is not None else violations(business_order(before), today)
    tolerated = {_key(e) for e in old}
    for error in violations(business_order(after), today):
        if _key(error) not in tolerated:
            raise error


def refuse_legacy(before: Iterable[Fact], fact: Fact, today: date) -> None:
    """The first product's check of a fact recorded under its rules: the fact against the
    project as it stood when it was recorded (every earlier fact, whatever its date)."""
    for error in violations([*business_order(before), fact], today, rules=1):
        if error.at == fact.seq:
            raise error
