"""A whole log as JSON lines: written out with every event's fields as stored and its place
in the hash chain, and read back into an empty store — every line checked first (its
structure, types, limits, names, what it refers to, and the rules as they stood when it was
recorded), then stored whole, in one transaction, with the very same bytes and chain, so
heads printed from the original verify against the copy."""
from __future__ import annotations

import json
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from dataclasses import fields as fields_of
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from crm.app import clock, collector
from crm.app.errors import ImportProblems, TargetNotEmpty
from crm.domain import errors
from crm.domain.facts import (
    CAPITAL_ARRIVAL,
    CONTACT,
    CORRECTION,
    RENAMED,
    SIGNING,
    VISIT,
    VOIDED,
    Correction,
    Fact,
)
from crm.domain.names import NameClaim, slot_id
from crm.domain.project import Project
from crm.domain.rules import CORRECTABLE, Pass, refuse_legacy, refuse_new, rules_of
from crm.domain.settings import ZONE_ID, check_stored
from crm.domain.values import VISIT_KINDS, name_key
from crm.domain.zone import Zone
from crm.store import transcoding
from crm.store.chain import ChainRow, StoredRow, link_of, stamp_text
from crm.text import parsing
from crm.text.messages import error_message
from crm.text.tables import plain

#: What a line says of the event besides its stored fields.
ENVELOPE = ("position", "project", "project_id", "version", "event", "recorded_at", "chain")
_EVENTS = {cls.__name__: cls for cls in (
    Project.ContactMade, Project.VisitLogged, Project.FrameworkAgreementSigned,
    Project.ContractSigned, Project.LandTransferred, Project.CapitalArrived,
    Project.ProjectDropped, Project.ProjectReopened, Project.EventCorrected,
    Project.ProjectFlagged, Project.ProjectRenamed, Project.ProjectVoided)}
#: A name's claim (a rename's, or a reused name's).
_CLAIM = get_topic(NameClaim.Claimed)
#: The zone's events (its settings), by name.
_ZONE_EVENTS = {cls.__name__: cls for cls in (Zone.Started, Zone.SettingChanged)}
_ZONE = ZONE_ID.hex
#: The projects kept in memory while a log is read back; others are read again from what
#: the import has stored so far, so memory does not grow with the log.
KEPT_PROJECTS = 2000
BATCH = 1000


def export_events(app: Any) -> Iterator[str]:
    """Every chained event, in chain order, one JSON object a line: its chain position,
    project (name and id), version, event, record time, its stored fields as stored (not
    upcast), and its chain row, so that importing the line stores the very same event."""
    decode = app.mapper.transcoder.decode
    names: dict[str, str] = {}
    for event, chain in app.recorder.chained():
        fields = decode(bytes(event.state))
        kind = event.topic.rsplit(".", 1)[-1]
        pid = event.originator_id.hex if isinstance(event.originator_id, uuid.UUID) else \
            uuid.UUID(str(event.originator_id)).hex
        if kind == CONTACT:
            names[pid] = fields["name"]
        recorded_at = fields.pop("timestamp")
        fields.pop("originator_topic", None)
        line = {"position": chain.position, "project": names.get(pid, pid), "project_id": pid,
                "version": event.originator_version, "event": kind, "recorded_at": recorded_at,
                **fields,
                "chain": {"format": chain.format, "stamped_at": chain.stamped_at,
                          "stamped_by": chain.stamped_by, "link": chain.link.hex()}}
        yield json.dumps(plain(line), ensure_ascii=False)


class BadLine(ValueError):
    """A line that cannot be an event of this log, in words."""


@dataclass
class _Reading:
    """Where a reading of the file has got to."""

    file: str
    problems: list[str]
    #: How the store writes an event's state (`app.mapper.transcoder.encode`, made once).
    encode: Callable[[Any], bytes]
    #: Projects with a refused line: their later lines are checked for what they are,
    #: not against a history that lacks the refused event.
    broken: set[str] = field(default_factory=set)
    #: Projects a visit names before their contact: (line, name) by name key.
    unresolved: dict[str, tuple[int, str]] = field(default_factory=dict)
    previous: bytes = bytes(32)
    position: int = 0
    floor: str = ""
    count: int = 0


