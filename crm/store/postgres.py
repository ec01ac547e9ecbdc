"""A team's shared store on PostgreSQL: the library's events table, read through the
library's own recorder; every insert, and the chain that binds it, written by
`crm.store.chained`; and the check, before first use, that the server can be used and
whether its tables must be created or brought up to date.

Imported only for `postgresql://` stores, so SQLite users never load psycopg."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from crm.store.chain import ADDED_COLUMNS, CHAIN_TABLE
from crm.store.chained import Chained
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
    """Whether the tables exist as this version keeps them (a chain table of the first
    product's has no record times yet: it is brought up to date by `create_table`)."""
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns "
        "WHERE table_name = %s AND column_name = 'stamped_at')", (EVENTS_TABLE, CHAIN_TABLE)
    ).fetchone()
    return bool(row[0])


def _recorder_base() -> type:
    from eventsourcing.postgres import PostgresApplicationRecorder

    return PostgresApplicationRecorder


_CHAIN_COLUMNS = "position, link, event_position, stamped_at, stamped_by, format"


class ChainedPostgresApplicationRecorder(Chained, _recorder_base()):  # type: ignore[misc]
    """The library's PostgreSQL recorder for reading; inserting, with the chain, is ours.
    An insert takes the events table's lock first (as the library's own insert does), so
    positions follow commit order and the chain is extended from its true head. The record
    time and the recorder are the server's: its clock and the login role."""

    def __init__(self, datastore: Any, **kwargs: Any):
        from psycopg.sql import SQL, Identifier

        super().__init__(datastore, **kwargs)
        schema, chain = Identifier(self.datastore.schema), Identifier(CHAIN_TABLE)
        events = Identifier(self.events_table_name)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (position bigint PRIMARY KEY, link bytea NOT NULL, "
            "event_position bigint, stamped_at text, stamped_by text, "
            "format integer NOT NULL DEFAULT 1)").format(schema, chain))

        def sql(text: str) -> Any:
            return SQL(text).format(schema=schema, chain=chain, events=events)

        self._sql = {
            "lock": [sql("SET LOCAL lock_timeout = '{0}s'".replace(
                "{0}", str(int(self.datastore.lock_timeout or 30)))),
                     sql("LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE")],
            "insert_events": sql(
                "INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
                "RETURNING notification_id, originator_id, originator_version"),
            "last_chain": sql(f"SELECT {_CHAIN_COLUMNS} FROM {{schema}}.{{chain}} "
                              "ORDER BY position DESC LIMIT 1"),
            "chain_at": sql(f"SELECT {_CHAIN_COLUMNS} FROM {{schema}}.{{chain}} "
                            "WHERE position = %s"),
            "chain_of_event": sql(f"SELECT {_CHAIN_COLUMNS} FROM {{schema}}.{{chain}} "
                                  "WHERE event_position = %s"),
            "chain_rows": sql(f"SELECT {_CHAIN_COLUMNS} FROM {{schema}}.{{chain}} "
                              "WHERE position > %s ORDER BY position LIMIT %s"),
            "insert_chain": sql(f"INSERT INTO {{schema}}.{{chain}} ({_CHAIN_COLUMNS}) "
                                "VALUES (%s, %s, %s, %s, %s, %s)"),
            "legacy_rows": sql("SELECT c.position, e.state FROM {schema}.{chain} c "
                               "JOIN {schema}.{events} e ON e.notification_id = c.position "
                               "WHERE c.event_position IS NULL AND c.position > %s "
                               "ORDER BY c.position LIMIT %s"),
            "backfill": sql("UPDATE {schema}.{chain} SET event_position = %s, stamped_at = %s, "
                            "format = 1 WHERE position = %s"),
            "stamps_of": sql("SELECT e.originator_version, c.stamped_at FROM {schema}.{events} e "
                             "JOIN {schema}.{chain} c ON c.event_position = e.notification_id "
                             "WHERE e.originator_id = %s::uuid"),
            "chained": sql("SELECT c.position, c.link, c.event_position, c.stamped_at, "
                           "c.stamped_by, c.format, e.originator_id, e.originator_version, "
                           "e.topic, e.state FROM {schema}.{chain} c JOIN {schema}.{events} e "
                           "ON e.notification_id = c.event_position WHERE c.position > %s "
                           "ORDER BY c.position LIMIT %s"),
            "events_of": sql("SELECT originator_version, topic, state FROM {schema}.{events} "
                             "WHERE originator_id = %s::uuid ORDER BY originator_version"),
            "stored_rows": sql("SELECT notification_id, replace(originator_id::text, '-', ''), "
                               "originator_version, "
                               "topic, state FROM {schema}.{events} WHERE notification_id > %s "
                               "ORDER BY notification_id LIMIT %s"),
            "read_events": sql("SELECT e.notification_id, e.originator_id, e.originator_version, "
                               "e.topic, e.state, c.stamped_at, c.position "
                               "FROM {schema}.{events} e LEFT JOIN {schema}.{chain} c "
                               "ON c.event_position = e.notification_id "
                               "WHERE e.notification_id > %s ORDER BY e.notification_id "
                               "LIMIT %s"),
            "server": sql("SELECT clock_timestamp() AS now, session_user AS who"),
            "chain_columns": sql("SELECT column_name FROM information_schema.columns "
                                 "WHERE table_schema = %s AND table_name = %s"),
        }

    def create_table(self) -> None:
        from psycopg.sql import SQL, Identifier

        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            c.execute(self._sql["chain_columns"], (self.datastore.schema, CHAIN_TABLE))
            present = {row["column_name"] for row in c.fetchall()}
            missing = [(name, kind) for name, kind in ADDED_COLUMNS if name not in present]
            for name, kind in missing:
                c.execute(SQL("ALTER TABLE {0}.{1} ADD COLUMN {2} " + kind.replace(
                    "BIGINT", "bigint").replace("TEXT", "text")).format(
                    Identifier(self.datastore.schema), Identifier(CHAIN_TABLE), Identifier(name)))
            if missing:
                for statement in self._sql["lock"]:
                    c.execute(statement)
                from crm.store.transcoding import transcoder

                decode = transcoder().decode
                self.backfill(c, lambda state: decode(state)["timestamp"])
            c.execute(SQL("CREATE UNIQUE INDEX IF NOT EXISTS {0} ON {1}.{2} (event_position)")
                      .format(Identifier(f"{CHAIN_TABLE}_by_event"),
                              Identifier(self.datastore.schema), Identifier(CHAIN_TABLE)))

    # -- the dialect ------------------------------------------------------------------------

    def _query(self, c: Any, name: str, params: tuple[Any, ...]) -> list[Any]:
        c.execute(self._sql[name], params)
        return [tuple(row.values()) for row in c.fetchall()]

    def _execute_many(self, c: Any, name: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            c.executemany(self._sql[name], rows)

    def _lock(self, c: Any) -> None:
        for statement in self._sql["lock"]:
            c.execute(statement)

    def _server(self, c: Any) -> Any:
        c.execute(self._sql["server"])
        return c.fetchone()

    def _record_times(self, c: Any, count: int, stamp: Any, stamps: Any) -> list[Any]:
        """A team's store: the server's clock, whatever a client says."""
        return [self._server(c)["now"]] * count

    def _stamped_by(self, c: Any) -> str:
        return str(self._server(c)["who"])

    def _id_text(self, originator_id: Any) -> str:
        return originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex

    def _insert_rows(self, c: Any, events: Sequence[Any], texts: dict[Any, str]) -> list[int]:
        c.execute(self._sql["insert_events"], (
            [e.originator_id for e in events], [e.originator_version for e in events],
            [e.topic for e in events], [bytes(e.state) for e in events]))
        # Pair each new position with its event by (aggregate, version), whatever the
        # order the server returned them in.
        by_key = {(r["originator_id"].hex, r["originator_version"]): r["notification_id"]
                  for r in c.fetchall()}
        return [by_key[(texts[e.originator_id], e.originator_version)] for e in events]
