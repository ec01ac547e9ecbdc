"""The Project aggregate: each command builds the fact it would record, asks the rules
whether the history with it is still valid, and only then records it as an event.

The module and the events' class names are stored with every event (their topics):
moving or renaming them is a migration."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from crm.domain import errors, guards, rules
from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    COMMITMENT,
    CONTACT,
    CORRECTION,
    DROP,
    FLAGGED,
    HANDOVER,
    LAND_TRANSFER,
    PRODUCTION,
    REOPEN,
    SIGNING,
    STARTED_WORK,
    TIMELESS,
    VISIT,
    Correction,
    Fact,
    ProjectState,
    apply_fact,
    business_order,
    effective_facts,
    fold,
)
from crm.domain.rules import CORRECTABLE, RULES
from crm.domain.values import name_key, project_id


class Project(Aggregate):
    """One investment project pursued with one investor."""

    def __init__(self, id: UUID, timestamp: datetime, occurred_on: date, recorded_by: str,
                 name: str, investor: str, sector: str, planned: Decimal, rules: int = 1,
                 note: str | None = None, channel: str | None = None, region: str | None = None,
                 owner: str | None = None, relocation: bool = False,
                 date_inferred: bool = False, short: str | None = None,
                 merged_from: str | None = None, into_closed: str | None = None) -> None:
        # The contact's fields are remembered by its `apply`, as every later event's are.
        # (Parameters are not keyword-only: the library takes those as all required.)
        self._facts: list[Fact] = []
        self._corrections: list[Correction] = []
        self._state: ProjectState | None = None
        self._known: tuple[tuple[int, date], list[errors.RuleViolation]] | None = None
        self._walked: tuple[int, rules.Pass] | None = None  # see `refuse_next`
        self._together = False  # facts proposed together: checked once, as a whole
        self._guards: dict[str, Decimal] | None = None  # the zone's, while a command runs
        self._closed: Any = None  # the zone's settings, for its closed periods
        self._slip: errors.RuleViolation | None = None  # a guard's, in a `together` block

    @staticmethod
    def create_id(id: UUID, **_: Any) -> UUID:
        return id

    # -- events: past-tense business facts; applying one only changes state ------------

    class Event(Aggregate.Event):
        occurred_on: date
        recorded_by: str
        rules: int
        #: On a fact moved here by a merge: "DUPLICATE_ID:VOID_SEQ", the duplicate and its
        #: void (voiding that void undoes the merge, these facts with it).
        merged_from: str | None
        #: Why a fact dated inside a closed period was recorded all the same.
        into_closed: str | None

        def apply(self, project: Project) -> None:
            project._remember(self)

    class ContactMade(Aggregate.Created):
        occurred_on: date
        recorded_by: str
        rules: int
        note: str | None
        name: str
        investor: str
        sector: str
        planned: Decimal
        channel: str | None
        region: str | None
        owner: str | None
        relocation: bool
        #: Whether the date was inferred (an import that found no 接洽日期), not recorded.
        date_inferred: bool
        #: The short name the zone's reports use (合成 for 合成新材料), if any.
        short: str | None

        def apply(self, project: Project) -> None:
            project._remember(self)

    class VisitLogged(Event):
        note: str | None
        kind: str
        visit_id: UUID
        projects: list[str]
        participants: str | None
        #: The projects named, by id (hex), in the order named: names change, ids do not.
        project_ids: list[str] | None

    class FrameworkAgreementSigned(Event):
        """A framework agreement; its intended amount may be unknown (a ledger that gives
        the agreement's date alone)."""

        note: str | None
        amount: Decimal | None

    class ContractSigned(Event):
        note: str | None
        amount: Decimal

    class LandTransferred(Event):
        note: str | None
        mu: Decimal
        parcel: str | None
        price: Decimal | None

    class CapitalArrived(Event):
        note: str | None
        amount: Decimal

    class ProjectDropped(Event):
        note: str | None
        reason: str

    class ProjectReopened(Event):
        note: str | None

    class ConstructionStarted(Event):
        """开工: construction started on the project's land."""

        note: str | None

    class ProductionStarted(Event):
        """投产: the project started producing."""

        note: str | None

    class CommitmentMade(Event):
        """What the investor promised, with the signing or later: 开工 by, 投产 by, and an
        investment in place by a date. A later commitment replaces the earlier one."""

        note: str | None
        start_by: date | None
        produce_by: date | None
        invest: Decimal | None
        invest_by: date | None

    class OwnerChanged(Event):
        """The project is handed over: `owner` follows it from this business date."""

        note: str | None
        owner: str

    class ProjectRenamed(Event):
        """The project's name was mistyped or has changed: it is `name` in all business
        time from now on (what was recorded before stays as recorded)."""

        note: str | None
        name: str

    class ProjectVoided(Event):
        """The project was entered by mistake (or is a duplicate merged into another): it
        leaves every count, list and export."""

        note: str | None
        reason: str
        merged_into: str | None

    class ProjectFlagged(Event):
        """The zone marks (or unmarks) the project as one of its key projects (重点)."""

        note: str | None
        flag: str
        on: bool

    class EventCorrected(Event):
        """Supersedes fields of an earlier event of this project, or voids it. The earlier
        event stays in the log; views use the corrected facts from this one's record time."""

        note: str | None
        target: int
        changes: dict[str, Any]
        void: bool
        reason: str

    def _remember(self, event: Any) -> None:
        # The event's own attributes serve as the fact's fields (envelope included): events
        # are frozen, and a rebuild or an import makes a great many of them.
        fields = vars(event)
        kind = type(event).__name__
        if kind == CORRECTION:
            self._corrections.append(Correction(
                seq=event.originator_version, target=fields["target"],
                changes=fields["changes"], void=fields["void"], reason=fields["reason"],
                recorded_at=event.timestamp, recorded_by=event.recorded_by))
            self._state = None
            return
        fact = Fact(event.originator_version, kind, event.occurred_on, event.timestamp,
                    event.recorded_by, fields)
        latest = self._facts[-1].occurred_on if self._facts else None
        self._facts.append(fact)
        if self._state is not None and not self._corrections and latest is not None \
                and fact.occurred_on >= latest:
            apply_fact(self._state, fact)  # in business order already: fold one step more
        else:
            self._state = None

    # -- reading -------------------------------------------------------------------

    @property
    def facts(self) -> list[Fact]:
        """The facts as they now stand, corrections applied (do not change the list)."""
        if not self._corrections:
            return self._facts
        return effective_facts(self._facts, self._corrections)

    @property
    def voided_seqs(self) -> set[int]:
        """The events voided by a correction."""
        return {c.target for c in self._corrections if c.void}

    @property
    def recorded_facts(self) -> list[Fact]:
        """Every fact as first recorded, in record order."""
        return list(self._facts)

    @property
    def state(self) -> ProjectState:
        if self._state is None:
            state = fold(self.facts)
            assert state is not None, "a project always has its contact"
            self._state = state
        return self._state

    @property
    def name(self) -> str:
        return self.state.name

    def facts_if(self, correction: Correction) -> list[Fact]:
        """The facts as they would stand with one more correction."""
        return effective_facts(self._facts, [*self._corrections, correction])

    def event_at(self, seq: int) -> Fact | None:
        """The fact recorded as event `seq` of this history, as first recorded."""
        return next((f for f in self._facts if f.seq == seq), None)

    # -- commands: the proposed fact must leave a valid history ---------------------------

    @classmethod
    def make_contact(cls, *, today: date, timestamp: datetime, id: UUID | None = None,
                     **fields: Any) -> Project:
        fields.setdefault("note", None)
        fields.setdefault("date_inferred", False)
        fields.setdefault("short", None)
        fields.setdefault("merged_from", None)
        fields.setdefault("into_closed", None)
        limits = fields.pop("guards", None)
        zone = fields.pop("zone", None)
        closed = zone.closed_on(fields["occurred_on"]) if zone is not None else None
        if closed is not None and not fields["into_closed"]:
            raise errors.PeriodIsClosed(name=fields["name"], value=fields["occurred_on"],
                                        period=closed[0], reason=closed[3])
        proposed = Fact(seq=1, event=CONTACT, occurred_on=fields["occurred_on"],
                        recorded_at=timestamp, recorded_by=fields["recorded_by"], fields=fields)
        tolerated = rules.refuse_new([], [proposed], today, known=[])  # nothing before it
        if limits is not None:
            found = guards.slip(None, None, CONTACT, fields, limits)
            if found is not None:
                raise found
        project = cls(id=id or project_id(fields["name"]), timestamp=timestamp, rules=RULES,
                      **fields)
        project._known = ((project.version, today), tolerated)  # for the facts that follow
        return project

    def log_visit(self, *, kind: str, visit_id: UUID, projects: list[str],
                  participants: str | None, project_ids: list[str] | None = None,
                  **common: Any) -> None:
        self._record(self.VisitLogged, kind=kind, visit_id=visit_id, projects=projects,
                     participants=participants, project_ids=project_ids, **common)

    def sign_framework(self, *, amount: Decimal | None, **common: Any) -> None:
        self._record(self.FrameworkAgreementSigned, amount=amount, **common)

    def sign_contract(self, *, amount: Decimal, **common: Any) -> None:
        self._record(self.ContractSigned, amount=amount, **common)

    def transfer_land(self, *, mu: Decimal, parcel: str | None, price: Decimal | None,
                      **common: Any) -> None:
        self._record(self.LandTransferred, mu=mu, parcel=parcel, price=price, **common)

    def receive_capital(self, *, amount: Decimal, **common: Any) -> None:
        self._record(self.CapitalArrived, amount=amount, **common)

    def drop(self, *, reason: str, **common: Any) -> None:
        self._record(self.ProjectDropped, reason=reason, **common)

    def reopen(self, **common: Any) -> None:
        self._record(self.ProjectReopened, **common)

    def start(self, **common: Any) -> None:
        self._record(self.ConstructionStarted, **common)

    def produce(self, **common: Any) -> None:
        self._record(self.ProductionStarted, **common)

    def commit(self, *, start_by: date | None, produce_by: date | None,
               invest: Decimal | None, invest_by: date | None, **common: Any) -> None:
        if start_by is None and produce_by is None and invest is None:
            raise errors.EmptyCommitment(name=self.state.name)
        if (invest is None) != (invest_by is None):
            raise errors.InvestWithoutDate(name=self.state.name)
        self._record(self.CommitmentMade, start_by=start_by, produce_by=produce_by,
                     invest=invest, invest_by=invest_by, **common)

    def hand_over(self, *, owner: str, **common: Any) -> None:
        if owner == self.state.owner:
            raise errors.SameOwner(name=self.state.name, owner=owner)
        self._record(self.OwnerChanged, owner=owner, **common)

    def rename(self, *, name: str, **common: Any) -> None:
        if name_key(name) == name_key(self.state.name) and name == self.state.name:
            raise errors.SameName(name=name)
        self._record(self.ProjectRenamed, name=name, **common)

    def void(self, *, reason: str, merged_into: str | None = None, **common: Any) -> None:
        self._record(self.ProjectVoided, reason=reason, merged_into=merged_into, **common)

    def absorb(self, duplicate: Project, *, merged_from: str, today: date,
               timestamp: datetime, recorded_by: str) -> int:
        """Take over the duplicate's facts (all but its contact, and visits this project
        already has), each at its own business date, checked as one history."""
        have = {f.get("visit_id") for f in self.facts if f.event == VISIT}
        moved = 0
        with self.together(today):
            for fact in business_order(duplicate.facts):
                if fact.event in (CONTACT, *TIMELESS) or (fact.event == VISIT
                                                          and fact.get("visit_id") in have):
                    continue
                fields = {k: v for k, v in fact.fields.items() if k in _COPIED[fact.event]}
                if fact.event == VISIT:
                    ids = fields.get("project_ids") or []
                    fields["project_ids"] = [self.id.hex if i == duplicate.id.hex else i
                                             for i in ids] or [self.id.hex]
                self._record(getattr(self, fact.event), occurred_on=fact.occurred_on,
                             today=today, timestamp=timestamp, recorded_by=recorded_by,
                             merged_from=merged_from, note=fact.get("note"), **fields)
                moved += 1
        return moved

    def flag(self, *, flag: str, on: bool, **common: Any) -> None:
        if (flag in self.state.flags) == on:
            raise errors.FlagUnchanged(name=self.state.name, flag=flag, on=on)
        self._record(self.ProjectFlagged, flag=flag, on=on, **common)

    def correct(self, *, target: int, changes: dict[str, Any], void: bool, reason: str,
                today: date, timestamp: datetime, **common: Any) -> None:
        """Supersede event `target`'s fields (a business date, an amount, a kind …) or void
        it, provided the corrected history breaks no rule the history did not already."""
        name = self.state.name
        original = self.event_at(target)
        if original is None:
            corrected = next((c.target for c in self._corrections if c.seq == target), None)
            if corrected is not None:
                raise errors.CorrectionOfCorrection(name=name, position=target, target=corrected)
            raise errors.NoSuchEvent(name=name, position=target, count=self.version)
        if not void and not changes:
            raise errors.NothingToCorrect(name=name, position=target)
        if void and original.event == CONTACT:
            raise errors.ContactCannotBeVoided(name=name)
        allowed = (*CORRECTABLE[original.event], "occurred_on", "note")
        for field in changes:
            if field not in allowed:
                raise errors.NotCorrectable(event=original.event, field=field,
                                            allowed=", ".join(allowed))
        proposal = Correction(seq=self.version + 1, target=target, changes=changes, void=void,
                              reason=reason, recorded_at=timestamp,
                              recorded_by=common["recorded_by"])
        if not self._together:
            rules.refuse_new(self.facts, self.facts_if(proposal), today,
                             known=self._violations(today))
        common.setdefault("note", None)
        common.setdefault("merged_from", None)
        common.setdefault("into_closed", None)
        self._refuse_closed(original.occurred_on, common["into_closed"])
        if "occurred_on" in changes:
            self._refuse_closed(changes["occurred_on"], common["into_closed"])
        self.trigger_event(self.EventCorrected, timestamp=timestamp, rules=RULES, target=target,
                           changes=changes, void=void, reason=reason, **common)

    def _record(self, event_class: type, *, today: date, timestamp: datetime,
                **fields: Any) -> None:
        fields.setdefault("note", None)
        fields.setdefault("merged_from", None)
        fields.setdefault("into_closed", None)
        self._refuse_closed(fields["occurred_on"], fields["into_closed"])
        if self._together:  # checked when the facts proposed together are all in
            if self._guards is not None and self._slip is None:  # said after the rules
                self._slip = guards.slip(self.state, self.facts, event_class.__name__, fields,
                                         self._guards)
            self.trigger_event(event_class, timestamp=timestamp, rules=RULES, **fields)
            return
        proposed = Fact(seq=self.version + 1, event=event_class.__name__,
                        occurred_on=fields["occurred_on"], recorded_at=timestamp,
                        recorded_by=fields["recorded_by"], fields=fields)
        facts = self.facts
        after = rules.refuse_new(facts, [*facts, proposed], today, known=self._violations(today))
        self._guard(event_class.__name__, fields)  # the rules first: a guard is a doubt
        self.trigger_event(event_class, timestamp=timestamp, rules=RULES, **fields)
        self._known = ((self.version, today), after)  # what the history now breaks, if anything

    def _guard(self, event: str, fields: dict[str, Any]) -> None:
        if self._guards is not None:
            found = guards.slip(self.state, self.facts, event, fields, self._guards)
            if found is not None:
                raise found

    def guarded(self, limits: dict[str, Decimal] | None, zone: Any = None) -> Project:
        """Hold the next facts to the zone's guards (None: recorded as confirmed) and its
        closed periods."""
        self._guards = limits
        self._closed = zone
        return self

    def _refuse_closed(self, on: date, into_closed: str | None) -> None:
        closed = self._closed.closed_on(on) if self._closed is not None else None
        if closed is not None and not into_closed:
            raise errors.PeriodIsClosed(name=self.state.name, value=on, period=closed[0],
                                        reason=closed[3])

    @contextmanager
    def together(self, today: date) -> Iterator[None]:
        """Facts proposed together (a ledger row's contact, agreement, signing, land and
        capital) are checked once, on the history they make: the same rules, refused at the
        same fact, without working out the history again after each of them."""
        before, known = list(self.facts), self._violations(today)
        self._together, self._slip = True, None
        try:
            yield
        finally:
            self._together = False
        after = rules.refuse_new(before, self.facts, today, known=known)
        self._known = ((self.version, today), after)
        if self._slip is not None:
            raise self._slip

    def _violations(self, today: date) -> list[errors.RuleViolation]:
        """The rules the history as it stands already breaks (under earlier rules, or not at
        all): worked out once a version, as a ledger import asks for each of its facts."""
        key = (self.version, today)
        if self._known is not None and self._known[0][0] == self.version:
            if self._known[0][1] != today:  # the same history on another day
                self._known = (key, rules.as_of(self._known[1], self.facts, today))
        elif self._walked is not None and self._walked[0] == self.version:
            self._known = (key, rules.as_of(self._walked[1].lasting, self.facts, today))
        else:
            self._known = (key, rules.violations(business_order(self.facts), today))
        return self._known[1]

    def violations_on(self, today: date) -> list[errors.RuleViolation]:
        """What the history as it stands breaks on `today` (worked out once a version)."""
        return self._violations(today)

    def refuse_next(self, fact: Fact, today: date) -> rules.Pass | None:
        """Refuse `fact`, as the next event of this history, as a command would (the whole
        history with it held to the rules, what it already broke tolerated). Returns where
        the rules' pass over the history with it ended, for `went_on` once the event is
        applied: a log read back checks each event so, going on from there."""
        walked = self._walked[1] if self._walked is not None \
            and self._walked[0] == self.version else None
        return rules.refuse_next(self.facts, fact, today, walked)

    def went_on(self, walked: rules.Pass | None) -> None:
        """Where the rules' pass over the history, with the event just applied, ended (as
        `refuse_next` returned it before the event was applied)."""
        self._walked = (self.version, walked) if walked is not None else None


#: The fields of each kind of fact a merge copies (the envelope is the new event's own).
_COPIED = {
    VISIT: ("kind", "visit_id", "projects", "participants", "project_ids"),
    AGREEMENT: ("amount",), SIGNING: ("amount",), LAND_TRANSFER: ("mu", "parcel", "price"),
    CAPITAL_ARRIVAL: ("amount",), DROP: ("reason",), REOPEN: (), FLAGGED: ("flag", "on"),
    STARTED_WORK: (), PRODUCTION: (), COMMITMENT: ("start_by", "produce_by", "invest", "invest_by"),
    HANDOVER: ("owner",),
}
