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
