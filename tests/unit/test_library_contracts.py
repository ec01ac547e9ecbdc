"""What we take from the eventsourcing library beyond its documented calls, each checked,
so that an upgrade that changes it fails here rather than in a user's store.

ARCHITECTURE.md ("Library couplings") lists each and why it stays."""
from __future__ import annotations

import inspect
import sqlite3
import tempfile
from pathlib import Path

import pytest
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from crm.store.chain import CHAIN_TABLE
from crm.store.sqlite import ChainedSQLiteApplicationRecorder


def test_the_sqlite_recorder_inserts_through_its_protected_hook():
    """Our recorder links the chain inside `_insert_events`, which the library's
    `insert_events` calls in the transaction that stores the events."""
    hook = inspect.signature(SQLiteApplicationRecorder._insert_events)
    assert list(hook.parameters)[:3] == ["self", "c", "stored_events"]
    assert "_insert_events" in inspect.getsource(SQLiteApplicationRecorder.insert_events)


def test_the_postgres_recorder_fetches_positions_through_its_protected_hook():
    pytest.importorskip("psycopg")
    from eventsourcing.postgres import PostgresApplicationRecorder

    hook = inspect.signature(PostgresApplicationRecorder._fetch_ids_after_insert_events)
    assert list(hook.parameters)[:3] == ["self", "curs", "stored_events"]
    source = inspect.getsource(PostgresApplicationRecorder.insert_events)
    assert "_fetch_ids_after_insert_events" in source and "conn.transaction()" in source


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

