"""Folding a project's facts, in business-date order, into its state on any date.

The rules (`crm.domain.rules`) and the read models (`projections`) both read a history
through this one fold, so what a log of work means is defined once."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from crm.domain.values import (
    CAPITAL,
    DROPPED,
    FORWARD_STAGES,
    FRAMEWORK,
    LAND,
    LEAD,
    NEGOTIATING,
    PRODUCING,
    SIGNED,
    STAGE_RANK,
    STARTED,
    investment_of,
)

CONTACT = "ContactMade"
VISIT = "VisitLogged"
AGREEMENT = "FrameworkAgreementSigned"
SIGNING = "ContractSigned"
LAND_TRANSFER = "LandTransferred"
CAPITAL_ARRIVAL = "CapitalArrived"
DROP = "ProjectDropped"
REOPEN = "ProjectReopened"
FLAGGED = "ProjectFlagged"
RENAMED = "ProjectRenamed"
STARTED_WORK = "ConstructionStarted"  # 开工
PRODUCTION = "ProductionStarted"  # 投产
COMMITMENT = "CommitmentMade"  # what the investor promised
HANDOVER = "OwnerChanged"  # the project's owner from a date
VOIDED = "ProjectVoided"
#: Facts about the record rather than the work: they hold in all business time (a typo was
#: never the project's name; a project entered by mistake never existed), are no activity,
#: and move no stage.
TIMELESS = frozenset({RENAMED, VOIDED})
CORRECTION = "EventCorrected"

#: The stage each kind of fact moves a project forward to (never backwards).
ADVANCES_TO = {
    CONTACT: LEAD,
    VISIT: NEGOTIATING,
    AGREEMENT: FRAMEWORK,
    SIGNING: SIGNED,
    LAND_TRANSFER: LAND,
    STARTED_WORK: STARTED,
    CAPITAL_ARRIVAL: CAPITAL,
    PRODUCTION: PRODUCING,
}

#: The fields of the contact that describe the project rather than an amount or a date.
PROFILE_FIELDS = ("name", "investor", "sector", "channel", "region", "owner", "relocation",
                  "short")


class Fact(NamedTuple):
    """One recorded event of a project, as the domain reads it. (A named tuple: read
    models build a million of these in a rebuild, and tuples are cheap to make.)"""

    seq: int  # its position in the project's history, 1 = the contact
    event: str  # the event's name, e.g. "ContractSigned"
    occurred_on: date
    recorded_at: datetime | str | None
    recorded_by: str
    fields: Mapping[str, Any]
    voided: bool = False

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


@dataclass(frozen=True)
class Correction:
    """A later fact that supersedes an earlier one's fields, or voids it."""

    seq: int
    target: int
    changes: Mapping[str, Any]
    void: bool
    reason: str
    recorded_at: datetime
    recorded_by: str


@dataclass
class ProjectState:
    """What a project is on a given business date."""

    name: str = ""
    investor: str = ""
    sector: str = ""
    channel: str | None = None
    region: str | None = None
    owner: str | None = None
    relocation: bool = False
    short: str | None = None
    flags: frozenset[str] = frozenset()
    voided: bool = False  # entered by mistake, or merged into another project
    stage: str = LEAD
    rank: int = 0
    planned: Decimal | None = None
    framework: Decimal | None = None
    contracted: Decimal | None = None
    capital: Decimal | None = None
    land_mu: Decimal | None = None
    land_parcels: int = 0
    contact_date: date | None = None
    framework_date: date | None = None
    signed_date: date | None = None
    dropped_on: date | None = None
    land_on: date | None = None  # the first land transfer
    started_on: date | None = None
    producing_on: date | None = None
    #: The investor's promises: start_by, produce_by, invest (amount), invest_by.
    commitment: dict[str, Any] = field(default_factory=dict)
    last_activity: date | None = None
    stage_since: date | None = None
    stage_dates: dict[str, date] = field(default_factory=dict)

    @property
    def investment(self) -> Decimal:
        return investment_of(self.planned, self.framework, self.contracted)

    @property
    def is_signed(self) -> bool:
        return self.rank >= STAGE_RANK[SIGNED]