def import_events(app: Any, path: Path,
                  progress: Callable[[int], None] | None = None) -> tuple[int, str | None]:
    """Read an exported log into this empty store: all of it, or nothing. Returns how many
    events were stored and the head they verify to."""
    from crm.app import audit

    held = app.recorder.max_notification_id() or 0
    if held:
        raise TargetNotEmpty(store=app.describe(), events=held)
    reading = _Reading(path.name, [], transcoding.encoder(app.mapper.transcoder))

    def produce(tx: Any) -> Iterator[list[tuple[StoredEvent, ChainRow]]]:
        projects: OrderedDict[str, Project] = OrderedDict()
        names: dict[str, str] = {}  # name key -> project id
        zone = {"version": 0}
        batch: list[tuple[StoredEvent, ChainRow]] = []
        with path.open(encoding="utf-8", errors="strict") as f:
            for number, text in enumerate(_lines(f, reading), start=1):
                if not text or text.isspace():
                    continue
                pid = None
                try:
                    try:  # `json.loads`, quickly for a line that is one object and its end
                        line, end = _decode(text)
                        if end != len(text) and text[end:] != "\n":
                            line = json.loads(text)  # more after it: as `json.loads` reads it
                    except json.JSONDecodeError:  # refused as `json.loads` words it (a BOM …)
                        line = json.loads(text)
                    if not isinstance(line, dict):
                        raise BadLine("a line is one JSON object")
                    pid = _project_id(line)
                    if pid == _ZONE:
                        pair = _zone_line(app, line, zone, reading)
                        if not reading.problems:
                            batch.append(pair)
                        continue
                    if line.get("event") == "Claimed":
                        pair = _claim_line(app, line, pid, reading)
                        if not reading.problems:
                            batch.append(pair)
                        continue
                    if pid in reading.broken:
                        _on_its_own(app, line)
                        continue
                    if pid not in projects and line.get("event") != CONTACT:
                        if batch:  # what it stored so far is what it reads back
                            yield batch
                            batch = []
                        _reload(app, tx, projects, pid)
                    pair = _checked(app, line, pid, projects, names, reading, number)
                except (BadLine, errors.CrmError, ValueError, TypeError, KeyError,
                        AttributeError, OverflowError, ArithmeticError) as e:
                    reading.problems.append(f"{reading.file}:{number}: {_said(e)}")
                    if pid is not None:
                        reading.broken.add(pid)
                    continue
                projects.move_to_end(pid)
                while len(projects) > KEPT_PROJECTS:
                    projects.popitem(last=False)
                if not reading.problems:
                    batch.append(pair)
                    if len(batch) >= BATCH:
                        yield batch
                        if progress:
                            progress(len(batch))
                        batch = []
        for key, (number, name) in sorted(reading.unresolved.items(), key=lambda i: i[1]):
            if key not in names:
                reading.problems.append(f"{reading.file}:{number}: the visit names no project "
                                        f"called {name!r}")
        reading.problems.sort(key=_line_of)
        if reading.problems:  # inside the transaction: nothing is stored
            raise ImportProblems(lines=reading.problems, summary="import_problems",
                                 count=len(reading.problems), file=reading.file)
        if batch:
            yield batch
            if progress:
                progress(len(batch))

    with collector.held_back(every=20_000):  # streamed: garbage still collected, less often
        written = app.recorder.insert_all(produce, links_checked=True)  # by `_chain`, line by line
    return written, audit.current_head(app.recorder)


def _line_of(problem: str) -> int:
    return int(problem.split(":", 2)[1])


def _lines(f: Any, reading: _Reading) -> Iterator[str | None]:
    """The file's lines; a line that is not UTF-8 is a problem of its own."""
    number = 0
    try:
        for text in f:
            number += 1
            yield text
    except UnicodeDecodeError:
        reading.problems.append(f"{reading.file}:{number + 1}: not UTF-8 text: export it again")


