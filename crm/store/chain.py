"""The hash chain that binds every stored event, and the time it was recorded, to all before it.

Each stored event has one chain row: its chain position (what a published head names), the
link, the event's own position in the store, its record time (`stamped_at`, never earlier
than the row before's), who the store says recorded it (`stamped_by`: PostgreSQL's login
role; empty on an SQLite file), and the link's format.

Format 2 (every row written since the chain kept record times):
  link(n) = SHA-256(link(n-1) || n || the event as stored: id (32 hex digits: the form the
            SQLite store keeps, and `verify` holds it to), version, topic, state ||
            stamped_at || stamped_by), n = the previous row's position + 1.
  Chain positions are dense and independent of the store's own positions, so a copy, an
  export re-imported, or a PostgreSQL log with gaps in its sequence keeps every head.
Format 1 (the first product's rows, still verified as they were written):
  link(n) = SHA-256(link(n-1) || n || id as 16 bytes || version || topic || state), n = the
  event's store position when written; its record time is derived: the later of the event's
  own timestamp and the previous row's record time.
link(0) is 32 zero bytes. Editing, deleting, inserting or reordering any stored event, or its
record time, changes every later link; a published head proves a later log still holds the
log it was printed from."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

CHAIN_TABLE = "event_chain"
GENESIS = bytes(32)
FORMAT = 2
#: The chain table's columns after its first form (position, link).
ADDED_COLUMNS = (("event_position", "BIGINT"), ("stamped_at", "TEXT"), ("stamped_by", "TEXT"),
                 ("format", "INTEGER NOT NULL DEFAULT 1"))


class ChainRow(NamedTuple):
    position: int  # the chain position a head names
    link: bytes
    event_position: int  # the event's position in the store
    stamped_at: str  # record time, UTC, ISO with microseconds
    stamped_by: str
    format: int = FORMAT


class StoredRow(NamedTuple):
    """An event exactly as the store holds it."""

    position: int
    id_text: str
    version: int
    topic: str
    state: bytes


def stamp_text(moment: datetime) -> str:
    """A record time as the chain keeps and hashes it."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def stamp_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _prefixed(text: str) -> bytes:
    """Text as the chain hashes it: its length, then its UTF-8 bytes."""
    data = text.encode()
    return len(data).to_bytes(4, "big") + data


#: `_prefixed`, remembered: ids, topics and record times repeat (`verify` goes through a
#: whole log; a batch being written keeps its own, see `chain_rows`).
_bytes = lru_cache(maxsize=4096)(_prefixed)


def id_bytes_v1(id_text: Any) -> bytes:
    if isinstance(id_text, UUID):
        return id_text.bytes
    text = str(id_text)
    if len(text) == 32:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        return UUID(text).bytes
    except ValueError:
        return text.encode()


def link_v1(previous: bytes, position: int, id_text: Any, version: int, topic: str,
            state: bytes) -> bytes:
    topic_bytes = topic.encode()
    return hashlib.sha256(b"".join((
        previous, position.to_bytes(8, "big", signed=True), id_bytes_v1(id_text),
        version.to_bytes(8, "big"), len(topic_bytes).to_bytes(4, "big"), topic_bytes,
        len(state).to_bytes(8, "big"), state))).digest()


def link_v2(previous: bytes, position: int, row: StoredRow, stamped_at: str,
            stamped_by: str) -> bytes:
    return hashlib.sha256(b"".join((
        previous, position.to_bytes(8, "big", signed=True), _bytes(row.id_text),
        row.version.to_bytes(8, "big", signed=True), _bytes(row.topic),
        len(row.state).to_bytes(8, "big"), row.state, _bytes(stamped_at),
        _bytes(stamped_by)))).digest()


def link_of(previous: bytes, row: StoredRow, chain: ChainRow) -> bytes:
    """The link a chain row must hold for this event after `previous`."""
    if chain.format == 1:
        return link_v1(previous, chain.position, row.id_text, row.version, row.topic, row.state)
    return link_v2(previous, chain.position, row, chain.stamped_at, chain.stamped_by)


#: An id as the store writes it, and as the chain (format 2) holds it: 32 lowercase hex digits.
STORED_ID = re.compile(r"[0-9a-f]{32}")

#: `follow`'s answer: the link, chain position and record time reached, how many pairs
#: plainly followed, and the first pair that did not (None at the end of both walks).
Followed = tuple[bytes, int, str, int, "tuple[Any, Any] | None"]


