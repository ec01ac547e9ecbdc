"""What we take from the eventsourcing library beyond its documented calls, each checked,
so that an upgrade that changes it fails here rather than in a user's store.

ARCHITECTURE.md ("Library couplings") lists each and why it stays."""
from __future__ import annotations

import inspect
import sqlite3
import tempfile
from pathlib import Path

from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from crm.store.chain import CHAIN_TABLE
from crm.store.sqlite import ChainedSQLiteApplicationRecorder

DATA = Path(__file__).parents[1] / "data"


def test_the_recorders_stand_on_the_librarys_public_interface():
    """Ours override only `insert_events` and `create_table`, and read through the library's
    own `select_events`, `select_notifications` and `max_notification_id`; inside, they use
    the datastore's `transaction()`."""
    from eventsourcing.persistence import ApplicationRecorder

    for name in ("insert_events", "select_events", "select_notifications",
                 "max_notification_id"):
        assert callable(getattr(ApplicationRecorder, name))
    assert "commit" in inspect.signature(SQLiteDatastore.transaction).parameters
    for name in ("select_events", "select_notifications", "max_notification_id"):
        assert name not in vars(ChainedSQLiteApplicationRecorder)


class TestChainedSQLiteRecorder(ApplicationRecorderTestCase):
    """The library's own contract for application recorders, on ours: every event stored
    is also linked into the chain."""

    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.path = str(Path(self.folder.name) / "events.sqlite")

    def tearDown(self) -> None:
        self.folder.cleanup()

    def create_recorder(self) -> ChainedSQLiteApplicationRecorder:
        recorder = ChainedSQLiteApplicationRecorder(SQLiteDatastore(db_name=self.path))
        recorder.create_table()
        return recorder

    def test_insert_select(self) -> None:
        super().test_insert_select()
        with sqlite3.connect(self.path) as con:
            events = con.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
            links = con.execute(f"SELECT COUNT(*) FROM {CHAIN_TABLE}").fetchone()[0]
        assert events == links > 0

    # Timings and thread storms belong to the library's own suite and our benchmarks.
    test_performance = None  # type: ignore[assignment]
    test_concurrent_no_conflicts = None  # type: ignore[assignment]
    test_concurrent_throughput = None  # type: ignore[assignment]



def test_the_stored_form_read_directly_is_the_transcoders():
    """`as_text` reads the JSON transcoder's stored form itself (a rebuild's hot path): each
    typed value, alone or in a list, must be the text of what `decode` makes of it."""
    from datetime import date, datetime, timezone
    from decimal import Decimal
    from uuid import uuid4

    from crm.store.transcoding import as_text, transcoder

    codec = transcoder()
    moment = datetime(2021, 3, 5, 8, 30, 0, 120000, tzinfo=timezone.utc)
    state = codec.encode({"timestamp": moment, "occurred_on": date(2021, 3, 5),
                          "amount": Decimal("12345.67"), "visit_id": uuid4(),
                          "project_ids": [uuid4(), uuid4()], "name": "华锂新材",
                          "flag": True, "note": None, "participants": ["王芳"],
                          "changes": {"amount": Decimal("1")}})
    decoded = codec.decode(state)
    text = as_text(state, ("timestamp", "occurred_on", "amount", "visit_id", "project_ids"))
    assert text["timestamp"] == decoded["timestamp"].isoformat()
    assert text["occurred_on"] == decoded["occurred_on"].isoformat()
    assert text["amount"] == str(decoded["amount"]) == "12345.67"
    assert text["visit_id"] == decoded["visit_id"].hex
    assert text["project_ids"] == [i.hex for i in decoded["project_ids"]]
    for plain in ("name", "flag", "note", "participants"):
        assert text[plain] == decoded[plain]