def _said(e: Exception) -> str:
    if isinstance(e, errors.CrmError):
        return error_message(e, "en")
    if isinstance(e, json.JSONDecodeError):
        return f"not JSON ({e.msg} at column {e.colno})"
    if isinstance(e, KeyError):
        return f"no {e.args[0]!r}: every line needs it"
    return str(e)


#: The JSON value a text begins with, and where it ends (what `json.loads` reads first).
_decode = json.JSONDecoder().raw_decode
#: A project's id, made once of its hex form however often the log names it.
_uuid = lru_cache(maxsize=8192)(uuid.UUID)
#: The key of a name a visit names, worked out once while it is named again and again.
_key = lru_cache(maxsize=8192)(name_key)


@lru_cache(maxsize=65536)
def _id_of(given: str) -> str:
    return uuid.UUID(given).hex


@lru_cache(maxsize=65536)
def _id_of_name(name: str) -> str:
    from crm.domain.values import project_id

    return project_id(name).hex


def _project_id(line: dict[str, Any]) -> str:
    """The project a line is of: its id, or (the first product's exports) its name's."""
    given = line.get("project_id")
    if given.__class__ is str and given:
        return _id_of(given)
    if given is not None:
        return _id_of(_text(given, "project_id"))
    return _id_of_name(_text(line["project"], "project"))


def _reload(app: Any, tx: Any, projects: OrderedDict[str, Project], pid: str) -> None:
    """A project no longer kept in memory, read back from what the import stored."""
    project = None
    for stored in tx.events_of(uuid.UUID(pid)):
        project = app.mapper.to_domain_event(stored).mutate(project)
    if project is not None:
        projects[pid] = project


def _on_its_own(app: Any, line: dict[str, Any]) -> None:
    """A line of a project with a refused line above: checked for what it holds alone."""
    cls = _EVENTS.get(line["event"]) if isinstance(line.get("event"), str) else None
    if cls is None:
        raise BadLine(f"{line.get('event')!r} is not an event of a project")
    _integer(line["version"], "version", low=1)
    _integer(line["position"], "position", low=1)
    app.mapper.transcoder.encode(_state(cls, line, _moment(line["recorded_at"])))


def _checked(app: Any, line: dict[str, Any], pid: str, projects: OrderedDict[str, Project],
             names: dict[str, str], reading: _Reading, number: int
             ) -> tuple[StoredEvent, ChainRow]:
    """The stored event and chain row a line describes, after every check."""
    kind = line["event"]
    cls = _EVENTS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise BadLine(f"{kind!r} is not an event of a project: one of {', '.join(_EVENTS)}")
    version = line["version"]  # (a whole number in range is taken as it is; `_integer` says why not)
    if version.__class__ is not int or not 0 < version < _BEYOND:
        version = _integer(version, "version", low=1)
    position = line["position"]
    if position.__class__ is not int or not 0 < position < _BEYOND:
        position = _integer(position, "position", low=1)
    project = projects.get(pid)
    expected = 1 if project is None else project.version + 1
    if version != expected or (kind == CONTACT) != (project is None):
        raise BadLine(f"event {version} of {line.get('project')!r} is out of order: expected "
                      f"event {expected}" + (" (its contact)" if project is None else ""))
    recorded_at = _moment(line["recorded_at"])
    state = _state(cls, line, recorded_at)
    if kind in (SIGNING, CAPITAL_ARRIVAL) and state.get("amount") is None:
        raise BadLine(f"a {kind} needs its amount")
    oid = _uuid(pid)
    stored = StoredEvent(originator_id=oid, originator_version=version,
                         topic=_TOPICS[cls], state=reading.encode(state))
    event = app.mapper.to_domain_event(stored) if "class_version" in state else \
        _event(cls, oid, version, state)
    recorded_on = clock.local(recorded_at).date()
    walked = None
    if kind == CONTACT:
        key = name_key(event.name)
        if key in names:
            raise BadLine(f"{event.name!r} is contacted twice: names are unique")
        names[key] = pid
    elif kind in (RENAMED, VOIDED):  # the name a project carries moves, or is freed
        assert project is not None
        if names.get(name_key(project.name)) == pid:
            del names[name_key(project.name)]
        if kind == RENAMED:
            names[name_key(event.name)] = pid
    else:
        _refer(event, kind, project, names, reading, number)
        walked = _obey(project, event, kind, recorded_on)
    chain = _chain(line, position, stored, reading, recorded_at, pid)
    projects[pid] = project = event.mutate(project)
    if walked is not None:
        project.went_on(walked)
    reading.count += 1
    return stored, chain