def follow(pairs: Iterator[tuple[Any, Any]], previous: bytes, position: int, floor: str,
           decode_timestamp: Any = None) -> Followed:
    """Walk stored rows beside their chain rows, after the link `previous`, the chain
    position `position` and the record time `floor`, for as long as each pair plainly
    follows: the chain row is the event's, the next in the chain (format 2; a later one,
    format 1), the id in the store's form, the record time no earlier (with
    `decode_timestamp`, a format 1 row's the one its event implies), the link the one
    `link_of` makes. Each row as the store reads it, a tuple in StoredRow's or ChainRow's
    order (None once its walk is over), the id, topic and record time text, the state
    bytes; anything else does not plainly follow. Whatever does not is the caller's to
    judge. The very bytes `link_v1` and `link_v2` hash, each id's and topic's encoded once
    a walk, the tail of a format 2 link (record time and recorder) once for each record
    time. Guarded by tests/unit/test_chain.py, which compares it with `link_of`."""
    ids: dict[str, tuple[bytes, bytes]] = {}  # an id in the store's form: its bytes in each format
    topics: dict[str, bytes] = {}
    stamped_at_, stamped_by_, tail = None, None, b""  # the last format 2 tail, and its own
    sha256, join, stored_id, fromhex = hashlib.sha256, b"".join, STORED_ID.fullmatch, bytes.fromhex
    count = 0
    for pair in pairs:
        row, chain = pair
        if row is None or chain is None:
            return previous, position, floor, count, pair
        at, id_text, version, topic, state = row
        number, link, event_position, stamped_at, stamped_by, format_ = chain
        if (at != event_position or state.__class__ is not bytes
                or stamped_at.__class__ is not str or stamped_at < floor):
            return previous, position, floor, count, pair
        key = ids.get(id_text)
        if key is None:
            if id_text.__class__ is not str or not stored_id(id_text):
                return previous, position, floor, count, pair
            key = ids[id_text] = (fromhex(id_text), _prefixed(id_text))
        kind = topics.get(topic)
        if kind is None:
            if topic.__class__ is not str:
                return previous, position, floor, count, pair
            kind = topics[topic] = _prefixed(topic)  # in both formats
        if format_ == 2 and number == position + 1:
            if stamped_at != stamped_at_ or stamped_by != stamped_by_:
                if stamped_by is not None and stamped_by.__class__ is not str:
                    return previous, position, floor, count, pair
                stamped_at_, stamped_by_ = stamped_at, stamped_by
                tail = _prefixed(stamped_at) + _prefixed(stamped_by or "")
            digest = sha256(join((
                previous, number.to_bytes(8, "big", signed=True), key[1],
                version.to_bytes(8, "big", signed=True), kind, len(state).to_bytes(8, "big"),
                state, tail))).digest()
        elif format_ == 1 and number.__class__ is int and number > position:
            digest = sha256(join((
                previous, number.to_bytes(8, "big", signed=True), key[0],
                version.to_bytes(8, "big"), kind, len(state).to_bytes(8, "big"),
                state))).digest()
        else:
            return previous, position, floor, count, pair
        if digest != link or (format_ == 1 and decode_timestamp is not None and stamped_at
                              != max(stamp_text(decode_timestamp(state)), floor)):
            return previous, position, floor, count, pair
        previous, position, floor = digest, number, stamped_at
        count += 1
    return previous, position, floor, count, None


#: A chain row as the insert takes it: (position, link, event_position, stamped_at,
#: stamped_by, format).
RowTuple = tuple[int, bytes, int, str, str, int]


def chain_rows(last: ChainRow | None, events: Sequence[Any], id_texts: Sequence[str],
               positions: Sequence[int], stamps: Sequence[datetime],
               stamped_by: str) -> list[RowTuple]:
    """The chain rows of newly stored events, after `last`: dense positions, record times
    never earlier than the one before. Each of `events` (anything with the stored
    event's `originator_version`, `topic` and `state`; its id as stored is in `id_texts`),
    stored at `positions`, chained after `last`, as the tuple the insert takes. The very
    bytes `link_v2` hashes (the definition), each id, topic and record time encoded once a
    batch, the tail of each link (record time and recorder) once for each record time."""
    previous = last.link if last else GENESIS
    position = last.position if last else 0
    floor = last.stamped_at if last else ""
    by = _prefixed(stamped_by)
    ids: dict[str, bytes] = {}
    topics: dict[str, bytes] = {}
    seen: datetime | None = None
    tail = b""
    sha256, join, out = hashlib.sha256, b"".join, []
    for event, text, at, moment in zip(events, id_texts, positions, stamps, strict=True):
        position += 1
        if moment is not seen:  # a command's events share one moment: its text, once
            seen = moment
            stamped = stamp_text(moment)
            if stamped > floor or not tail:
                floor = stamped if stamped > floor else floor
                tail = _prefixed(floor) + by
        key = ids.get(text)
        if key is None:
            key = ids[text] = _prefixed(text)
        topic = event.topic
        kind = topics.get(topic)
        if kind is None:
            kind = topics[topic] = _prefixed(topic)
        state = event.state
        previous = sha256(join((
            previous, position.to_bytes(8, "big", signed=True), key,
            event.originator_version.to_bytes(8, "big", signed=True), kind,
            len(state).to_bytes(8, "big"), state, tail))).digest()
        out.append((position, previous, at, floor, stamped_by, FORMAT))
    return out


class ChainMismatch(ValueError):
    """A copied chain row does not follow from the rows before it."""

    def __init__(self, position: int):
        super().__init__(f"chain position {position} does not follow from the rows before it")
        self.position = position


def relinked(last: ChainRow | None, rows: Iterable[tuple[StoredRow, ChainRow]],
             check: bool = True) -> list[ChainRow]:
    """Chain rows copied from another store (or read back from an export), bound to their
    events' positions here. With `check`, each link is recomputed and must be the one
    copied (a faithful copy gives the very same links); without, the links were just
    computed by the caller."""
    previous = last.link if last else GENESIS
    out = []
    for row, chain in rows:
        if check:
            link = link_of(previous, row, chain)
            if link != chain.link:
                raise ChainMismatch(chain.position)
            previous = link
        out.append(ChainRow(chain.position, chain.link, row.position, chain.stamped_at,
                            chain.stamped_by, chain.format))
    return out


def format_head(position: int, link_bytes: bytes) -> str:
    return f"{position}:{link_bytes.hex()}"
