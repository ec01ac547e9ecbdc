"""The rules of the log, each written once, checked over a project's whole history.

A command builds the fact it would record and asks `refuse_new` whether the history with
that fact breaks a rule the history without it did not: so a command is accepted exactly
when the resulting history is valid, backdated facts included. A history recorded under
earlier rules keeps what those rules allowed (it stays valid, correctable and readable);
only what a new command adds is held to today's rules.

Events record the rule set they were checked under (`rules`; absent on the first product's
events, which are 1). Re-importing a log checks each event as it was checked then."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from crm.domain import errors
from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    CONTACT,
    CORRECTION,
    COMMITMENT,
    DROP,
    FLAGGED,
    HANDOVER,
    LAND_TRANSFER,
    PRODUCTION,
    RENAMED,
    REOPEN,
    SIGNING,
    STARTED_WORK,
    TIMELESS,
    VISIT,
    VOIDED,
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
    CONTACT: ("investor", "sector", "planned", "channel", "region", "owner", "relocation",
              "short"),
    VISIT: ("kind", "participants"),
    AGREEMENT: ("amount",),
    SIGNING: ("amount",),
    LAND_TRANSFER: ("mu", "parcel", "price"),
    CAPITAL_ARRIVAL: ("amount",),
    DROP: ("reason",),
    REOPEN: (),
    FLAGGED: (),
    STARTED_WORK: (),
    PRODUCTION: (),
    COMMITMENT: ("start_by", "produce_by", "invest", "invest_by"),
    HANDOVER: ("owner",),
    RENAMED: (),  # undone by voiding it
    VOIDED: (),
}
#: The amounts each kind of fact carries, all positive.
_AMOUNT_FIELDS_OF = {CONTACT: ("planned",), AGREEMENT: ("amount",), SIGNING: ("amount",),
                     COMMITMENT: ("invest",),
                     CAPITAL_ARRIVAL: ("amount",), LAND_TRANSFER: ("price",)}
_LAND_OR_CAPITAL = {LAND_TRANSFER: "land", CAPITAL_ARRIVAL: "capital"}


def rules_of(fact: Fact) -> int:
    """The rule set a fact was recorded under."""
    return fact.get("rules") or 1


class Pass(NamedTuple):
    """Where the rules' pass over a history in business order ended: what it learnt of the
    whole history before it began (the name, the contact's date, the first signing, land and
    start), what it had seen by its end (work started, producing, dropped, agreed, signed),
    the place of its last fact (business date, position; None: the contact alone), and the
    rules the history breaks whatever the day (all but a date in the future: see `as_of`)."""

    whole: tuple[Any, ...]
    seen: tuple[Any, ...]
    last: tuple[date, int] | None
    lasting: list[errors.RuleViolation]


def violations(ordered: Sequence[Fact], today: date, *, rules: int = RULES
               ) -> list[errors.RuleViolation]:
    """Every rule the facts break, taken in the order given (business order for a history;
    see `refuse_legacy` for the other), each error located at the fact that breaks it."""
    return _walk(ordered, today, rules)[0]


def _walk(ordered: Sequence[Fact], today: date, rules: int, start: Pass | None = None
          ) -> tuple[list[errors.RuleViolation], Pass | None]:
    """`violations`, and where the pass ended; from `start`, the pass goes on from where an
    earlier one over the facts before `ordered` ended (they come after all of those, and
    `start` holds what a pass learns of the whole history with them: see `_going_on`)."""
    found: list[errors.RuleViolation] = []
    if not ordered:
        return found, start
    if start is None:
        contact = ordered[0] if ordered[0].event == CONTACT else next(
            (f for f in ordered if f.event == CONTACT), ordered[0])
        name = contact.fields.get("name", "")
        contacted = contact.occurred_on
        signings = [f.occurred_on for f in ordered if f.event == SIGNING]
        first_signing = min(signings) if signings else None
        lands = [f.occurred_on for f in ordered if f.event == LAND_TRANSFER]
        first_land = min(lands) if lands else None
        starts = [f.occurred_on for f in ordered if f.event == STARTED_WORK]
        first_start = min(starts) if starts else None
        started_on: date | None = None
        producing_on: date | None = None
        dropped_on: date | None = None
        agreed_on: date | None = None
        signed_on: date | None = None
    else:
        name, contacted, first_signing, first_land, first_start = start.whole
        started_on, producing_on, dropped_on, agreed_on, signed_on = start.seen
    for fact in ordered:
        on, kind, fields, at = fact.occurred_on, fact.event, fact.fields, fact.seq
        if on > today:
            found.append(errors.FutureDate(value=on, today=today).located(at))
        if on < contacted and kind != CONTACT:
            found.append(errors.DateBeforeContact(name=name, value=on, contact_date=contacted)
                         .located(at))
        for key in _AMOUNT_FIELDS_OF.get(kind, ()):
            value = fields.get(key)
            if value is not None and value <= 0:
                found.append(errors.NonPositiveAmount(field=key, value=value).located(at))
        if kind == LAND_TRANSFER:
            mu = fields.get("mu")
            if mu is not None and mu <= 0:
                found.append(errors.NonPositiveArea(value=mu).located(at))
        if dropped_on is not None and kind != REOPEN and kind != CORRECTION \
                and kind not in TIMELESS:
            found.append(errors.ProjectIsDropped(name=name, dropped_on=dropped_on).located(at))
        if kind == VISIT:
            if rules >= 2 and fields.get("kind") == "aftercare":
                _needs_signing(found, at, name, on, first_signing, "aftercare")
        elif kind == AGREEMENT:
            if agreed_on is not None:
                found.append(errors.AlreadyAgreed(name=name, agreed_on=agreed_on).located(at))
            elif rules >= 2 and first_signing is not None and on > first_signing:
                found.append(errors.AgreementAfterSigning(name=name, value=on,
                                                          signed_on=first_signing).located(at))
            agreed_on = agreed_on or on
        elif kind == SIGNING:
            if signed_on is not None:
                found.append(errors.AlreadySigned(name=name, signed_on=signed_on).located(at))
            signed_on = signed_on or on
        elif kind in _LAND_OR_CAPITAL:
            _needs_signing(found, at, name, on, first_signing, _LAND_OR_CAPITAL[kind])
        elif kind == COMMITMENT:
            _needs_signing(found, at, name, on, first_signing, "commitment")
        elif kind == STARTED_WORK:  # 开工 needs its land, once
            if started_on is not None:
                found.append(errors.AlreadyStarted(name=name, started_on=started_on).located(at))
            elif first_land is None:
                found.append(errors.NoLandYet(name=name).located(at))
            elif on < first_land:
                found.append(errors.BeforeLand(name=name, value=on, land_on=first_land)
                             .located(at))
            started_on = started_on or on
        elif kind == PRODUCTION:  # 投产 needs 开工, once
            if producing_on is not None:
                found.append(errors.AlreadyProducing(name=name, producing_on=producing_on)
                             .located(at))
            elif first_start is None:
                found.append(errors.NotStartedYet(name=name).located(at))
            elif on < first_start:
                found.append(errors.BeforeStart(name=name, value=on, started_on=first_start)
                             .located(at))
            producing_on = producing_on or on
        elif kind == DROP:
            dropped_on = dropped_on or on
        elif kind == REOPEN:
            if dropped_on is None:
                later = [f.occurred_on for f in ordered if f.event == DROP and f.occurred_on > on]
                found.append((errors.ReopenBeforeDrop(name=name, value=on, dropped_on=min(later))
                              if later else errors.NotDropped(name=name)).located(at))
            elif on < dropped_on:
                found.append(errors.ReopenBeforeDrop(name=name, value=on, dropped_on=dropped_on)
                             .located(at))
            else:
                dropped_on = None
    last = ordered[-1]
    seen = (started_on, producing_on, dropped_on, agreed_on, signed_on)
    if start is None:
        return found, Pass((name, contacted, first_signing, first_land, first_start), seen,
                           (last.occurred_on, last.seq) if last.event != CONTACT else None,
                           [e for e in found if not isinstance(e, errors.FutureDate)])
    # (what the pass learnt of the whole history is as it began; the lists are never changed)
    return found, Pass(start.whole, seen,
                       (last.occurred_on, last.seq) if last.event != CONTACT else start.last,
                       [*start.lasting, *(e for e in found if not isinstance(e, errors.FutureDate))]
                       if found else start.lasting)


def as_of(found: list[errors.RuleViolation], facts: Iterable[Fact], today: date
          ) -> list[errors.RuleViolation]:
    """The violations `found` of `facts` on one day, as they stand on `today`: the same,
    as `violations` would find them on `today` (in another order), without going through
    the history again — a date in the future is the one rule that depends on the day."""
    kept = [e for e in found if not isinstance(e, errors.FutureDate)]
    kept += [errors.FutureDate(value=f.occurred_on, today=today).located(f.seq)
             for f in facts if f.occurred_on > today]
    return kept


def _needs_signing(found: list[errors.RuleViolation], at: int, name: str, on: date,
                   first_signing: date | None, action: str) -> None:
    if first_signing is None:
        found.append(errors.NotSigned(name=name, action=action).located(at))
    elif on < first_signing:
        found.append(errors.BeforeSigning(name=name, value=on, signed_on=first_signing)
                     .located(at))


def _key(error: errors.RuleViolation) -> tuple[str, int | None]:
    return type(error).__name__, error.at


def refuse_new(before: Iterable[Fact], after: Iterable[Fact], today: date,
               known: list[errors.RuleViolation] | None = None) -> list[errors.RuleViolation]:
    """Raise the first rule that `after` breaks and `before` did not (`known`: the
    violations of `before`, when already worked out). Returns the violations of `after`
    (those it tolerated), for the next command to start from."""
    old = known if known is not None else violations(business_order(before), today)
    found = violations(business_order(after), today)
    _refuse(found, old)
    return found


def refuse_next(before: Sequence[Fact], fact: Fact, today: date, walked: Pass | None = None
                ) -> Pass | None:
    """`refuse_new(before, [*before, fact], today)`: the same refusal; returns where the
    pass over the history with the fact ended (what it breaks: `as_of(….lasting, …)`).
    `walked`: where the pass over `before` ended (without it, the pass over `before` is made
    here). A fact dated after all the others that changes nothing the pass learnt of the
    facts before it (see `_going_on`) is checked by going one step further: the facts
    before it are checked as they were, so only its own can be new."""
    old = None
    if walked is None:
        old, walked = _walk(business_order(before), today, RULES)
    start = _going_on(walked, fact) if walked is not None else None
    if start is not None:
        added, after = _walk([fact], today, RULES, start)
        if added:
            _refuse(added, old if old is not None else as_of(start.lasting, before, today))
        return after
    if old is None:
        old = as_of(walked.lasting, before, today) if walked is not None else []
    found, after = _walk(business_order([*before, fact]), today, RULES)
    _refuse(found, old)
    return after


def _going_on(walked: Pass, fact: Fact) -> Pass | None:
    """Where a pass over the history with `fact` can start from, when it is dated after all
    the other facts (`walked`: where the pass over those ended) and every one of them is
    checked just as it was; None otherwise (the whole history is gone through again).

    A fact so dated is the first signing, land or start only if there was none before: the
    facts checked against it (an aftercare visit, land, capital or a commitment against the
    signing; a start against the land; production against the start) each broke a rule for
    its lack (`NotSigned`, `NoLandYet`, `NotStartedYet`), and with it would break another or
    none; without such facts, the pass learns its date and goes on. A later signing, land or
    start changes nothing learnt (the first is no later). A drop changes what a reopening
    found undropped broke (`NotDropped`, until a drop dated after it); without one, nothing.
    A contact is the history's first fact, never one more."""
    if walked.last is not None and (fact.occurred_on, fact.seq) <= walked.last:
        return None
    kind = fact.event
    if kind not in _RELEARNED:
        return walked
    if kind == DROP:
        return None if _broke(walked, errors.NotDropped) else walked
    first = _FIRSTS.get(kind)
    if first is None:  # a contact
        return None
    at, lacked = first
    if walked.whole[at] is not None:
        return walked
    if lacked(walked):
        return None
    whole = list(walked.whole)
    whole[at] = fact.occurred_on
    return walked._replace(whole=tuple(whole))