def _zone_line(app: Any, line: dict[str, Any], zone: dict[str, int], reading: _Reading
               ) -> tuple[StoredEvent, ChainRow]:
    """A line of the zone's settings: in order, and a value the zone would record."""
    kind = line["event"]
    cls = _ZONE_EVENTS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise BadLine(f"{kind!r} is not an event of the zone: one of {', '.join(_ZONE_EVENTS)}")
    version = _integer(line["version"], "version", low=1)
    position = _integer(line["position"], "position", low=1)
    if version != zone["version"] + 1 or (cls is Zone.Started) != (version == 1):
        raise BadLine(f"event {version} of the zone is out of order: expected event "
                      f"{zone['version'] + 1}")
    recorded_at = _moment(line["recorded_at"])
    state = _state(cls, line, recorded_at)
    if cls is Zone.SettingChanged:
        check_stored(state["key"], state["value"])
    stored = StoredEvent(originator_id=ZONE_ID, originator_version=version,
                         topic=get_topic(cls), state=reading.encode(state))
    chain = _chain(line, position, stored, reading, recorded_at, _ZONE)
    zone["version"] = version
    reading.count += 1
    return stored, chain


def _claim_line(app: Any, line: dict[str, Any], pid: str, reading: _Reading
                ) -> tuple[StoredEvent, ChainRow]:
    """A name's claim: at a slot of that very name, for a project."""
    version = _integer(line["version"], "version", low=1)
    position = _integer(line["position"], "position", low=1)
    if version != 1:
        raise BadLine("a name's claim is the one event of its slot")
    recorded_at = _moment(line["recorded_at"])
    state = _state(NameClaim.Claimed, line, recorded_at)
    name = parsing.parse_name(state["name"], "name")
    if not any(slot_id(name, n).hex == pid for n in range(1, 1001)):
        raise BadLine(f"the claim of {name!r} is not at one of that name's slots")
    stored = StoredEvent(originator_id=uuid.UUID(pid), originator_version=1,
                         topic=_CLAIM, state=reading.encode(state))
    chain = _chain(line, position, stored, reading, recorded_at, pid)
    reading.count += 1
    return stored, chain


def _event(cls: type, originator_id: uuid.UUID, version: int, state: dict[str, Any]) -> Any:
    """The domain event a state of the current class version stands for, as the library's
    mapper makes it (without reading back the bytes just written): the state, once
    written, becomes its attributes."""
    event = object.__new__(cls)
    state["originator_id"], state["originator_version"] = originator_id, version
    object.__setattr__(event, "__dict__", state)
    return event


_TOPICS = {cls: get_topic(cls) for cls in _EVENTS.values()}
#: Each event's stored fields, in the order the library writes them.
_ORDER = {cls: [f.name for f in fields_of(cls)
                if f.name not in ("originator_id", "originator_version")]
          for cls in (*_EVENTS.values(), *_ZONE_EVENTS.values(), NameClaim.Claimed)}


#: Fields events gained after the first product: a log written before them lacks them.
_ADDED_LATER = {"rules", "date_inferred", "short", "merged_from", "project_ids", "into_closed"}


