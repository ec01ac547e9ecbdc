"""The embedded store: the library's SQLite recorder, linking each new event into the
log's hash chain in the transaction that stores it."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from crm.store.chain import CHAIN_TABLE, GENESIS, chain_links


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
