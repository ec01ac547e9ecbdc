"""A stored event as the read models' row of facts, and back as a fact of the one fold.

Rows are made from the event's stored fields read as text (`EventSource.fields`), not from
domain event objects: a rebuild reads a million of them. Events the quick way does not know
(an upcast class version, a correction) go through the library's mapper."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

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
    PROFILE_FIELDS,
    RENAMED,
    REOPEN,
    SIGNING,
    STARTED_WORK,
    VISIT,
    VOIDED,
    Fact,
    ProjectState,
)
from crm.domain.settings import FLAG, ZONE_TOPIC
from crm.domain.values import CAPITAL, NEGOTIATING, name_key, project_id

AMOUNT_EVENTS = frozenset({AGREEMENT, SIGNING, CAPITAL_ARRIVAL})
DEALS = frozenset({AGREEMENT, SIGNING})
_QUICK = frozenset({CONTACT, VISIT, LAND_TRANSFER, DROP, REOPEN, FLAGGED, RENAMED, VOIDED,
                    STARTED_WORK, PRODUCTION, COMMITMENT, HANDOVER, *AMOUNT_EVENTS})
_COMMITTED = ("start_by", "produce_by", "invest", "invest_by")
#: The exact decimals a quick event's row takes from its fields (read as text).
_EXACT = {CONTACT: ("planned",), AGREEMENT: ("amount",), SIGNING: ("amount",),
          CAPITAL_ARRIVAL: ("amount",), LAND_TRANSFER: ("mu",)}
#: The typed fields a quick event's row reads, by kind.
_TYPED = {kind: ("occurred_on", "timestamp", *_EXACT.get(kind, ())) for kind in _QUICK}
_TYPED[VISIT] = (*_TYPED[VISIT], "visit_id", "project_ids")
_TYPED[COMMITMENT] = (*_TYPED[COMMITMENT], *_COMMITTED)


class Stored(NamedTuple):
    """An event as the store keeps it: its log position, aggregate, version, topic, state;
    and when the log says it was recorded (UTC, ISO text), and where it stands in the chain."""

    position: int
    originator_id: Any
    version: int
    topic: str
    state: bytes
    stamped_at: str | None = None
    chain_position: int | None = None

    @property
    def recorded_at(self) -> datetime | None:
        return datetime.fromisoformat(self.stamped_at) if self.stamped_at else None


def _hex(originator_id: Any) -> str:
    """An id as the read models keep it: 32 lowercase hex digits."""
    if originator_id.__class__ is str and _is_hex(originator_id):  # as stored, nearly always
        return originator_id
    if isinstance(originator_id, UUID):
        return originator_id.hex
    text = str(originator_id)
    if len(text) == 32 and _HEX.fullmatch(text):
        return text.lower()
    return UUID(text).hex


_HEX = re.compile(r"[0-9a-fA-F]{32}")
_is_hex = re.compile(r"[0-9a-f]{32}").fullmatch


def _iso(moment: datetime | str) -> str:
    """A record time as the read models keep it: `datetime.isoformat` (a moment stamped
    with no fraction of a second shows none)."""
    if moment.__class__ is not str:
        return moment.isoformat()
    if moment[19:26] == ".000000":
        return moment[:19] + moment[26:]
    return moment


#: `json.dumps(value, ensure_ascii=False)`, with one encoder made once (`dumps` makes a new
#: encoder at every call given any option): the same text, for a million rows.
_dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def visit_data(participants: Any, note: Any, ids: list[str]) -> str:
    """`_dumps({"participants": participants, "note": note, "project_ids": ids})`, the very
    same text, put together from its parts: a rebuild writes one for every visit (nearly
    half the log), and the encoder's own set-up for each dict cost more than the rest of the
    row. The ids are the read models' 32 hex digits (`_hex`), which JSON writes as they are."""
    if not ids:
        return _dumps({"participants": participants, "note": note, "project_ids": ids})
    return ('{"participants": ' + ("null" if participants is None else _dumps(participants))
            + ', "note": ' + ("null" if note is None else _dumps(note))
            + ', "project_ids": ["' + '", "'.join(ids) + '"]}')


