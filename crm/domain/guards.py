"""Guards against slips: what is allowed but more likely a typing mistake than the truth —
a planned, framework or contracted amount under the zone's minimum (3万 typed for 3亿), an
amount over its ratio times the project's own figure (35亿 on a 3亿 project), capital beyond
the contracted amount, a land transfer over the zone's maximum (square metres typed as 亩),
the same visit twice, a name that is an existing one typed differently. Each is refused
naming itself; the command's `--confirm` records it all the same."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.domain import errors
from crm.domain.facts import AGREEMENT, CAPITAL_ARRIVAL, CONTACT, LAND_TRANSFER, SIGNING, VISIT
from crm.domain.values import project_id

#: What each kind of fact's amount is called in a guard's message.
_AMOUNTS = {CONTACT: "planned", AGREEMENT: "framework", SIGNING: "contracted",
            CAPITAL_ARRIVAL: "capital"}


def slip(state: Any, facts: Any, event: str, fields: dict[str, Any],
         guards: dict[str, Decimal]) -> errors.RuleViolation | None:
    """The first guard a new fact trips, or None. `state` is the project before it (None for
    a contact)."""
    amount = fields.get("planned") if event == CONTACT else fields.get("amount")
    what = _AMOUNTS.get(event)
    name = fields.get("name") if state is None else state.name
    if amount is not None and event in (CONTACT, AGREEMENT, SIGNING) \
            and amount < guards["min-amount"]:
        return errors.AmountTooSmall(name=name, what=what, value=amount,
                                     minimum=guards["min-amount"])
    if amount is not None and state is not None and event in (AGREEMENT, SIGNING,
                                                              CAPITAL_ARRIVAL):
        base = state.contracted or state.planned
        if base and amount > guards["max-ratio"] * base:
            return errors.AmountTooLarge(name=name, what=what, value=amount, base=base,
                                         ratio=guards["max-ratio"])
    if event == CAPITAL_ARRIVAL and state is not None and state.contracted:
        total = (state.capital or Decimal(0)) + amount
        if total > state.contracted:
            return errors.CapitalBeyondContract(name=name, total=total,
                                                contracted=state.contracted)
    if event == LAND_TRANSFER and fields.get("mu", 0) > guards["max-mu"]:
        return errors.LandTooLarge(name=name, value=fields["mu"], maximum=guards["max-mu"])
    if event == VISIT and facts is not None:
        ids = _named(fields)
        for fact in facts:
            if fact.event == VISIT and fact.occurred_on == fields["occurred_on"] \
                    and fact.get("kind") == fields["kind"] and _named(fact.fields) == ids:
                return errors.SameVisit(name=name, value=fields["occurred_on"],
                                        kind=fields["kind"])
    return None


def _named(fields: Any) -> frozenset[str]:
    ids = fields.get("project_ids")
    return frozenset(ids) if ids else frozenset(project_id(n).hex for n in fields["projects"])