def effective_facts(facts: Iterable[Fact], corrections: Iterable[Correction]) -> list[Fact]:
    """The facts as they now stand: each correction's changes merged into its target,
    later corrections over earlier ones; voided facts are dropped."""
    by_seq = {f.seq: f for f in facts}
    for c in corrections:
        target = by_seq.get(c.target)
        if target is None:
            continue
        if c.void:
            by_seq[c.target] = target._replace(voided=True)
            continue
        changes = dict(c.changes)
        occurred_on = changes.pop("occurred_on", target.occurred_on)
        by_seq[c.target] = target._replace(occurred_on=occurred_on,
                                           fields={**target.fields, **changes})
    return [f for f in by_seq.values() if not f.voided]


def business_order(facts: Iterable[Fact]) -> list[Fact]:
    """Facts in the order they happened: by business date, then as they were recorded
    (the contact always first, since nothing can precede it)."""
    return sorted(facts, key=lambda f: (f.event != CONTACT, f.occurred_on, f.seq))


def apply_fact(state: ProjectState, fact: Fact) -> None:
    """Evolve `state` by one fact. Trusts the fact: the rules were checked when it was
    recorded."""
    kind = fact.event
    on = fact.occurred_on
    before = state.stage
    if kind in TIMELESS:
        if kind == RENAMED:
            state.name = fact.get("name")
        else:
            state.voided = True
        return
    if kind == CONTACT:
        for name in PROFILE_FIELDS:
            if name in fact.fields:
                setattr(state, name, fact.fields[name])
        state.relocation = bool(state.relocation)
        state.planned = fact.get("planned")
        state.contact_date = on
    elif kind == AGREEMENT:
        state.framework = fact.get("amount")
        state.framework_date = on
    elif kind == SIGNING:
        state.contracted = fact.get("amount")
        state.signed_date = on
    elif kind == LAND_TRANSFER:
        state.land_mu = (state.land_mu or Decimal(0)) + fact.get("mu")
        state.land_parcels += 1
        state.land_on = state.land_on or on
    elif kind == CAPITAL_ARRIVAL:
        state.capital = (state.capital or Decimal(0)) + fact.get("amount")
    elif kind == DROP:
        state.dropped_on = on
    elif kind == REOPEN:
        state.dropped_on = None
    elif kind == STARTED_WORK:
        state.started_on = on
    elif kind == PRODUCTION:
        state.producing_on = on
    elif kind == COMMITMENT:
        state.commitment = {k: fact.get(k) for k in ("start_by", "produce_by", "invest",
                                                      "invest_by") if fact.get(k) is not None}
        state.commitment["on"] = on
    elif kind == HANDOVER:
        state.owner = fact.get("owner")
    elif kind == FLAGGED:
        flag = fact.get("flag")
        state.flags = state.flags | {flag} if fact.get("on") else state.flags - {flag}
    advance = ADVANCES_TO.get(kind)
    if advance is not None:
        state.rank = max(state.rank, STAGE_RANK[advance])
    state.stage = DROPPED if state.dropped_on is not None else FORWARD_STAGES[state.rank]
    if state.stage != before or state.stage_since is None:
        state.stage_since = on
        state.stage_dates.setdefault(state.stage, on)
    if state.last_activity is None or on > state.last_activity:
        state.last_activity = on


def fold(facts: Iterable[Fact], as_of: date | None = None) -> ProjectState | None:
    """The project's state at the end of business day `as_of` (default: everything),
    or None when it had not been contacted by then."""
    state: ProjectState | None = None
    later: list[Fact] = []
    for fact in business_order(facts):
        if as_of is not None and fact.occurred_on > as_of:
            if fact.event == CONTACT:
                return None
            if fact.event in TIMELESS:
                later.append(fact)
            continue
        if state is None:
            state = ProjectState()
        apply_fact(state, fact)
    for fact in later:  # a rename or a void holds in all business time
        apply_fact(state, fact)
    return state


#: (business day, stage, investment, capital arrived) at the end of a day something happened.
Step = tuple[date, str, Decimal, Decimal]
#: A step's capital before any arrived (a decimal never changes: one serves every step).
_NONE = Decimal(0)


def trace(facts: Iterable[Fact]) -> tuple[ProjectState | None, list[Step]]:
    """The project's final state, and its stage, investment and capital at the end of each
    business day on which something happened, oldest first (each holds until the next)."""
    steps: list[Step] = []
    ordered: Sequence[Fact] = business_order(facts)
    if not ordered:
        return None, steps
    state = ProjectState()
    for fact, following in zip(ordered, [*ordered[1:], None]):
        apply_fact(state, fact)
        if following is None or following.occurred_on != fact.occurred_on:
            steps.append((fact.occurred_on, state.stage, state.investment,
                          state.capital or _NONE))
    return state, steps