class FactRow(NamedTuple):
    """A stored event's row of facts as first recorded: the facts table's columns, and when
    and by whom it was recorded (which the fold and `--known-on` read). A tuple, not a dict:
    a rebuild makes a million of them and hands them to the driver a column at a time
    (`bulk.insert_tuples`); a catch-up, which corrects rows in place, takes `_asdict()`."""

    position: int
    project_id: str
    seq: int
    event: str
    occurred_on: date
    recorded_at: str
    recorded_by: str
    kind: str | None
    visit_id: str | None
    amount: Decimal | None
    mu: Decimal | None
    voided: bool
    counted: bool
    data: str | None


def fact_row(stored: Stored, fields: Callable[[bytes, Iterable[str]], dict[str, Any]],
             to_event: Callable[[Stored], Any]) -> FactRow:
    """The read model's row for one stored event, as first recorded. `fields` gives an
    event's stored fields with typed values as their text (the quick way); an event it does
    not know (an upcast class version, a correction) is read through the library's mapper."""
    event = stored.topic.rpartition(".")[2]
    typed = _TYPED.get(event)
    d = fields(bytes(stored.state), typed or ())
    if typed is None or "class_version" in d:
        d = dict(vars(to_event(stored)))
        occurred_on = d.get("occurred_on")
    else:
        occurred_on = d.get("occurred_on")
        if occurred_on is not None:
            occurred_on = date.fromisoformat(occurred_on)
        exact = _EXACT.get(event)
        if exact:
            for key in exact:
                text = d.get(key)
                d[key] = None if text is None else Decimal(text)
    recorded_at = _iso(stored.stamped_at or d["timestamp"])
    project_id = _hex(stored.originator_id)
    kind = visit_id = amount = mu = data = None
    counted = True
    if event == VISIT:
        kind = d["kind"]
        ids = visit_project_ids(d)
        data = visit_data(d.get("participants"), d.get("note"), ids)
        visit_id = _hex(d["visit_id"])
        counted = ids[0] == project_id
    elif event in AMOUNT_EVENTS:
        amount = d["amount"]
    elif event == CONTACT:
        amount = d["planned"]
        data = _dumps({**{k: d.get(k) for k in PROFILE_FIELDS}, "note": d.get("note")})
    elif event == LAND_TRANSFER:
        mu = d["mu"]
    elif event == CORRECTION:
        data = _dumps({"target": d["target"], "void": d["void"],
                       "reason": d["reason"], "changes": _plain(d["changes"])})
    elif event == DROP:
        data = _dumps({"reason": d["reason"]})
    elif event == FLAGGED:
        data = _dumps({"flag": d["flag"], "on": d["on"]})
    elif event == RENAMED:
        data = _dumps({"name": d["name"]})
    elif event == COMMITMENT:
        data = _dumps({k: None if d.get(k) is None else str(d[k]) for k in _COMMITTED})
    elif event == HANDOVER:
        data = _dumps({"owner": d["owner"]})
    elif event == VOIDED:
        data = _dumps({"reason": d["reason"], "merged_into": d.get("merged_into")})
        counted = False
    return FactRow(stored.position, project_id, stored.version, event,
                   occurred_on or date.fromisoformat(recorded_at[:10]), recorded_at,
                   d["recorded_by"], kind, visit_id, amount, mu, False, counted, data)


def is_zone(stored: Stored) -> bool:
    return stored.topic.startswith(ZONE_TOPIC)


#: The topic of a name's claim (crm.domain.names): the store's, not the read models', concern.
CLAIM_TOPIC = "crm.domain.names:NameClaim"
#: The topics of the log's events that are no project's (a zone's, a name's claim): what
#: `str.startswith` tells apart from a project's event in one call.
NOT_PROJECTS = (ZONE_TOPIC, CLAIM_TOPIC)


def setting_row(stored: Stored, decode: Callable[[bytes], dict[str, Any]]) -> dict[str, Any]:
    """A zone event as a row of settings (`key` None for the zone's start)."""
    d = decode(bytes(stored.state))
    return {"position": stored.position, "key": d.get("key"),
            "value": _dumps(d.get("value")),
            "recorded_at": _iso(stored.stamped_at or d["timestamp"])}


