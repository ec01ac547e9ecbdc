"""A team's shared store on PostgreSQL: the library's native recorder, linking each new
event into the same hash chain as on SQLite; and the check, before first use, that the
server can be used and whether its tables must be created.

Imported only for `postgresql://` stores, so SQLite users never load psycopg."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from crm.store.chain import CHAIN_TABLE, GENESIS, chain_links
from crm.store.pgurl import explain, parse

#: Held while a first user creates the tables, so two first users do not collide.
SCHEMA_LOCK = 0x63726D01  # "crm" 1
#: The library names a PostgreSQL application's events table after the application.
EVENTS_TABLE = "crm_events"


@contextlib.contextmanager
def prepared(url: str) -> Iterator[bool]:
    """Check the server can be used (plain errors if not), and say whether the tables still
    have to be created; if so, hold a lock while the caller creates them."""
    import psycopg

    try:
        conn = psycopg.connect(autocommit=True, **parse(url).connect_kwargs())
    except psycopg.Error as e:
        raise explain(e, url) from None
    try:
        if _has_tables(conn):
            yield False
            return
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield not _has_tables(conn)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
    finally:
        conn.close()


def _has_tables(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
                       (EVENTS_TABLE, CHAIN_TABLE)).fetchone()
    return bool(row[0])


def _recorder_base() -> type:
    from eventsourcing.postgres import PostgresApplicationRecorder

    return PostgresApplicationRecorder


class ChainedPostgresApplicationRecorder(_recorder_base()):  # type: ignore[misc]
    """The library's PostgreSQL recorder, linking each new event into the log's hash chain
    in the transaction that stores it, while it holds the events table's lock."""

    def __init__(self, datastore: Any, **kwargs: Any):
        from psycopg.sql import SQL, Identifier

        super().__init__(datastore, **kwargs)
        schema, chain = Identifier(self.datastore.schema), Identifier(CHAIN_TABLE)
        events = Identifier(self.events_table_name)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (position bigint PRIMARY KEY, link bytea NOT NULL)"
        ).format(schema, chain))
        self._last_link = SQL("SELECT link FROM {0}.{1} WHERE position < %s "
                              "ORDER BY position DESC LIMIT 1").format(schema, chain)
        self._insert_links = SQL("INSERT INTO {0}.{1} (position, link) VALUES (%s, %s)").format(
            schema, chain)
        self._positions_of = SQL("SELECT notification_id, originator_id, originator_version "
                                 "FROM {0}.{1} WHERE notification_id = ANY(%s)").format(
            schema, events)
        self._read_events = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s ORDER BY notification_id LIMIT %s").format(
            schema, events)
        self._read_links = SQL("SELECT position, link FROM {0}.{1} WHERE position > %s "
                               "ORDER BY position LIMIT %s").format(schema, chain)
        self._link_at = SQL("SELECT position, link FROM {0}.{1} WHERE position = %s").format(
            schema, chain)
        self._head = SQL("SELECT position, link FROM {0}.{1} ORDER BY position DESC LIMIT 1"
                         ).format(schema, chain)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[Any],
                                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if not ids:
            return ids
        # Pair each new position with its event by (aggregate, version), whatever the
        # order the server returned them in.
        curs.execute(self._positions_of, (list(ids),))
        by_key = {(str(r["originator_id"]), r["originator_version"]): r["notification_id"]
                  for r in curs.fetchall()}
        ordered = sorted(stored_events, key=lambda s: by_key[(str(s.originator_id),
                                                               s.originator_version)])
        positions = sorted(by_key.values())
        curs.execute(self._last_link, (positions[0],))
        row = curs.fetchone()
        previous = bytes(row["link"]) if row else GENESIS
        curs.executemany(self._insert_links, chain_links(previous, positions, ordered))
        return ids

    def _rows(self, statement: Any, params: tuple[Any, ...]) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return curs.fetchall()

    def read_events(self, after: int, limit: int) -> list[tuple[Any, ...]]:
        return [(r["notification_id"], r["originator_id"], r["originator_version"], r["topic"],
                 bytes(r["state"])) for r in self._rows(self._read_events, (after, limit))]

    def read_links(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        return [(r["position"], bytes(r["link"])) for r in self._rows(self._read_links,
                                                                       (after, limit))]

    def last_link(self) -> tuple[int, bytes] | None:
        rows = self._rows(self._head, ())
        return (rows[0]["position"], bytes(rows[0]["link"])) if rows else None

    def link_at(self, position: int) -> bytes | None:
        rows = self._rows(self._link_at, (position,))
        return bytes(rows[0]["link"]) if rows else None
