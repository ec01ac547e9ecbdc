"""What both stores do alike: every insert links its events into the hash chain in the
transaction that stores them; a whole import or copy is one transaction (all or nothing);
the log is read back with each event's record time; the chain table of a store made by the
first product is brought up to date once.

The dialects (`crm.store.sqlite`, `crm.store.postgres`) supply SQL and connections; they
keep the library's own events tables and inherit its public reading methods."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, cast

from eventsourcing.persistence import IntegrityError, StoredEvent

from crm.store.chain import (
    ChainRow,
    StoredRow,
    chain_rows,
    relinked,
    stamp_text,
)

#: One stored event and what binds it: a record time for a new event, or the chain row it
#: had in the store it comes from (a copy or an exported log).
Pending = tuple[StoredEvent, "datetime | ChainRow"]

LOWEST = -(2 ** 63)
#: The chain's head not read yet (see `Chained._append`).
UNREAD = object()


class Chained:
    """The chain-keeping half of a recorder. A dialect provides
    `_insert_rows(c, events, id_texts) -> positions`, `_id_text(originator_id)`,
    `_query(c, name, params)`, `_execute_many(c, name, rows)`, `_lock(c)` and
    `_stamping(c, stamps) -> (record times, recorded by)`; one whose rows are not tuples
    reads them as tuples in `_tuples(name, params)`, one whose ids read as text makes
    them what the library reads in `_read_id(originator_id)`, and one whose statements are
    dear reads what a write needs under the lock in one (`_under_lock`)."""

    datastore: Any
    stamped_by_default = ""

    # -- writing ------------------------------------------------------------------------

    def insert_events(self, stored_events: Sequence[StoredEvent], *,
                      stamp: datetime | None = None,
                      stamps: Sequence[datetime] | None = None,
                      expect_zone: tuple[Any, int] | None = None,
                      **_: Any) -> Sequence[int] | None:
        """Store events and their chain links in one transaction. Their record time is
        `stamp` (or each its own of `stamps`; default: now), never earlier than the last.
        `expect_zone` (the zone's id and the version the writer decided under): refused,
        as a lost race, when the zone's settings changed meanwhile — a period closed while
        a backdated fact was being recorded cannot let both succeed."""
        if not stored_events:
            return []
        zone_id, expected = expect_zone if expect_zone is not None else (None, None)
        with self.datastore.transaction(commit=True) as c:
            self._lock(c)
            moments = stamps if stamps is not None else [stamp or utc_now()] * len(stored_events)
            positions, _, version = self._append(
                c, list(zip(stored_events, moments, strict=True)), UNREAD, zone_id=zone_id)
            if zone_id is not None and version != expected:
                raise ZoneChanged(f"the zone's settings changed (version {version}, "
                                  f"expected {expected})")
            return positions

    def insert_all(self, produce: Callable[[InTransaction], Iterable[Sequence[Pending]]],
                   *, links_checked: bool = False) -> int:
        """Store every batch `produce` yields in one transaction: an import or a copy
        happens whole or not at all, and a failure (or an interruption) anywhere leaves the
        log as it was. `produce` may read back what it has stored so far (the events of one
        aggregate), so it need not hold a whole log in memory. The chain's head is read
        once (after the first insert, which holds the store's write lock), then carried
        from batch to batch."""
        written = 0
        last: ChainRow | None | object = UNREAD
        with self.datastore.transaction(commit=True) as c:
            self._lock(c)
            for batch in produce(InTransaction(self, c)):
                if batch:
                    _, last, _ = self._append(c, batch, last, check=not links_checked)
                    written += len(batch)
        return written

    def _append(self, c: Any, pending: Sequence[Pending], last: ChainRow | None | object,
                check: bool = True, zone_id: Any = None
                ) -> tuple[list[int], ChainRow, int | None]:
        """Store a batch and its chain rows after `last` (UNREAD: the head as stored, read
        once the batch's events hold the write lock): their positions, the new head, and
        (with `zone_id`, when the head is read) the zone's version under that lock."""
        events = [e for e, _ in pending]
        bounds = [b for _, b in pending]
        copied = isinstance(bounds[0], ChainRow)
        if any(isinstance(b, ChainRow) is not copied for b in bounds):
            raise ValueError("a batch is either new events or copied ones")
        texts = self._id_texts(events)
        positions = self._insert_rows(c, events, texts)
        stamping, version = None, None
        if last is UNREAD:
            head, stamping, version = self._under_lock(c, None if copied else bounds, zone_id)
        else:
            head = cast("ChainRow | None", last)
        if not copied:  # the store decides whose clock records them (see `_stamping`)
            moments, stamped_by = stamping or self._stamping(c, bounds)
            chain = chain_rows(head, events, texts, positions, moments, stamped_by)
        elif check:
            rows = [StoredRow(p, t, e.originator_version, e.topic, bytes(e.state))
                    for p, t, e in zip(positions, texts, events, strict=True)]
            chain = [tuple(r) for r in relinked(head, zip(rows, bounds), check=True)]
        else:  # links the caller has just computed (and held to the ones it was given): the
            # chain rows are only bound to their events' positions here
            chain = [(r.position, r.link, p, r.stamped_at, r.stamped_by, r.format)
                     for p, r in zip(positions, bounds, strict=True)]
        self._insert_chain(c, chain)
        return positions, ChainRow(*chain[-1]), version

    def _under_lock(self, c: Any, stamps: Sequence[Any] | None, zone_id: Any
                    ) -> tuple[ChainRow | None, tuple[Sequence[Any], str] | None, int | None]:
        """What a write reads once its events hold the write lock: the chain's head; the
        record times and recorder of new events (`stamps`, see `_stamping`); and the zone's
        version, the count of its events (not the events: a zone's history only grows).
        A dialect may read them in one statement."""
        head = self._last_chain(c)
        stamping = self._stamping(c, stamps) if stamps is not None else None
        version = None if zone_id is None else \
            self._query(c, "version_of", (self._id_text(zone_id),))[0][0]
        return head, stamping, version

    def _insert_chain(self, c: Any, rows: list[tuple[Any, ...]]) -> None:
        self._execute_many(c, "insert_chain", rows)

    def _id_texts(self, events: Sequence[StoredEvent]) -> list[str]:
        """Each event's id as the store keeps it, each id written once."""
        known: dict[Any, str] = {}
        id_text = self._id_text
        texts = []
        for e in events:
            originator_id = e.originator_id
            text = known.get(originator_id)
            if text is None:
                text = known[originator_id] = id_text(originator_id)
            texts.append(text)
        return texts

    # -- reading ------------------------------------------------------------------------

    def last_link(self) -> tuple[int, bytes] | None:
        """The head of the chain as stored: its position and link."""
        with self.datastore.transaction(commit=False) as c:
            last = self._last_chain(c)
        return (last.position, last.link) if last else None

    def head_row(self) -> ChainRow | None:
        with self.datastore.transaction(commit=False) as c:
            return self._last_chain(c)

    def link_at(self, position: int) -> bytes | None:
        rows = self._rows("chain_at", (position,))
        return bytes(rows[0][1]) if rows else None

    def chain_of_event(self, event_position: int) -> ChainRow | None:
        """The chain row of the event at a store position."""
        rows = self._rows("chain_of_event", (event_position,))
        return chain_row(rows[0]) if rows else None

    def stamps_of(self, originator_id: Any) -> dict[int, tuple[str, str]]:
        """Each of an aggregate's events, by version: its record time and who the store
        says recorded it (on PostgreSQL the login, stamped by the server; on SQLite empty)."""
        return {r[0]: (r[1], r[2] or "") for r in
                self._rows("stamps_of", (self._id_text(originator_id),))}

    def read_events(self, after: int, limit: int) -> list[tuple[Any, ...]]:
        """Stored events after a store position, in order, each with its record time and
        chain position: (position, id, version, topic, state, stamped_at, chain position)."""
        return self._tuples("read_events", (after, limit))

    def chained(self, page: int = 2000) -> Iterator[tuple[StoredEvent, ChainRow]]:
        """Every chained event, in chain order, with its chain row: what a copy or an export
        carries to another store."""
        after = LOWEST
        while rows := self._rows("chained", (after, page)):
            for r in rows:
                chain = chain_row(r[:6])
                yield StoredEvent(originator_id=r[6], originator_version=r[7], topic=r[8],
                                  state=bytes(r[9])), chain
            after = rows[-1][0]
            if len(rows) < page:
                return

    def stored_rows(self, after: int = LOWEST, page: int = 5000) -> Iterator[StoredRow]:
        """Every stored row exactly as kept, whatever its position, in store order."""
        for rows in self.stored_pages(after, page):
            yield from map(stored_row, rows)

    def chain_rows(self, after: int = LOWEST, page: int = 5000) -> Iterator[ChainRow]:
        """Every chain row, in chain order."""
        for rows in self.chain_pages(after, page):
            yield from map(chain_row, rows)

    def stored_pages(self, after: int = LOWEST, page: int = 5000) -> Iterator[list[Any]]:
        """`stored_rows` a page at a time, each row as the store reads it (a tuple:
        `stored_row` makes it a StoredRow): what a walk through a whole log reads."""
        return self._pages("stored_rows", after, page)

    def chain_pages(self, after: int = LOWEST, page: int = 5000) -> Iterator[list[Any]]:
        """`chain_rows` a page at a time, each row as the store reads it (a tuple:
        `chain_row` makes it a ChainRow)."""
        return self._pages("chain_rows", after, page)

    def topic_rows(self, topics: Sequence[str], page: int = 5000
                   ) -> Iterator[tuple[int, Any, str, bytes]]:
        """The stored events of these topics, in store order from position 1 (as the library
        reads notifications): (position, originator id as the library reads it, topic,
        state). What `ProjectLog.current_names` reads: no notification is made."""
        read_id = self._read_id
        for rows in self._pages("of_topics", 0, page, json.dumps(list(topics))):
            for position, originator_id, topic, state in rows:
                yield position, read_id(originator_id), topic, bytes(state)

    def _read_id(self, originator_id: Any) -> Any:
        """An originator id as read from the events table, as the library reads it."""
        return originator_id

    def _pages(self, name: str, after: int, page: int, *params: Any) -> Iterator[list[Any]]:
        """The rows of a query by position after `after` (and any `params` between that
        and the page's length), a page (a transaction) at a time."""
        while rows := self._tuples(name, (after, *params, page)):
            yield rows
            after = rows[-1][0]
            if len(rows) < page:
                return

    def _tuples(self, name: str, params: tuple[Any, ...]) -> list[Any]:
        """`_rows`, each row a tuple (a dialect that reads other rows says so)."""
        return self._rows(name, params)

    def _rows(self, name: str, params: tuple[Any, ...]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            return self._query(c, name, params)

    def _last_chain(self, c: Any) -> ChainRow | None:
        rows = self._query(c, "last_chain", ())
        return chain_row(rows[0]) if rows else None

    # -- the first product's chain table ------------------------------------------------------

    def backfill(self, c: Any, decode_timestamp: Any) -> None:
        """Bind each of the first product's chain rows to its event and give it the record
        time it implies (the later of the event's own timestamp and the one before): the
        derived values the chain's format 1 lets `verify` recompute."""
        floor, after = "", 0
        while True:  # a page at a time: the first product's log may be millions of events
            rows = self._query(c, "legacy_rows", (after, _PAGE))
            updates = []
            for r in rows:
                moment = stamp_text(decode_timestamp(bytes(r[1])))
                floor = max(moment, floor)
                updates.append((r[0], floor, r[0]))
            self._execute_many(c, "backfill", updates)
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]


_PAGE = 10_000


class ZoneChanged(IntegrityError):
    """The zone's settings changed while a write was decided: decide it again."""


class InTransaction:
    """The log as an import's own transaction sees it, its writes so far included."""

    def __init__(self, recorder: Chained, cursor: Any):
        self._recorder, self._cursor = recorder, cursor

    def events_of(self, originator_id: Any) -> list[StoredEvent]:
        rows = self._recorder._query(self._cursor, "events_of",
                                     (self._recorder._id_text(originator_id),))
        return [StoredEvent(originator_id=originator_id, originator_version=r[0], topic=r[1],
                            state=bytes(r[2])) for r in rows]


def stored_row(r: Any) -> StoredRow:
    """A stored row as read: its id as text, its state as bytes."""
    return StoredRow(r[0], str(r[1]), r[2], r[3], bytes(r[4]))


def chain_row(r: Any) -> ChainRow:
    """A chain row as read: its link as bytes, no recorder as empty text."""
    return ChainRow(r[0], bytes(r[1]), r[2], r[3], r[4] or "", r[5])


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