def _broke(walked: Pass, rule: type[errors.RuleViolation]) -> bool:
    return any(isinstance(e, rule) for e in walked.lasting)


#: What a first signing, land or start teaches a pass (its place in `Pass.whole`), and
#: whether a fact before it lacked it: an aftercare visit, land, capital or a commitment
#: unsigned (`NotSigned`); a start, without land (`NoLandYet`, or `AlreadyStarted` if not the
#: first); production, not started (`NotStartedYet`, or `AlreadyProducing`).
_FIRSTS: dict[str, tuple[int, Callable[[Pass], bool]]] = {
    SIGNING: (2, lambda walked: _broke(walked, errors.NotSigned)),
    LAND_TRANSFER: (3, lambda walked: walked.seen[0] is not None),  # a start was seen
    STARTED_WORK: (4, lambda walked: walked.seen[1] is not None),  # production was seen
}
#: Facts that may change what a pass learns of the whole history before it begins, dated
#: after every other fact or not: a first signing, land or start; a drop (a reopening before
#: it was then too early rather than needless); a contact. See `_going_on`.
_RELEARNED = frozenset({CONTACT, SIGNING, LAND_TRANSFER, STARTED_WORK, DROP})


def _refuse(found: list[errors.RuleViolation], known: list[errors.RuleViolation]) -> None:
    """Raise the first violation found that is not known."""
    if found:
        tolerated = {_key(e) for e in known}
        for error in found:
            if _key(error) not in tolerated:
                raise error


def refuse_legacy(before: Iterable[Fact], fact: Fact, today: date) -> None:
    """The first product's check of a fact recorded under its rules: the fact against the
    project as it stood when it was recorded (every earlier fact, whatever its date)."""
    for error in violations([*business_order(before), fact], today, rules=1):
        if error.at == fact.seq:
            raise error
