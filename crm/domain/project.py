"""The Project aggregate: guards each rule of the log, then records the fact as an event."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from crm.domain import errors
from crm.domain.facts import (
    CONTACT,
    CORRECTABLE,
    CORRECTION,
    Correction,
    Fact,
    ProjectState,
    apply_fact,
    check_history,
    effective_facts,
    fold,
)
from crm.domain.values import DROPPED, project_id

#: Attributes every event has that are not among the fields a person recorded.


def _positive(field: str, value: Decimal) -> None:
    if value <= 0:
        raise errors.NonPositiveAmount(field=field, value=value)


class Project(Aggregate):
    """One investment project pursued with one investor."""

    def __init__(self) -> None:
        self._facts: list[Fact] = []
        self._corrections: list[Correction] = []
        self._state: ProjectState | None = None

    # -- events: past-tense business facts; applying one only changes state ------------

    class Event(Aggregate.Event):
        occurred_on: date
        recorded_by: str

        def apply(self, project: Project) -> None:
            project._remember(self)

    class ContactMade(Aggregate.Created):
        occurred_on: date
        recorded_by: str
        note: str | None
        name: str
        investor: str
        sector: str
        planned: Decimal
        channel: str | None
        region: str | None
        owner: str | None
        relocation: bool

        def apply(self, project: Project) -> None:
            project._remember(self)

    class VisitLogged(Event):
        note: str | None
        kind: str
        visit_id: UUID
        projects: list[str]
        participants: str | None

    class FrameworkAgreementSigned(Event):
        note: str | None
        amount: Decimal

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
        fact = Fact(seq=event.originator_version, event=kind, occurred_on=event.occurred_on,
                    recorded_at=event.timestamp, recorded_by=event.recorded_by, fields=fields)
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
        """The facts as they now stand, corrections applied."""
        return effective_facts(self._facts, self._corrections)

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

    # -- commands: guards first, then one event ----------------------------------------

    @classmethod
    def make_contact(cls, *, name: str, investor: str, sector: str, planned: Decimal,
                     occurred_on: date, today: date, recorded_by: str, timestamp: Any,
                     note: str | None = None, channel: str | None = None,
                     region: str | None = None, owner: str | None = None,
                     relocation: bool = False) -> Project:
        _positive("planned", planned)
        if occurred_on > today:
            raise errors.FutureDate(value=occurred_on, today=today)
        return cls._create(
            cls.ContactMade, id=project_id(name), timestamp=timestamp,
            occurred_on=occurred_on, recorded_by=recorded_by, note=note, name=name,
            investor=investor, sector=sector, planned=planned, channel=channel,
            region=region, owner=owner, relocation=relocation)

    def log_visit(self, *, kind: str, visit_id: UUID, projects: list[str],
                  participants: str | None, **common: Any) -> None:
        self._check(common)
        self._trigger(self.VisitLogged, kind=kind, visit_id=visit_id, projects=projects,
                      participants=participants, **common)

    def sign_framework(self, *, amount: Decimal, **common: Any) -> None:
        self._check(common)
        _positive("amount", amount)
        state = self.state
        if state.framework_date is not None:
            raise errors.AlreadyAgreed(name=state.name, agreed_on=state.framework_date)
        self._trigger(self.FrameworkAgreementSigned, amount=amount, **common)

    def sign_contract(self, *, amount: Decimal, **common: Any) -> None:
        self._check(common)
        _positive("amount", amount)
        state = self.state
        if state.signed_date is not None:
            raise errors.AlreadySigned(name=state.name, signed_on=state.signed_date)
        self._trigger(self.ContractSigned, amount=amount, **common)

    def transfer_land(self, *, mu: Decimal, parcel: str | None, price: Decimal | None,
                      **common: Any) -> None:
        self._check(common)
        if mu <= 0:
            raise errors.NonPositiveArea(value=mu)
        if price is not None:
            _positive("price", price)
        self._check_signed("land", common["occurred_on"])
        self._trigger(self.LandTransferred, mu=mu, parcel=parcel, price=price, **common)

    def receive_capital(self, *, amount: Decimal, **common: Any) -> None:
        self._check(common)
        _positive("amount", amount)
        self._check_signed("capital", common["occurred_on"])
        self._trigger(self.CapitalArrived, amount=amount, **common)

    def drop(self, *, reason: str, **common: Any) -> None:
        self._check(common)
        self._trigger(self.ProjectDropped, reason=reason, **common)

    def reopen(self, **common: Any) -> None:
        self._check(common, dropped_ok=True)
        state = self.state
        if state.stage != DROPPED:
            raise errors.NotDropped(name=state.name)
        if common["occurred_on"] < state.dropped_on:
            raise errors.ReopenBeforeDrop(name=state.name, value=common["occurred_on"],
                                          dropped_on=state.dropped_on)
        self._trigger(self.ProjectReopened, **common)

    # -- guards ----------------------------------------------------------------------

    def correct(self, *, target: int, changes: dict[str, Any], void: bool, reason: str,
                **common: Any) -> None:
        """Supersede event `target`'s fields (a business date, an amount, a kind …) or void
        it, provided the corrected history still obeys every rule of the log."""
        state = self.state
        original = next((f for f in self._facts if f.seq == target), None)
        if original is None:
            if any(c.seq == target for c in self._corrections):
                corrected = next(c.target for c in self._corrections if c.seq == target)
                raise errors.CorrectionOfCorrection(name=state.name, position=target,
                                                    target=corrected)
            raise errors.NoSuchEvent(name=state.name, position=target, count=self.version)
        if not void and not changes:
            raise errors.NothingToCorrect(name=state.name, position=target)
        if void and original.event == CONTACT:
            raise errors.ContactCannotBeVoided(name=state.name)
        allowed = (*CORRECTABLE[original.event], "occurred_on", "note")
        for field in changes:
            if field not in allowed:
                raise errors.NotCorrectable(event=original.event, field=field,
                                            allowed=", ".join(allowed))
        proposal = Correction(seq=self.version + 1, target=target, changes=changes, void=void,
                              reason=reason, recorded_at=common["timestamp"],
                              recorded_by=common["recorded_by"])
        check_history(effective_facts(self._facts, [*self._corrections, proposal]),
                      common["today"])
        self._trigger(self.EventCorrected, target=target, changes=changes, void=void,
                      reason=reason, **common)

    def event_at(self, seq: int) -> Fact | None:
        """The fact recorded as event `seq` of this history, as first recorded."""
        return next((f for f in self._facts if f.seq == seq), None)

    def _check(self, common: dict[str, Any], *, dropped_ok: bool = False) -> None:
        """The rules every fact about an existing project obeys."""
        state = self.state
        on: date = common["occurred_on"]
        if not dropped_ok and state.stage == DROPPED:
            raise errors.ProjectIsDropped(name=state.name, dropped_on=state.dropped_on)
        if on > common["today"]:
            raise errors.FutureDate(value=on, today=common["today"])
        if state.contact_date is not None and on < state.contact_date:
            raise errors.DateBeforeContact(name=state.name, value=on,
                                           contact_date=state.contact_date)

    def _check_signed(self, action: str, on: date) -> None:
        state = self.state
        if not state.is_signed:
            raise errors.NotSigned(name=state.name, action=action)
        if state.signed_date is not None and on < state.signed_date:
            raise errors.BeforeSigning(name=state.name, value=on, signed_on=state.signed_date)

    def _trigger(self, event_class: type, *, today: date, timestamp: Any,
                 **fields: Any) -> None:
        fields.setdefault("note", None)
        self.trigger_event(event_class, timestamp=timestamp, **fields)