def test_the_stored_form_is_read_as_json_reads_it_whatever_surrounds_it():
    """`as_text` scans the state without the decoder's white-space checks: white space
    around the value is still read, and anything after it still refused, as `json` does."""
    import json

    import pytest

    from crm.store.transcoding import as_text

    for state in (b'{"a": 1}', b' {"a": 1}\n', b'\t{"a": 1} '):
        assert as_text(state) == json.loads(state) == {"a": 1}
    for state in (b'{"a": 1} x', b'{"a": 1}{}', b"", b"  "):
        with pytest.raises(ValueError):
            json.loads(state)
        with pytest.raises(ValueError):
            as_text(state)


def test_stored_events_made_directly_are_the_mappers(tmp_path):
    """`to_stored` makes stored events as the library's mapper's `to_stored_event` does (an
    import's hot path): for every kind of event (a synthetic zone's, and those of the stores
    kept as test data), the same id, version, topic and state, and the state is the bytes
    the store holds; a class version past 1 is written as the mapper writes it; a mapper
    that compresses or encrypts makes its own."""
    import zlib
    from dataclasses import dataclass
    from uuid import UUID

    from eventsourcing.domain import Aggregate
    from eventsourcing.persistence import Mapper, StoredEvent

    from crm.app.log import ProjectLog
    from crm.app.synthetic import generate
    from crm.store.transcoding import to_stored

    app = ProjectLog(store=str(tmp_path / "events.sqlite"), user="generator")
    try:
        generate(app, 1000, seed=3)
        rows = [(r.id_text, r.version, r.topic, r.state) for r in app.recorder.stored_rows()]
        for kept in ("before-milestones.sqlite", "legacy-v1.sqlite"):
            with sqlite3.connect(f"file:{DATA / kept}?mode=ro", uri=True) as con:
                rows += con.execute("SELECT originator_id, originator_version, topic, state "
                                    "FROM stored_events ORDER BY rowid").fetchall()
        mapper = app.mapper
        made = to_stored(mapper)
        assert made is not mapper.to_stored_event
        for id_text, version, topic, state in rows:
            event = mapper.to_domain_event(StoredEvent(
                originator_id=UUID(id_text), originator_version=version, topic=topic,
                state=state))
            assert made(event) == mapper.to_stored_event(event)
            assert made(event).state == state
        assert len({r[2] for r in rows}) >= 14  # facts of most kinds, names, the zone

        class Versioned(Aggregate):
            @dataclass(frozen=True)
            class Renamed(Aggregate.Event):
                name: str
                class_version = 2

            def rename(self, name: str) -> None:
                self.trigger_event(self.Renamed, name=name)

        versioned = Versioned()
        versioned.rename("华锂")
        for event in versioned.collect_events():
            assert made(event) == mapper.to_stored_event(event)
        assert b'"class_version":2' in made(event).state

        class Zlib:
            compress, decompress = staticmethod(zlib.compress), staticmethod(zlib.decompress)

        compressing = Mapper(transcoder=mapper.transcoder, compressor=Zlib())
        assert to_stored(compressing) == compressing.to_stored_event
    finally:
        app.close()


def test_aggregates_load_as_the_librarys_own_projector_loads_them(tmp_path):
    """`ProjectLog.load` passes the repository its public `projector_func`: each event's own
    `mutate` applied in turn, the library's `project_aggregate` without its per-event
    protocol check. Every aggregate of a synthetic zone (projects, names' claims, the zone's
    settings) loads to the same state and version both ways."""
    from uuid import UUID

    from eventsourcing.application import Repository

    from crm.app.log import ProjectLog
    from crm.app.synthetic import generate
    from crm.domain.settings import ZONE_ID

    assert "projector_func" in inspect.signature(Repository.get).parameters
    app = ProjectLog(store=str(tmp_path / "events.sqlite"), user="generator")
    try:
        generate(app, 1000, seed=5)
        app.change_setting("name", "测试园区")
        ids = {UUID(r.id_text) for r in app.recorder.stored_rows()}
        assert ZONE_ID in ids and len(ids) > 100
        for aggregate_id in ids:
            ours, theirs = app.load(aggregate_id), app.repository.get(aggregate_id)
            assert type(ours) is type(theirs)
            assert ours.version == theirs.version
            assert vars(ours) == vars(theirs)
    finally:
        app.close()
