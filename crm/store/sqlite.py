"""The embedded store: the library's SQLite events table, read through the library's own
recorder; every insert, and the chain that binds it, written by `crm.store.chained`.

SQLite has one writer at a time: an insert takes the write lock with its first statement,
so the chain is always extended from its true head."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from crm.store.chain import ADDED_COLUMNS, CHAIN_TABLE
from crm.store.chained import Chained

_CHAIN_COLUMNS = "position, link, event_position, stamped_at, stamped_by, format"


class ChainedSQLiteApplicationRecorder(Chained, SQLiteApplicationRecorder):
    """The library's SQLite recorder for reading; inserting, with the chain, is ours."""

    # -- a store not made yet ---------------------------------------------------------------

    #: (the store as given, the factory that closes its datastore) while the store is not
    #: there yet: it reads as an empty one, in memory, until its first write makes the file.
    _create_at: tuple[str, Any] | None = None

    def create_later(self, store: str, factory: Any) -> None:
        self._create_at = (store, factory)

    def _make_store(self) -> None:
        """Make the store's file, with its tables, and write there from now on."""
        if self._create_at is None:
            return
        from eventsourcing.sqlite import SQLiteDatastore

        from crm.store.config import CREATE, store_env

        store, factory = self._create_at
        env = store_env(store, CREATE)  # what is there now: nothing, or a store made since
        timeout = env["SQLITE_LOCK_TIMEOUT"].strip()
        made = SQLiteDatastore(db_name=env["SQLITE_DBNAME"],
                               lock_timeout=int(timeout) if timeout else None,
                               single_row_tracking=self.datastore.single_row_tracking,
                               originator_id_type=self.datastore.originator_id_type)
        waiting, self.datastore = self.datastore, made
        try:
            self.create_table()
        except BaseException:
            self.datastore = waiting
            made.close()
            raise
        self._create_at = None
        factory.datastore = made
        waiting.close()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        self._make_store()
        return super().insert_events(stored_events, **kwargs)

    def insert_all(self, produce: Any, **kwargs: Any) -> int:
        self._make_store()
        return super().insert_all(produce, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "position INTEGER PRIMARY KEY, link BLOB NOT NULL, event_position INTEGER, "
            "stamped_at TEXT, stamped_by TEXT, format INTEGER NOT NULL DEFAULT 1)",
        ]

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"PRAGMA table_info({CHAIN_TABLE})")
            present = {row[1] for row in c.fetchall()}
            missing = [(name, kind) for name, kind in ADDED_COLUMNS if name not in present]
            for name, kind in missing:
                c.execute(f"ALTER TABLE {CHAIN_TABLE} ADD COLUMN {name} {kind}")
            if missing:
                from crm.store.transcoding import transcoder

                decode = transcoder().decode
                self.backfill(c, lambda state: decode(state)["timestamp"])
            c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {CHAIN_TABLE}_by_event "
                      f"ON {CHAIN_TABLE} (event_position)")
            for statement in append_only(self.events_table_name):
                c.execute(statement)

    # -- the dialect ------------------------------------------------------------------------

    _STATEMENTS = {
        "last_chain": f"SELECT {_CHAIN_COLUMNS} FROM {CHAIN_TABLE} "
                      "ORDER BY position DESC LIMIT 1",
        "chain_at": f"SELECT {_CHAIN_COLUMNS} FROM {CHAIN_TABLE} WHERE position = ?",
        "chain_of_event": f"SELECT {_CHAIN_COLUMNS} FROM {CHAIN_TABLE} WHERE event_position = ?",
        "chain_rows": f"SELECT {_CHAIN_COLUMNS} FROM {CHAIN_TABLE} WHERE position > ? "
                      "ORDER BY position LIMIT ?",
        "insert_chain": f"INSERT INTO {CHAIN_TABLE} ({_CHAIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        "legacy_rows": f"SELECT c.position, e.state FROM {CHAIN_TABLE} c "
                       "JOIN {events} e ON e.rowid = c.position "
                       "WHERE c.event_position IS NULL AND c.position > ? "
                       "ORDER BY c.position LIMIT ?",
        "backfill": f"UPDATE {CHAIN_TABLE} SET event_position = ?, stamped_at = ?, format = 1 "
                    "WHERE position = ?",
        "stamps_of": "SELECT e.originator_version, c.stamped_at, c.stamped_by FROM {events} e "
                     f"JOIN {CHAIN_TABLE} c ON c.event_position = e.rowid "
                     "WHERE e.originator_id = ?",
        "chained": f"SELECT c.position, c.link, c.event_position, c.stamped_at, c.stamped_by, "
                   f"c.format, e.originator_id, e.originator_version, e.topic, e.state "
                   f"FROM {CHAIN_TABLE} c JOIN {{events}} e ON e.rowid = c.event_position "
                   "WHERE c.position > ? ORDER BY c.position LIMIT ?",
        "events_of": "SELECT originator_version, topic, state FROM {events} "
                     "WHERE originator_id = ? ORDER BY originator_version",
        "version_of": "SELECT count(*) FROM {events} WHERE originator_id = ?",
        "of_topics": "SELECT rowid, originator_id, topic, state FROM {events} WHERE rowid > ? "
                     "AND topic IN (SELECT value FROM json_each(?)) ORDER BY rowid LIMIT ?",
        "stored_rows": "SELECT rowid, originator_id, originator_version, topic, state "
                       "FROM {events} WHERE rowid > ? ORDER BY rowid LIMIT ?",
        "read_events": "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, "
                       f"e.state, c.stamped_at, c.position FROM {{events}} e "
                       f"LEFT JOIN {CHAIN_TABLE} c ON c.event_position = e.rowid "
                       "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?",
    }

    def _statement(self, name: str) -> str:
        return self._STATEMENTS[name].replace("{events}", self.events_table_name)

    def _query(self, c: Any, name: str, params: tuple[Any, ...]) -> list[Any]:
        c.execute(self._statement(name), params)
        return c.fetchall()  # sqlite3.Row: indexed like a tuple

    def _tuples(self, name: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """`_rows` as plain tuples: this transaction's own cursor (the sqlite3 one the
        library's cursor gives as a context) builds no sqlite3.Row, the library's row
        factory, which a walk through a whole log need not have."""
        with self.datastore.transaction(commit=False) as c, c as cursor:
            cursor.row_factory = None
            cursor.execute(self._statement(name), params)
            return cursor.fetchall()

    def _read_id(self, originator_id: Any) -> Any:
        """An id's text as the library's own reading methods make it (a UUID)."""
        return self.convert_originator_id(originator_id)

    def _execute_many(self, c: Any, name: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            c.executemany(self._statement(name), rows)

    def _lock(self, c: Any) -> None:
        """Nothing to do: the first insert takes SQLite's single write lock."""

    def _stamping(self, c: Any, stamps: Sequence[Any]) -> tuple[Sequence[Any], str]:
        """One person's store: the record time the application gives (its clock, which
        `CRM_NOW` may fix for a demo or a test), or each event's own; no recorder."""
        return stamps, ""

    def _id_text(self, originator_id: Any) -> str:
        return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)

    def _insert_rows(self, c: Any, events: Sequence[StoredEvent],
                     id_texts: Sequence[str]) -> list[int]:
        # One statement for all the rows; under SQLite's single write lock, taken by this
        # INSERT, they get consecutive row ids ending at last_insert_rowid().
        c.executemany(self.insert_events_statement,
                      [(t, e.originator_version, e.topic, e.state)
                       for t, e in zip(id_texts, events, strict=True)])
        c.execute("SELECT last_insert_rowid()")
        last = c.fetchone()[0]
        return list(range(last - len(events) + 1, last + 1))


def append_only(events: str) -> list[str]:
    """Triggers that make the database itself refuse to change or remove an event or a
    chain row (the library never updates or deletes events; a forger must drop these first,
    which needs the file's owner)."""
    statements = []
    for table in (events, CHAIN_TABLE):
        for action in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS crm_{table}_no_{action.lower()} BEFORE {action} "
                f"ON {table} BEGIN SELECT RAISE(ABORT, 'the log is append-only: {action} of "
                f"{table} refused'); END")
    return statements
