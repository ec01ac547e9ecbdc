"""The use cases of the log: load the project, call it, save what it decided.

A writer that loses a race with another writer (the store refuses its events because the
project moved on) reloads the project and tries again, a bounded number of times."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, get_topic

from crm.app import clock
from crm.app.errors import ConcurrentChange, ProjectNotFound
from crm.domain import errors
from crm.domain.project import Project
from crm.domain.values import name_key, project_id
from crm.store import transcoding
from crm.store.chain import stamp_time
from crm.store.config import DEFAULT_STORE, describe, is_postgres, sqlalchemy_url, store_env

#: How many times a writer that lost a race reloads and tries again before giving up.
MAX_ATTEMPTS = 20
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic",
                       "occurred_on", "recorded_by"})
CONTACT_TOPIC = get_topic(Project.ContactMade)


class ProjectLog(Application):
    """The zone's log of investment work."""

    name = "crm"

    def __init__(self, store: str = DEFAULT_STORE, user: str = "unknown",
                 env: dict[str, str] | None = None):
        self.store = store
        self.user = user
        settings = {**store_env(store), **(env or {})}
        if is_postgres(store):
            from crm.store.postgres import prepared

            with prepared(store) as create_tables:
                settings["CREATE_TABLE"] = "yes" if create_tables else "no"
                super().__init__(settings)
        else:
            super().__init__(settings)

    def describe(self) -> str:
        """The store, as it may be shown (never a password)."""
        return describe(self.store)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Settings come from --store alone, never from stray variables in os.environ.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoding.register(transcoder)

    @property
    def read_models_url(self) -> Any:
        """Where this store's read models live."""
        return sqlalchemy_url(self.store)

    # -- reading ---------------------------------------------------------------------

    def get_project(self, name: str) -> Project:
        try:
            return self.repository.get(project_id(name))
        except AggregateNotFoundError:
            raise ProjectNotFound(name=name) from None

    def project_ids(self, page: int = 1000) -> Iterator[UUID]:
        """Every project's id, in the order they were contacted."""
        start = 0
        while True:
            notes = self.recorder.select_notifications(
                start, page, topics=[CONTACT_TOPIC], inclusive_of_start=False)
            for n in notes:
                yield n.originator_id
            if len(notes) < page:
                return
            start = notes[-1].id

    def projects(self) -> Iterator[Project]:
        for pid in self.project_ids():
            yield self.repository.get(pid)

    def history(self, name: str) -> list[dict[str, Any]]:
        """Every event of the project as recorded, oldest first: its position in the
        project's history, business date, record time (local), recorder and fields; a
        correction names the event it supersedes, and that event the corrections of it."""
        project = self.get_project(name)
        stamps = self.recorder.stamps_of(project.id)
        rows = []
        for event in self.events.get(project.id):
            fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
            stamp = stamps.get(event.originator_version)
            row = {
                "position": event.originator_version,
                "event": type(event).__name__,
                "occurred_on": event.occurred_on,
                "recorded_at": clock.local(stamp_time(stamp) if stamp else event.timestamp),
                "recorded_by": event.recorded_by,
                "note": fields.pop("note", None),
            }
            if "target" in fields:  # a correction
                row.update(supersedes=fields.pop("target"), void=fields.pop("void"),
                           reason=fields.pop("reason"), changes=fields.pop("changes"))
            rows.append({**row, **fields})
        for row in rows:
            if "supersedes" in row:
                rows[row["supersedes"] - 1].setdefault("superseded_by", []).append(row["position"])
        return rows

    # -- writing ---------------------------------------------------------------------

    def save(self, *objects: Any, **kwargs: Any) -> Any:
        """Save what the aggregates decided; each event recorded at its own timestamp (the
        store keeps record times from running backwards)."""
        kwargs.setdefault("stamps", [e.timestamp for o in objects if o is not None
                                     for e in o.pending_events])
        return super().save(*objects, **kwargs)

    def _common(self, occurred_on: date | None, note: str | None) -> dict[str, Any]:
        now = clock.now()
        today = clock.today()
        return {"occurred_on": occurred_on or today, "today": today, "timestamp": now,
                "recorded_by": self.user, "note": note}

    def contact(self, *, name: str, investor: str, sector: str, planned: Decimal,
                occurred_on: date | None = None, note: str | None = None,
                channel: str | None = None, region: str | None = None,
                owner: str | None = None, relocation: bool = False) -> Project:
        self._refuse_taken_name(name)
        project = Project.make_contact(
            name=name, investor=investor, sector=sector, planned=planned, channel=channel,
            region=region, owner=owner, relocation=relocation,
            **self._common(occurred_on, note))
        try:
            self.save(project)
        except IntegrityError:
            # Another process registered the same name between our check and our save.
            self._refuse_taken_name(name)
            raise
        return project

    def _refuse_taken_name(self, name: str) -> None:
        if self.recorder.select_events(project_id(name), limit=1):
            existing = self.repository.get(project_id(name)).name
            raise errors.DuplicateName(name=name, existing=existing)

    def log_visit(self, *, names: Sequence[str], kind: str, occurred_on: date | None = None,
                  participants: str | None = None, note: str | None = None) -> list[Project]:
        """One activity, however many projects it concerned: each project's history gets
        the visit, all saved together, sharing one visit id so counts see it once."""
        seen: set[str] = set()
        for name in names:
            if name_key(name) in seen:
                raise errors.DuplicateInVisit(name=name)
            seen.add(name_key(name))
        visit_id = uuid.uuid4()
        common = self._common(occurred_on, note)

        def visit(projects: list[Project]) -> None:
            everyone = [p.name for p in projects]
            for project in projects:
                project.log_visit(kind=kind, visit_id=visit_id, projects=everyone,
                                  participants=participants, **common)

        return self._change(names, visit)

    def agree(self, *, name: str, amount: Decimal, occurred_on: date | None = None,
              note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].sign_framework(amount=amount, **common))[0]

    def sign(self, *, name: str, amount: Decimal, occurred_on: date | None = None,
             note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].sign_contract(amount=amount, **common))[0]

    def transfer_land(self, *, name: str, mu: Decimal, parcel: str | None = None,
                      price: Decimal | None = None, occurred_on: date | None = None,
                      note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].transfer_land(
            mu=mu, parcel=parcel, price=price, **common))[0]

    def receive_capital(self, *, name: str, amount: Decimal, occurred_on: date | None = None,
                        note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].receive_capital(amount=amount, **common))[0]

    def drop(self, *, name: str, reason: str, occurred_on: date | None = None,
             note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].drop(reason=reason, **common))[0]

    def reopen(self, *, name: str, occurred_on: date | None = None,
               note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].reopen(**common))[0]

    def correct(self, *, name: str, position: int, changes: dict[str, Any] | None = None,
                void: bool = False, reason: str, note: str | None = None) -> list[Project]:
        """Supersede event `position` of the project's history (its fields, or the whole
        event with `void`). A visit shared by several projects is corrected in each of
        their histories, in one save, so it stays one activity."""
        changes = dict(changes or {})
        common = self._common(None, note)
        target = self.get_project(name).event_at(position)
        names = [name]
        if target is not None and target.event == "VisitLogged":
            names = [name, *(n for n in target.get("projects", []) if name_key(n) != name_key(name))]

        def decide(projects: list[Project]) -> None:
            first = projects[0]
            visit_id = target.get("visit_id") if target is not None else None
            for project in projects:
                seq = position if project is first else next(
                    (f.seq for f in project.recorded_facts if f.get("visit_id") == visit_id), None)
                if seq is not None:
                    project.correct(target=seq, changes=changes, void=void, reason=reason,
                                    **common)

        return self._change(names, decide)

    def _change(self, names: Sequence[str],
                decide: Callable[[list[Project]], None]) -> list[Project]:
        """Load, decide, save; on losing a race to another writer, start again (after a short
        random pause, so that racing writers spread out)."""
        for attempt in range(MAX_ATTEMPTS):
            projects = [self.get_project(name) for name in names]
            decide(projects)
            try:
                self.save(*projects)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
            return projects
        raise ConcurrentChange(name=", ".join(names), attempts=MAX_ATTEMPTS)
