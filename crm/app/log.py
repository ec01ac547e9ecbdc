"""The use cases of the log: load the project, call it, save what it decided.

A writer that loses a race with another writer (the store refuses its events because the
project moved on) reloads the project and tries again, a bounded number of times."""
from __future__ import annotations

import itertools
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
from crm.domain.facts import RENAMED, VISIT, VOIDED
from crm.domain.naming import near, slot_id, squeezed
from crm.domain.project import Project
from crm.domain.settings import ZONE_ID, ZoneSettings
from crm.domain.values import name_key, project_id
from crm.store import transcoding
from crm.store.chain import stamp_time
from crm.store.config import (
    DEFAULT_STORE,
    READ,
    describe,
    is_postgres,
    opening_mode,
    sqlalchemy_url,
    store_env,
)

#: How many times a writer that lost a race reloads and tries again before giving up.
MAX_ATTEMPTS = 20
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic",
                       "occurred_on", "recorded_by"})
CONTACT_TOPIC = get_topic(Project.ContactMade)
RENAMED_TOPIC = get_topic(Project.ProjectRenamed)
VOIDED_TOPIC = get_topic(Project.ProjectVoided)


def _applied(aggregate: Any, events: Any) -> Any:
    """An aggregate with each of its stored events applied in turn: the library's
    `project_aggregate` (its public `projector_func`), less that function's assertion that
    each event is a `CanMutateProtocol`, an isinstance check against a runtime protocol
    that costs about 9 µs an event on Python 3.11 (a tenth of a write's time)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _refuse_environment(store: str, user: str) -> None:
    """What opening a store takes from the environment, refused in one line before anything
    is opened: who records, how long to wait for a lock, and the clock (CRM_NOW: a test's or
    a demo's, on SQLite only; a team's server stamps record times itself)."""
    import os

    from crm.store.config import USER_EXPECTED, unfit_user
    from crm.store.errors import ServerClock
    from crm.text.errors import InvalidValue

    if unfit_user(user):
        raise InvalidValue(option="--user", value=user, expected=USER_EXPECTED)
    timeout = os.environ.get("CRM_LOCK_TIMEOUT", "").strip()
    if timeout and not (timeout.isascii() and timeout.isdigit() and int(timeout) <= 86400):
        raise InvalidValue(option="CRM_LOCK_TIMEOUT", value=os.environ["CRM_LOCK_TIMEOUT"],
                           expected="a whole number of seconds up to 86400, e.g. 30")
    if is_postgres(store) and os.environ.get("CRM_NOW"):
        raise ServerClock(store=describe(store))
    clock.now()  # a CRM_NOW that is no moment is refused here, before the store is opened


class ProjectLog(Application):
    """The zone's log of investment work."""

    name = "crm"

    def __init__(self, store: str = DEFAULT_STORE, user: str = "unknown",
                 env: dict[str, str] | None = None):
        self.store = store
        self.user = user
        #: Record what a guard against slips would refuse (`--confirm`).
        self.confirm = False
        #: Why facts dated inside a closed period are recorded all the same
        #: (`--into-closed-period`); None: such facts are refused.
        self.into_closed: str | None = None
        #: The zone's settings as the write being decided read them, and their version.
        self._zone_seen: tuple[ZoneSettings, int] | None = None
        _refuse_environment(store, user)
        mode = opening_mode()
        settings = {**store_env(store, mode), **(env or {})}
        create_at = settings.pop("CRM_CREATE_AT", None)
        if is_postgres(store):
            from crm.store.postgres import prepared

            with prepared(store, must_exist=mode == READ) as create_tables:
                settings["CREATE_TABLE"] = "yes" if create_tables else "no"
                super().__init__(settings)
        else:
            super().__init__(settings)
        if create_at is not None:  # an SQLite store not there yet: made by its first write
            self.recorder.create_later(create_at, self.factory)

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

    def find(self, name: str, voided: bool = False) -> Project | None:
        """The live project that now carries this name (see `crm.domain.names`); with
        `voided`, a voided one too when no live one does (to undo its void)."""
        key = name_key(name)
        gone: Project | None = None
        for slot in itertools.count(1):
            try:
                found = self.load(slot_id(name, slot))
            except AggregateNotFoundError:
                return gone if voided else None
            if type(found).__name__ == "NameClaim":  # a rename's (crm.domain.names)
                found = self.load(found.project)
            if isinstance(found, Project) and name_key(found.name) == key:
                if not found.state.voided:
                    return found
                gone = gone or found
        return None  # pragma: no cover - the slots run out first

    def free_slot(self, name: str) -> UUID:
        """The first slot of this name no aggregate holds yet — refused when a slot on the
        way still carries the name (a writer that took it since we looked)."""
        for slot in itertools.count(1):
            candidate = slot_id(name, slot)
            if not self.recorder.select_events(candidate, limit=1):
                return candidate
            holder = self.load(candidate)
            if type(holder).__name__ == "NameClaim":
                holder = self.load(holder.project)
            if not holder.state.voided and name_key(holder.name) == name_key(name):
                raise errors.DuplicateName(name=name, existing=holder.name)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_project(self, name: str) -> Project:
        project = self.find(name)
        if project is None:
            raise ProjectNotFound(name=name, suggestions=self.near_names(name))
        return project

    def load(self, aggregate_id: UUID) -> Any:
        """An aggregate (a project, a name's claim, the zone's settings) from its stored
        events; AggregateNotFoundError when it has none."""
        return self.repository.get(aggregate_id, projector_func=_applied)

    def near_names(self, name: str, n: int = 3) -> str:
        """The names nearest to one that was not found ("did you mean …?"): spelling, a part
        of the name, or the same name without spaces and suffixes."""
        names = [name for _, name in self.current_names()]
        return "、".join(near(name, names, n))

    def current_names(self) -> Iterator[tuple[UUID, str]]:
        """Every live project's id and its name now (contacts, then renames; voided ones left
        out), read from those events alone, as the store reads them: a name is plain text,
        read from the stored state as written (`as_text`), no other field decoded."""
        names: dict[UUID, str] = {}
        for _, originator_id, topic, state in self.recorder.topic_rows(
                [CONTACT_TOPIC, RENAMED_TOPIC, VOIDED_TOPIC]):
            if topic == VOIDED_TOPIC:
                names.pop(originator_id, None)
            else:
                names[originator_id] = transcoding.as_text(state)["name"]
        yield from names.items()

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

    def project_names(self) -> Iterator[tuple[UUID, str]]:
        """Every project's id and name as contacted, in the order they were contacted (read
        from the contacts alone: no project is loaded)."""
        decode = self.mapper.transcoder.decode
        start = 0
        while True:
            notes = self.recorder.select_notifications(
                start, 1000, topics=[CONTACT_TOPIC], inclusive_of_start=False)
            for n in notes:
                yield n.originator_id, decode(n.state)["name"]
            if len(notes) < 1000:
                return
            start = notes[-1].id

    def projects(self) -> Iterator[Project]:
        for pid in self.project_ids():
            yield self.load(pid)

    def history(self, name: str) -> list[dict[str, Any]]:
        """Every event of the project as recorded, oldest first: its position in the
        project's history, business date, record time (local), recorder and fields; a
        correction names the event it supersedes, and that event the corrections of it."""
        project = self.find(name, voided=True) or self.get_project(name)
        stamps = self.recorder.stamps_of(project.id)
        rows = []
        for event in self.events.get(project.id):
            fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
            stamp, login = stamps.get(event.originator_version, (None, ""))
            row = {
                "position": event.originator_version,
                "event": type(event).__name__,
                "occurred_on": event.occurred_on,
                "recorded_at": clock.local(stamp_time(stamp) if stamp else event.timestamp),
                "recorded_by": event.recorded_by,  # the name the writer gave (--user)
                "login": login or None,  # the database login the server stamped, if any
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
                "recorded_by": self.user, "note": note, "into_closed": self.into_closed}

    def contact(self, *, name: str, investor: str, sector: str, planned: Decimal,
                occurred_on: date | None = None, note: str | None = None,
                channel: str | None = None, region: str | None = None,
                owner: str | None = None, relocation: bool = False,
                short: str | None = None) -> Project:
        self._refuse_look_alike(name)

        def attempt(_: int) -> tuple[list[Project], Project]:
            # Another process may register the name between our look and our save: then
            # the store refuses the slot, and the next look finds the name taken.
            self._refuse_taken_name(name)
            zone = self._read_zone()
            project = Project.make_contact(
                id=self.free_slot(name), guards=None if self.confirm else zone.guards,
                zone=zone, name=name, investor=investor, sector=sector, planned=planned,
                channel=channel, region=region, owner=owner, relocation=relocation,
                short=short, **self._common(occurred_on, note))
            return [project], project

        return self._until_saved(name, attempt)

    def _refuse_taken_name(self, name: str) -> None:
        existing = self.find(name)
        if existing is not None:
            raise errors.DuplicateName(name=name, existing=existing.name)

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
            ids = [p.id.hex for p in projects]
            for project in projects:
                project.log_visit(kind=kind, visit_id=visit_id, projects=everyone,
                                  participants=participants, project_ids=ids, **common)

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
        their histories, in one save, so it stays one activity; voiding a merge's void
        voids the facts it moved too; voiding a rename or a void needs the name free."""
        changes = dict(changes or {})
        common = self._common(None, note)
        project = self.find(name, voided=True)
        if project is None:
            self.get_project(name)  # not found: say so, with the nearest names
        assert project is not None
        target = project.event_at(position)
        others: list[UUID] = []
        if target is not None and target.event == VISIT:
            ids = target.get("project_ids") or [project_id(n).hex for n in target.get("projects", [])]
            others = [UUID(i) for i in ids if UUID(i) != project.id]
        merged_into = target.get("merged_into") if target is not None and void else None
        survivor = self.find(merged_into) if merged_into else None
        if target is not None and void and target.event in (RENAMED, VOIDED):
            self._refuse_back(project, position)

        def decide(projects: list[Project]) -> None:
            first = projects[0]
            visit_id = target.get("visit_id") if target is not None else None
            for p in projects:
                if p is first:
                    p.correct(target=position, changes=changes, void=void, reason=reason,
                              **common)
                elif survivor is not None and p.id == survivor.id:
                    mark = f"{first.id.hex}:{position}"
                    with p.together(common["today"]):  # the moved facts go as one
                        for f in p.recorded_facts:
                            if f.get("merged_from") == mark and f.seq not in p.voided_seqs:
                                p.correct(target=f.seq, changes={}, void=True, reason=reason,
                                          **common)
                else:
                    seq = next((f.seq for f in p.recorded_facts
                                if f.get("visit_id") == visit_id), None)
                    if seq is not None:
                        p.correct(target=seq, changes=changes, void=void, reason=reason,
                                  **common)

        ids = [project.id, *others, *([survivor.id] if survivor is not None else [])]
        return self._change_ids(ids, decide)

    def _refuse_back(self, project: Project, position: int) -> None:
        """Undoing a rename or a void gives the project back a name: it must be free."""
        facts = [f for f in project.facts if f.seq != position]
        renames = [f for f in facts if f.event == RENAMED]
        name = renames[-1].get("name") if renames else facts[0].get("name")
        holder = self.find(name)
        if holder is not None and holder.id != project.id:
            raise errors.DuplicateName(name=name, existing=holder.name)

    def _change_ids(self, ids: Sequence[UUID], decide: Callable[[list[Project]], None]
                    ) -> list[Project]:
        def attempt(_: int) -> tuple[list[Project], list[Project]]:
            zone = self._read_zone()
            projects = [self.load(pid).guarded(None, zone) for pid in ids]
            decide(projects)
            return projects, projects

        return self._until_saved(", ".join(str(i) for i in ids), attempt)

    def _until_saved(self, what: str, attempt: Callable[[int], tuple[Sequence[Any], Any]]) -> Any:
        """Load and decide (`attempt(n)` gives what to save and what to return), then save;
        on losing a race to another writer, start again (after a short random pause, so that
        racing writers spread out)."""
        for n in range(MAX_ATTEMPTS):
            self._zone_seen = None
            objects, result = attempt(n)
            if not objects:
                return result
            expect = {} if self._zone_seen is None else {"expect_zone": (ZONE_ID,
                                                                         self._zone_seen[1])}
            try:
                self.save(*objects, **expect)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (n + 1)))
                continue
            return result
        raise ConcurrentChange(name=what, attempts=MAX_ATTEMPTS)

    def start(self, *, name: str, occurred_on: date | None = None,
              note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].start(**common))[0]

    def produce(self, *, name: str, occurred_on: date | None = None,
                note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].produce(**common))[0]

    def commit(self, *, name: str, start_by: date | None = None, produce_by: date | None = None,
               invest: Decimal | None = None, invest_by: date | None = None,
               occurred_on: date | None = None, note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].commit(
            start_by=start_by, produce_by=produce_by, invest=invest, invest_by=invest_by,
            **common))[0]

    def hand_over(self, *, name: str, owner: str, occurred_on: date | None = None,
                  note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].hand_over(owner=owner, **common))[0]

    def rename(self, *, name: str, new: str, occurred_on: date | None = None,
               note: str | None = None) -> Project:
        """The project carries `new` from now on, in all business time; the name is claimed
        in the same transaction, so two writers cannot both take it."""
        def attempt(n: int) -> tuple[list[Any], Project]:
            project = self.get_project(name)
            taken = self.find(new)
            if taken is not None and taken.id != project.id:
                raise errors.DuplicateName(name=new, existing=taken.name)
            if n == 0:
                self._refuse_look_alike(new, itself=project.id)
            common = self._common(occurred_on, note)
            project.rename(name=new, **common)
            if self._slot_of(project, new) is not None:
                return [project], project
            from crm.domain.names import NameClaim

            claim = NameClaim.claim(slot=self.free_slot(new), name=new, project=project.id,
                                    recorded_by=self.user, timestamp=common["timestamp"])
            return [project, claim], project

        return self._until_saved(name, attempt)

    def _slot_of(self, project: Project, name: str) -> UUID | None:
        """A slot of `name` that already points at this project (its own contact's, or a
        claim it made before), if any."""
        for slot in itertools.count(1):
            try:
                found = self.load(slot_id(name, slot))
            except AggregateNotFoundError:
                return None
            target = found.project if type(found).__name__ == "NameClaim" else found.id
            if target == project.id:
                return found.id
        return None  # pragma: no cover

    def merge(self, *, duplicate: str, into: str, reason: str,
              note: str | None = None) -> tuple[Project, Project, int]:
        """The duplicate's facts become the survivor's (checked as the survivor's history:
        a rule they break together is refused, named), and the duplicate is voided as merged
        into it — all in one save. Voiding that void (`crm correct DUPLICATE N --void`)
        undoes the merge."""
        def attempt(_: int) -> tuple[list[Project], tuple[Project, Project, int]]:
            dup, survivor = self.get_project(duplicate), self.get_project(into)
            if dup.id == survivor.id:
                raise errors.SameName(name=into)
            common = self._common(None, note)
            dup.void(reason=reason, merged_into=survivor.name, **common)
            moved = survivor.absorb(dup, merged_from=f"{dup.id.hex}:{dup.version}",
                                    today=common["today"], timestamp=common["timestamp"],
                                    recorded_by=self.user)
            return [dup, survivor], (dup, survivor, moved)

        return self._until_saved(duplicate, attempt)

    def void(self, *, name: str, reason: str, note: str | None = None) -> Project:
        common = self._common(None, note)
        return self._change([name], lambda ps: ps[0].void(reason=reason, **common))[0]

    def flag(self, *, name: str, flag: str, on: bool, occurred_on: date | None = None,
             note: str | None = None) -> Project:
        common = self._common(occurred_on, note)
        return self._change([name], lambda ps: ps[0].flag(flag=flag, on=on, **common))[0]

    # -- the zone's settings -----------------------------------------------------------

    def zone(self) -> Any:
        """The zone's settings aggregate (crm.domain.zone.Zone), or None when none is set."""
        try:
            return self.load(ZONE_ID)
        except AggregateNotFoundError:
            return None

    def _read_zone(self) -> ZoneSettings:
        """The zone's settings this write decides under; the save then checks, in its
        transaction, that they did not change meanwhile (a period closed, a guard moved)."""
        zone = self.zone()
        settings = zone.settings if zone is not None else ZoneSettings()
        self._zone_seen = (settings, zone.version if zone is not None else 0)
        return settings

    def settings(self) -> ZoneSettings:
        """The zone's settings in force now (what every write checks against)."""
        zone = self.zone()
        return zone.settings if zone is not None else ZoneSettings()

    def close_period(self, label: str, reason: str, *, closed: bool = True) -> bool:
        """Close a reported period (a quarter's or a year's label), or open it again, with
        why; False when it already was so (nothing recorded)."""
        from crm.domain.settings import check

        key = f"closed.{label}"
        was = self.settings().values.get(key)
        if closed == bool(was and was.get("closed")):
            return False
        return self.change_setting(key, check(key, {"closed": closed, "reason": reason}))

    def change_setting(self, key: str, value: Any) -> bool:
        """Record one of the zone's settings; False when it already had that value."""
        from crm.domain.zone import Zone

        def attempt(_: int) -> tuple[list[Any], bool]:
            now = clock.now()
            zone = self.zone() or Zone.start(recorded_by=self.user, timestamp=now)
            if not zone.change(key=key, value=value, recorded_by=self.user, timestamp=now):
                return [], False
            return [zone], True

        return self._until_saved("zone", attempt)

    def sectors(self, seed: Sequence[str] | None = None) -> tuple[str, ...]:
        """The zone's sector list. A store with none recorded takes `seed` (a team member's
        CRM_SECTORS) as its setting, once, so that everyone sharing it sees one list."""
        settings = self.settings()
        if "sectors" not in settings.recorded and seed:
            self.change_setting("sectors", list(seed))
            return tuple(seed)
        return settings.sectors

    def guards(self) -> dict[str, Decimal] | None:
        """The zone's guards against slips, unless the command confirms what they refuse."""
        return None if self.confirm else self.settings().guards

    def _refuse_look_alike(self, name: str, itself: UUID | None = None) -> None:
        """A name that is an existing one typed differently (spaces, punctuation, 项目,
        有限公司): more likely the same project twice. Phases (一期, 二期) are different."""
        if self.confirm:
            return
        wanted, key = squeezed(name), name_key(name)
        for pid, existing in self.current_names():
            if pid != itself and name_key(existing) != key and squeezed(existing) == wanted:
                raise errors.LookAlikeName(name=name, existing=existing)

    def _change(self, names: Sequence[str],
                decide: Callable[[list[Project]], None]) -> list[Project]:
        """Load, decide, save; on losing a race to another writer, start again (after a short
        random pause, so that racing writers spread out)."""
        def attempt(_: int) -> tuple[list[Project], list[Project]]:
            zone = self._read_zone()
            limits = None if self.confirm else zone.guards
            projects = [self.get_project(name).guarded(limits, zone) for name in names]
            decide(projects)
            return projects, projects

        return self._until_saved(", ".join(names), attempt)