def _state(cls: type, line: dict[str, Any], recorded_at: datetime) -> dict[str, Any]:
    """The event's stored state, keys in the order the library writes them, every value
    checked and typed."""
    shape = _shape(cls, tuple(line))
    state: dict[str, Any] = {"timestamp": recorded_at}
    topic = _ORIGINATOR_TOPICS.get(cls)
    if topic is not None:
        state["originator_topic"] = topic
    for k, remembered in shape.fields:
        v = line[k]
        # a value a log repeats (who recorded it, an investor, a date, a kind, the rules …)
        # is read once: the reading depends on nothing else
        state[k] = _READ_ONCE.get(v.__class__, _typed)(k, v) if remembered else _typed(k, v)
    if shape.missing:
        raise BadLine(f"{cls.__name__} needs {', '.join(shape.missing)}")
    if shape.order is not None:
        return {k: state[k] for k in shape.order}
    return state


class _Shape(NamedTuple):
    """What a line of one event class with one set of keys holds (see `_shape`)."""

    #: Its stored fields, in the line's order, and whether a text, null, number or flag
    #: there is read once (`_READ_ONCE`) or every time.
    fields: tuple[tuple[str, bool], ...]
    #: The required fields it lacks.
    missing: tuple[str, ...]
    #: The order the library writes the state in; None: the line's own order already.
    order: tuple[str, ...] | None


