"""Choosing and opening the event store from --store / CRM_STORE.

A path (default `events.sqlite`) is the embedded SQLite store; a `postgresql://` URL is a
team's shared server. Either way every stored event is bound into a hash chain, in the
same transaction that stores it (see `crm.chain`)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from crm.chain import CHAIN_TABLE, GENESIS, chain_links
from crm.domain.errors import StoreUnavailable

DEFAULT_STORE = "events.sqlite"


def is_postgres(store: str) -> bool:
    return store.startswith(("postgresql://", "postgres://"))


def describe(store: str) -> str:
    """The store as it may be shown to a person: never with its password."""
    if is_postgres(store):
        from crm.pgstore import redact

        return redact(store)
    return store


def store_env(store: str) -> dict[str, str]:
    """The eventsourcing settings for a store."""
    if is_postgres(store):
        from crm.pgstore import postgres_env

        return postgres_env(store)
    path = Path(store).expanduser()
    if path.is_dir():
        raise StoreUnavailable(store=store, reason="it is a folder; give a file such as events.sqlite")
    if not path.parent.exists():
        raise StoreUnavailable(store=store, reason=f"the folder {path.parent} does not exist")
    if path.exists() and path.stat().st_size and not _looks_like_sqlite(path):
        raise StoreUnavailable(store=store, reason="it is not an SQLite database")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": os.environ.get("CRM_LOCK_TIMEOUT", "30"),
        "APPLICATION_RECORDER_TOPIC": "crm.store:ChainedSQLiteApplicationRecorder",
    }


def _looks_like_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, linking each new event into the log's hash chain.

    The inserts take SQLite's single write lock before the last link is read, so
    concurrent writers each extend the chain from the true head."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "position INTEGER PRIMARY KEY, link BLOB NOT NULL)",
        ]

    def read_events(self, after: int, limit: int) -> list[tuple[Any, ...]]:
        """Stored events after a position, as stored: (position, id, version, topic, state)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                      f"FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                      (after, limit))
            return [tuple(row) for row in c.fetchall()]

    def read_links(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, link FROM {CHAIN_TABLE} WHERE position > ? "
                      f"ORDER BY position LIMIT ?", (after, limit))
            return [(row[0], bytes(row[1])) for row in c.fetchall()]

    def last_link(self) -> tuple[int, bytes] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, link FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            return (row[0], bytes(row[1])) if row else None

    def link_at(self, position: int) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT link FROM {CHAIN_TABLE} WHERE position = ?", (position,))
            row = c.fetchone()
            return bytes(row[0]) if row else None

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        # One statement for all the rows (the library runs one a row to learn each new row
        # id). Under SQLite's single write lock, taken by this INSERT, the rows get
        # consecutive ids ending at last_insert_rowid().
        hexes: dict[Any, str] = {}  # a project's events come together: its id's text, once
        rows = []
        for s in stored_events:
            oid = s.originator_id
            text = hexes.get(oid)
            if text is None:
                text = hexes[oid] = oid.hex if isinstance(oid, UUID) else oid
            rows.append((text, s.originator_version, s.topic, s.state))
        c.executemany(self.insert_events_statement, rows)
        c.execute("SELECT last_insert_rowid()")
        last = c.fetchone()[0]
        positions = list(range(last - len(stored_events) + 1, last + 1))
        c.execute(f"SELECT link FROM {CHAIN_TABLE} WHERE position < ? "
                  "ORDER BY position DESC LIMIT 1", (positions[0],))
        row = c.fetchone()
        links = chain_links(row[0] if row else GENESIS, positions, stored_events)
        c.executemany(f"INSERT INTO {CHAIN_TABLE} (position, link) VALUES (?, ?)", links)
        return positions