def visit_project_ids(d: dict[str, Any]) -> list[str]:
    """The projects a visit names, by id (as recorded; the first product's visits named them
    by name alone, and a project's id then followed from its name)."""
    ids = d.get("project_ids")
    if ids:
        return [_hex(i) for i in ids]
    return [_id_of_name(n) for n in d["projects"]]


@lru_cache(maxsize=4_096)  # bounded: memory must not grow with the log
def _id_of_name(name: str) -> str:
    """A project's id from its name as a visit recorded it (a project has many visits)."""
    return project_id(name).hex


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, (Decimal, date)) else v) for k, v in changes.items()}


def correct_row(row: dict[str, Any], correction: dict[str, Any]) -> None:
    """Apply a correction's changes (or void) to the target's row, in place."""
    if correction["void"]:
        row["voided"] = True
        return
    for key, value in correction["changes"].items():
        if key == "occurred_on":
            row["occurred_on"] = date.fromisoformat(value)
        elif key in ("amount", "planned"):
            row["amount"] = Decimal(value)
        elif key == "mu":
            row["mu"] = Decimal(value)
        elif key == "kind":
            row["kind"] = value
        elif key in PROFILE_FIELDS or key in ("reason", "note", "participants", "owner",
                                              *_COMMITTED):
            data = json.loads(row["data"] or "{}")
            data[key] = value
            row["data"] = _dumps(data)


#: The kinds of fact whose fields are their row's JSON as it stands.
_FIELDS_IN_DATA = frozenset({FLAGGED, RENAMED, VOIDED, HANDOVER})


def fact_of(row: dict[str, Any]) -> Fact:
    """A row of facts as the fold reads it. (A rebuild reads every row back through here:
    each value is looked up once and the fact made from its fields in order.)"""
    event = row["event"]
    if event == CONTACT:
        fields = json.loads(row["data"])
        fields["planned"] = row["amount"]
    elif event in _FIELDS_IN_DATA:
        fields = json.loads(row["data"])
    elif event == COMMITMENT:
        data = json.loads(row["data"])
        fields = {k: (Decimal(v) if k == "invest" else date.fromisoformat(v))
                  for k, v in data.items() if v is not None}
    else:
        amount = row["amount"]
        fields = {} if amount is None else {"amount": amount}
    mu = row["mu"]
    if mu is not None:
        fields["mu"] = mu
    kind = row["kind"]
    if kind is not None:
        fields["kind"] = kind
    return Fact(row["seq"], event, row["occurred_on"], row.get("recorded_at"),
                row.get("recorded_by", ""), fields)


def project_row(pid: str, state: ProjectState, version: int) -> dict[str, Any]:
    """A project's row as it stands after its facts."""
    return {
        "id": pid, "name": state.name, "name_key": name_key(state.name),
        "investor": state.investor, "sector": state.sector, "channel": state.channel,
        "region": state.region, "owner": state.owner, "relocation": state.relocation,
        "short": state.short, "key_flag": FLAG in state.flags,
        "stage": state.stage, "stage_since": state.stage_since, "planned": state.planned,
        "framework": state.framework, "contracted": state.contracted,
        "investment": state.investment, "capital": state.capital, "land_mu": state.land_mu,
        "land_parcels": state.land_parcels, "contact_date": state.contact_date,
        "framework_date": state.framework_date, "signed_date": state.signed_date,
        "dropped_on": state.dropped_on, "last_activity": state.last_activity,
        "started_on": state.started_on, "producing_on": state.producing_on,
        "start_by": state.commitment.get("start_by"),
        "produce_by": state.commitment.get("produce_by"),
        "invest": state.commitment.get("invest"), "invest_by": state.commitment.get("invest_by"),
        "committed_on": state.commitment.get("on"),
        "negotiating_on": state.stage_dates.get(NEGOTIATING),
        "land_on": state.land_on, "capital_on": state.stage_dates.get(CAPITAL),
        "version": version,
    }