@lru_cache(maxsize=256)
def _shape(cls: type, keys: tuple[str, ...]) -> _Shape:
    """How a line of `cls` with these keys, in this order, is read: the check of unknown and
    missing fields, and the order of its stored fields, made once for all such lines."""
    order = _ORDER[cls]
    if not set(keys) <= _ALLOWED[cls]:
        unknown = set(keys) - set(ENVELOPE) - set(order) - {"class_version"}
        raise BadLine(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    given = [k for k in keys if k not in _IN_ENVELOPE]
    made = ["timestamp", *(["originator_topic"] if cls in _ORIGINATOR_TOPICS else [])]
    missing = tuple(k for k in _REQUIRED[cls] if k not in given and k not in made)
    stored = [k for k in order if k in made or k in given]
    if "class_version" in given:
        stored.append("class_version")
    return _Shape(tuple((k, k not in _UNIQUE) for k in given), missing,
                  None if [*made, *given] == stored else tuple(stored))


_IN_ENVELOPE = frozenset(ENVELOPE)
#: What a line of each event may hold: its envelope and its stored fields.
_ALLOWED = {cls: frozenset((*ENVELOPE, *order, "class_version")) for cls, order in _ORDER.items()}
#: The stored fields a line of each event must hold.
_REQUIRED = {cls: [k for k in order if k not in _ADDED_LATER] for cls, order in _ORDER.items()}
#: The topic of the aggregate an event creates, stored with it.
_ORIGINATOR_TOPICS = {Project.ContactMade: get_topic(Project), Zone.Started: get_topic(Zone),
                      NameClaim.Claimed: get_topic(NameClaim)}
#: Fields whose values seldom repeat: not worth remembering.
_UNIQUE = frozenset({"visit_id", "amount", "planned", "price", "name"})


def _refer(event: Any, kind: str, project: Project, names: dict[str, str],
           reading: _Reading, number: int) -> None:
    """What an event names must exist: a visit's projects (each contacted somewhere in the
    log: the first product stored a shared visit's copies with the contacts of the same
    save, in either order), a correction's event."""
    if kind == VISIT:
        named = event.projects
        if len(named) == 1:  # the usual visit, to its own project alone
            key = _key(named[0])
            if key != _key(project.name):
                raise BadLine("the visit does not name its own project")
            if key not in names:
                reading.unresolved.setdefault(key, (number, named[0]))
            return
        keys = [_key(n) for n in named]
        if _key(project.name) not in keys:
            raise BadLine("the visit does not name its own project")
        for key, name in zip(keys, named, strict=True):
            if key not in names:
                reading.unresolved.setdefault(key, (number, name))
    if kind == CORRECTION:
        original = project.event_at(event.target)
        if original is None:
            raise BadLine(f"event {event.target} of {project.name!r}, which it corrects, "
                          f"does not exist (or is itself a correction)")
        allowed = (*CORRECTABLE[original.event], "occurred_on", "note")
        wrong = [k for k in event.changes if k not in allowed]
        if wrong or (event.void and original.event == CONTACT):
            raise BadLine(f"a {original.event} cannot be corrected that way "
                          f"({', '.join(wrong) or 'void'})")


def _obey(project: Project, event: Any, kind: str, recorded_on: date) -> Pass | None:
    """The rules as they stood when the event was recorded. Returns, when it was worked out,
    where the rules' pass over the history with the event ended: the project's next event
    goes on from there rather than through the whole history again."""
    fields = vars(event)
    if kind == CORRECTION:
        proposal = Correction(seq=event.originator_version, target=event.target,
                              changes=event.changes, void=event.void, reason=event.reason,
                              recorded_at=event.timestamp, recorded_by=event.recorded_by)
        refuse_new(project.facts, project.facts_if(proposal), recorded_on,
                   known=project.violations_on(recorded_on))
        return None
    fact = Fact(event.originator_version, kind, event.occurred_on, event.timestamp,
                event.recorded_by, fields)
    if rules_of(fact) >= 2:
        return project.refuse_next(fact, recorded_on)
    refuse_legacy(project.facts, fact, recorded_on)
    return None


def _chain(line: dict[str, Any], position: int, stored: StoredEvent, reading: _Reading,
           recorded_at: datetime, id_text: str) -> ChainRow:
    """The event's chain row, its link recomputed and held to the one the line states
    (`id_text`: the event's originator id as the store keeps it, 32 hex digits)."""
    given = line.get("chain")
    if given is None:  # an export of the first product: format 1, record times derived
        chain_format, stamped_at, stamped_by, link = 1, None, "", None
    else:
        if not isinstance(given, dict):
            raise BadLine("'chain' is an object")
        chain_format = given.get("format")
        if chain_format != 2 or chain_format.__class__ is not int:
            chain_format = _integer(chain_format, "chain format", low=1, high=2)
        stamped_at, stamped_by = given.get("stamped_at"), given.get("stamped_by", "")
        if stamped_by.__class__ is not str:
            stamped_by = _text(stamped_by, "stamped_by", empty=True)
        link = given.get("link")
    if chain_format == 1 or stamped_at is None:
        stamped_at = max(stamp_text(recorded_at), reading.floor)
    elif not (isinstance(stamped_at, str) and _STAMP.fullmatch(stamped_at)):
        stamped_at = stamp_text(_moment(stamped_at))  # not as the chain writes it: refused below
        raise BadLine(f"chain stamped_at {given.get('stamped_at')!r} is not a record time as "
                      f"the chain writes it (UTC, to the microsecond)")
    # Once a line is refused, the chain below it cannot be checked: it is not reported on.
    whole = not reading.problems
    if whole and stamped_at < reading.floor:
        raise BadLine(f"recorded at {stamped_at}, before the event above it ({reading.floor})")
    if whole and (position <= reading.position or (
            chain_format == 2 and reading.position and position != reading.position + 1)):
        raise BadLine(f"chain position {position} does not follow {reading.position}: "
                      f"lines were left out or moved")
    row = StoredRow(0, id_text, stored.originator_version, stored.topic, stored.state)
    chain = ChainRow(position, b"", 0, stamped_at, stamped_by or "", chain_format)
    computed = link_of(reading.previous, row, chain)
    if whole and link is not None and computed.hex() != link:
        raise BadLine("this event does not follow from the chain above it: the file was "
                      "edited, or lines were left out")
    reading.previous, reading.position, reading.floor = computed, position, stamped_at
    return ChainRow(position, computed, 0, stamped_at, stamped_by or "", chain_format)


# -- values -------------------------------------------------------------------------------


#: The first whole number too large for the store.
_BEYOND = 2 ** 63


def _integer(value: Any, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or \
            (high is not None and value > high) or value >= _BEYOND:
        raise BadLine(f"{what} {value!r} is not a whole number"
                      f" from {low}{f' to {high}' if high else ''}")
    return value


def _text(value: Any, what: str, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty):
        raise BadLine(f"{what} {value!r} is not text")
    return value


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise BadLine(f"record time {value!r} is not a timestamp")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise BadLine(f"record time {value!r} has no time zone")
    return moment


_AMOUNTS = ("planned", "amount", "price")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
_TEXTS = ("investor", "channel", "region", "owner", "note", "participants", "short", "merged_from",
          "merged_into", "into_closed", "parcel",
          "reason", "recorded_by")


def _amount(name: str, value: Any) -> Any:
    if value is None and name in ("price", "amount"):  # an agreement's may be unknown
        return None
    return parsing.parse_amount(_text(value, name), name)


def _kind(name: str, value: Any) -> str:
    if value not in VISIT_KINDS:
        raise BadLine(f"kind {value!r} is not a visit kind: one of {', '.join(VISIT_KINDS)}")
    return value


def _names(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise BadLine("projects is a list of project names")
    if len(value) == 1 and value[0].__class__ is str:
        return [_name(value[0], name)]
    return [_name(n, name) if type(n) is str else parsing.parse_name(n, name) for n in value]


#: A name a visit names, read once while it is named again and again.
_name = lru_cache(maxsize=8192)(parsing.parse_name)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadLine(f"{name} {value!r} is true or false")
    return value


def _changes(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadLine("changes is an object")
    return {k: _typed(k, v) for k, v in value.items()}


def _free_text(name: str, value: Any) -> str | None:
    if value is None and name not in ("reason", "recorded_by"):
        return None
    return parsing.parse_text(_text(value, name, empty=True), name) or \
        ("" if name == "recorded_by" else None)


#: How each field's value is read from its JSON form, held to what the command line accepts.
_READERS = {
    **{name: _amount for name in _AMOUNTS},
    "mu": lambda name, value: parsing.parse_area(_text(value, name), name),
    "occurred_on": lambda name, value: date.fromisoformat(_text(value, name)),
    "visit_id": lambda name, value: uuid.UUID(_text(value, name)),
    "name": lambda name, value: parsing.parse_name(value, name),
    # a sector as recorded: the zone's list was (or a member's CRM_SECTORS was) checked then
    "sector": lambda name, value: _free_text(name, _text(value, name)),
    "kind": _kind, "projects": _names, "relocation": _flag, "void": _flag,
    "date_inferred": _flag, "on": _flag, "flag": lambda name, value: _text(value, name),
    "key": lambda name, value: _text(value, name),
    "held_by": lambda name, value: uuid.UUID(_text(value, name)).hex,
    # (None: a visit recorded before visits named their projects by id)
    "project_ids": lambda name, value: None if value is None else
    [uuid.UUID(_text(v, name)).hex for v in value] if isinstance(value, list)
    else _text(value, name),
    "value": lambda name, value: value,  # checked with its key (`check_stored`)
    **{name: lambda name, value: _integer(value, name, low=1)
       for name in ("target", "rules", "class_version")},
    "changes": _changes,
    **{name: _free_text for name in _TEXTS},
}


def _typed(name: str, value: Any) -> Any:
    read = _READERS.get(name)
    if read is None:
        raise BadLine(f"unknown field {name!r}")
    return read(name, value)


#: `_typed` of a text or null, or of a number or flag, for the values a log repeats (who
#: recorded, an investor, a date, a kind, the rules …): the value it gives is immutable, a
#: refusal is not remembered, and a flag is not the number it equals (`typed`).
_typed_text = lru_cache(maxsize=8192)(_typed)
_typed_number = lru_cache(maxsize=1024, typed=True)(_typed)
#: How a value of each of those types is read.
_READ_ONCE = {str: _typed_text, type(None): _typed_text, int: _typed_number, bool: _typed_number}
