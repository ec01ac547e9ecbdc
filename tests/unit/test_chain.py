"""The chain as the store writes it, batch by batch, against its definition (`link_v2`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteDatastore

from crm.store.chain import (
    FORMAT,
    GENESIS,
    ChainRow,
    StoredRow,
    chain_rows,
    follow,
    link_of,
    link_v2,
)
from crm.store.sqlite import ChainedSQLiteApplicationRecorder

T0 = datetime(2021, 3, 5, 8, 30, tzinfo=timezone.utc)


def _events(count: int, ids: list, start: int = 1) -> list[StoredEvent]:
    return [StoredEvent(originator_id=ids[i % len(ids)], originator_version=start + i // len(ids),
                        topic=f"crm.domain.project:Project.Kind{i % 3}",
                        state=f'{{"n":{i},"name":"项目{i}"}}'.encode()) for i in range(count)]


def test_chain_rows_are_the_links_of_the_definition():
    """Each id, topic and record time encoded once a batch, and a record time never
    earlier than the one before (an earlier clock reading takes the previous one): the
    very links `link_v2` makes, from the genesis and after a head."""
    ids = [uuid4() for _ in range(3)]
    events = _events(7, ids)
    texts = [e.originator_id.hex for e in events]
    later = T0 + timedelta(seconds=1)
    stamps = [T0, T0, later, T0, later, later + timedelta(microseconds=1), T0]
    positions = list(range(11, 18))
    for last in (None, ChainRow(40, bytes(range(32)), 10, (T0 + timedelta(hours=1)).isoformat(),
                                "", 1)):
        got = chain_rows(last, events, texts, positions, stamps, "王芳")
        previous = last.link if last else GENESIS
        position = last.position if last else 0
        floor = last.stamped_at if last else ""
        for row, event, text, at, moment in zip(got, events, texts, positions, stamps):
            position += 1
            floor = max(floor, moment.isoformat(timespec="microseconds"))
            previous = link_v2(previous, position, StoredRow(at, text, event.originator_version,
                                                             event.topic, event.state),
                               floor, "王芳")
            assert row == (position, previous, at, floor, "王芳", FORMAT)


@pytest.fixture
def recorder(tmp_path):
    made = ChainedSQLiteApplicationRecorder(SQLiteDatastore(db_name=str(tmp_path / "e.sqlite")))
    made.create_table()
    yield made
    made.datastore.close()


def _verified(recorder) -> list[ChainRow]:
    rows = list(recorder.stored_rows())
    chain = list(recorder.chain_rows())
    previous = GENESIS
    by_position = {r.position: r for r in rows}
    for n, link in enumerate(chain, start=1):
        assert link.position == n
        assert link_of(previous, by_position[link.event_position], link) == link.link
        previous = link.link
    assert len(chain) == len(rows)
    return chain


def test_a_transaction_of_many_batches_carries_the_head_from_batch_to_batch(recorder):
    """The head is read once, after the first batch's insert, then carried: every link
    follows from the one before, across batches and the transactions after."""
    ids = [uuid4() for _ in range(5)]
    recorder.insert_events(_events(3, ids[:3]), stamp=T0)
    batches = [_events(10, ids, start=2), _events(10, ids, start=4), _events(5, ids, start=6)]
    moments = [T0 + timedelta(minutes=1), T0, T0 + timedelta(minutes=2)]

    def produce(_tx):
        for batch, moment in zip(batches, moments):
            yield [(e, moment) for e in batch]

    assert recorder.insert_all(produce) == 25
    recorder.insert_events(_events(1, [uuid4()]), stamp=T0)
    chain = _verified(recorder)
    assert len(chain) == 29
    assert [c.stamped_at for c in chain[3:13]] == [(T0 + timedelta(minutes=1)).isoformat(
        timespec="microseconds")] * 10
    assert chain[13].stamped_at == chain[12].stamped_at  # an earlier clock: the floor
    assert chain[-1].stamped_at == (T0 + timedelta(minutes=2)).isoformat(timespec="microseconds")


def test_a_batch_of_new_and_copied_events_is_refused(recorder):
    ids = [uuid4()]
    events = _events(2, ids)
    copied = ChainRow(1, bytes(32), 1, T0.isoformat(), "", FORMAT)
    with pytest.raises(ValueError, match="either new events or copied"):
        recorder.insert_all(lambda _tx: [[(events[0], T0), (events[1], copied)]])
    with pytest.raises(ValueError, match="either new events or copied"):
        recorder.insert_all(lambda _tx: [[(events[1], copied), (events[0], T0)]])
    assert list(recorder.stored_rows()) == []


def _linked(rows: list[StoredRow], chain: list[tuple]) -> list[ChainRow]:
    """Chain rows (position, event position, record time, recorder, format) given the
    links `link_of` makes for them."""
    previous, linked = GENESIS, []
    for row, (position, at, stamped_at, stamped_by, format_) in zip(rows, chain):
        made = ChainRow(position, b"", at, stamped_at, stamped_by, format_)
        previous = link_of(previous, row, made)
        linked.append(made._replace(link=previous))
    return linked


def test_follow_passes_the_links_of_the_definition_and_stops_where_they_part():
    """`follow`, the walk's fast path, takes rows as the store reads them (tuples; no
    recorder as NULL) and passes every pair whose link is the one `link_of` makes, in
    either format, ids, topics and record times repeating or not; it stops, without
    judging, at the first pair that departs in any way."""
    ids = [uuid4().hex for _ in range(3)]
    rows = [StoredRow(10 + i, ids[i % 3], 1 + i // 3, f"crm.domain.project:Project.K{i % 2}",
                      f'{{"n":{i},"name":"项目{i}"}}'.encode()) for i in range(12)]
    stamps = [(T0 + timedelta(seconds=i // 2)).isoformat(timespec="microseconds")
              for i in range(12)]
    chain = _linked(rows, [(20 + 2 * i if i < 5 else 20 + 2 * 4 + i - 4, row.position,
                            stamps[i], "" if i < 5 else ("王芳" if i % 3 else ""),
                            1 if i < 5 else 2) for i, row in enumerate(rows)])
    read = [tuple(r) for r in rows]
    read_chain = [tuple(c) if c.stamped_by else (*c[:4], None, c.format) for c in chain]
    previous, position, floor, count, stop = follow(iter(zip(read, read_chain)), GENESIS, 0, "")
    assert (previous, position, floor, count, stop) == (chain[-1].link, chain[-1].position,
                                                       chain[-1].stamped_at, 12, None)
    departures = {
        "state": lambda r, c: ((*r[:4], r[4] + b" "), c),
        "id form": lambda r, c: ((r[0], r[1].upper(), *r[2:]), c),
        "version": lambda r, c: ((*r[:2], r[2] + 1, *r[3:]), c),
        "topic": lambda r, c: ((*r[:3], r[3] + "x", r[4]), c),
        "event position": lambda r, c: (r, (*c[:2], c[2] + 1, *c[3:])),
        "link": lambda r, c: (r, (c[0], bytes(32), *c[2:])),
        "record time": lambda r, c: (r, (*c[:3], "2000-01-01T00:00:00.000000+00:00", *c[4:])),
        "recorder": lambda r, c: (r, (*c[:4], "someone", c[5])),
        "position": lambda r, c: (r, (c[0] + 1, *c[1:])),
        "format": lambda r, c: (r, (*c[:5], 3 - c[5])),
        "text state": lambda r, c: ((*r[:4], r[4].decode()), c),
    }
    for name, depart in departures.items():
        linked_only = name in ("record time", "recorder")  # in format 2 links alone, see below
        for at in (5, 11) if linked_only else (0, 4, 5, 11):
            pairs = list(zip(read, read_chain))
            pairs[at] = depart(*pairs[at])
            got = follow(iter(pairs), GENESIS, 0, "")
            assert got[3:] == (at, pairs[at]), (name, at)
            assert got[:3] == ((chain[at - 1].link, chain[at - 1].position,
                                chain[at - 1].stamped_at) if at else (GENESIS, 0, "")), (name, at)
    assert follow(iter([(read[0], None)]), GENESIS, 0, "")[3:] == (0, (read[0], None))
    # A format 1 row's record time is derived, not linked: only no earlier than the one
    # before, unless the event's own timestamp is read to recompute it (`verify --deep`).
    pairs = list(zip(read, read_chain))
    pairs[0] = departures["record time"](*pairs[0])
    assert follow(iter(pairs), GENESIS, 0, "")[3:] == (12, None)
    implied = lambda state: T0  # noqa: E731  every event's own timestamp, here
    assert follow(iter(pairs), GENESIS, 0, "", implied)[3:] == (0, pairs[0])
    assert follow(iter(zip(read, read_chain)), GENESIS, 0, "", implied)[3:] == (2, (read[2],
                                                                                  read_chain[2]))
    pairs[0] = departures["recorder"](*pairs[0])
    assert follow(iter(pairs), GENESIS, 0, "")[3:] == (12, None)
    pairs[4] = departures["record time"](*pairs[4])  # earlier than the one before
    assert follow(iter(pairs), GENESIS, 0, "")[3:] == (4, pairs[4])
