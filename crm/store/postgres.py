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

from crm.store.chain import ADDED_COLUMNS, CHAIN_TABLE, ChainRow
from crm.store.chained import Chained, chain_row
from crm.store.errors import NoStore, StoreUnavailable
from crm.store.pgurl import explain, parse, redact

#: Held while a first user creates the tables, so two first users do not collide.
SCHEMA_LOCK = 0x63726D01  # "crm" 1
#: Held by every writer of the log until it commits (see the "lock" statements).
APPEND_LOCK = 0x63726D02  # "crm" 2
#: The library names a PostgreSQL application's events table after the application.
EVENTS_TABLE = "crm_events"


@contextlib.contextmanager
def prepared(url: str, must_exist: bool = False) -> Iterator[bool]:
    """Check the server can be used (plain errors if not), and say whether the tables still
    have to be created; if so, hold a lock while the caller creates them. `must_exist`: a
    command that only reads creates no store — a database without the log's table is
    refused (`NoStore`)."""
    import psycopg

    try:
        conn = psycopg.connect(autocommit=True, **parse(url).connect_kwargs())
    except psycopg.Error as e:
        raise explain(e, url) from None
    except (ValueError, OverflowError):  # a value of the URL's query libpq cannot take
        raise StoreUnavailable(store=redact(url), reason="the URL cannot be read: give "
                               "postgresql://USER@HOST:PORT/DATABASE") from None
    try:
        if _has_tables(conn):
            yield False
            return
        if must_exist and not _has_log(conn):
            raise NoStore(store=redact(url))
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
        "WHERE table_name = %s AND column_name = 'stamped_at') AND (SELECT count(*) FROM "
        "pg_trigger WHERE tgname LIKE 'crm_append_only%%') >= 4", (EVENTS_TABLE, CHAIN_TABLE)
    ).fetchone()
    return bool(row[0])


#: What each of a zone's roles may do (their names carry the database's: one server holds
#: many zones). Team members get a login each, member of one of these.
ROLES = ("owner", "recorder", "auditor")


def create_roles(url: str, zone_id: UUID) -> list[str]:
    """`crm init --roles`: the database's roles and what each may do. Recorders append
    events (and keep the read models current); auditors read everything and may refresh the
    read models, never write events or chain rows; only the owner changes the schema and the
    zone's settings (which close and reopen periods). Needs a role that may create roles."""
    import psycopg
    from psycopg.sql import SQL, Identifier, Literal

    try:
        conn = psycopg.connect(autocommit=True, **parse(url).connect_kwargs())
    except psycopg.Error as e:
        raise explain(e, url) from None
    with conn:
        db, can = conn.execute(
            "SELECT current_database(), rolsuper OR rolcreaterole FROM pg_roles "
            "WHERE rolname = session_user").fetchone()
        if not can:
            from crm.store.errors import StoreFailed

            raise StoreFailed(reason="creating the zone's roles needs a login that may create "
                                     "roles (CREATEROLE): run `crm init --roles` as the "
                                     "database's administrator")
        names = {r: f"{db}_{r}" for r in (*ROLES, "readmodels")}
        schema = Identifier("public")
        with conn.transaction():
            for role in names.values():
                if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() \
                        is None:
                    conn.execute(SQL("CREATE ROLE {0} NOLOGIN").format(Identifier(role)))
            owner, recorder, auditor, models = (Identifier(names[r]) for r in
                                                (*ROLES, "readmodels"))
            events, chain = Identifier(EVENTS_TABLE), Identifier(CHAIN_TABLE)
            for member in (owner, recorder, auditor):
                conn.execute(SQL("GRANT {0} TO {1}").format(models, member))
            conn.execute(SQL("GRANT USAGE ON SCHEMA {0} TO {1}, {2}, {3}").format(
                schema, owner, recorder, auditor))
            conn.execute(SQL("GRANT CREATE ON SCHEMA {0} TO {1}, {2}").format(
                schema, owner, models))
            for table in (events, chain):
                conn.execute(SQL("ALTER TABLE {0} OWNER TO {1}").format(table, owner))
                conn.execute(SQL("GRANT SELECT, INSERT ON {0} TO {1}").format(table, recorder))
                conn.execute(SQL("GRANT SELECT ON {0} TO {1}").format(table, auditor))
            conn.execute(SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {0} TO {1}")
                         .format(schema, recorder))
            for (table,) in conn.execute("SELECT tablename FROM pg_tables WHERE "
                                         "schemaname = 'public' AND tablename LIKE 'rm\\_%%'"):
                conn.execute(SQL("ALTER TABLE {0} OWNER TO {1}").format(Identifier(table),
                                                                        models))
            conn.execute(SQL(
                "CREATE OR REPLACE FUNCTION crm_owner_settings() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN IF NEW.originator_id = {0}::uuid AND NOT "
                "pg_has_role(session_user, {1}, 'MEMBER') THEN RAISE EXCEPTION "
                "'only the zone''s owner changes its settings'; END IF; RETURN NEW; END $$")
                .format(Literal(str(zone_id)), Literal(names["owner"])))
            conn.execute("DROP TRIGGER IF EXISTS crm_owner_settings ON crm_events")
            conn.execute("CREATE TRIGGER crm_owner_settings BEFORE INSERT ON crm_events "
                         "FOR EACH ROW EXECUTE FUNCTION crm_owner_settings()")
        return [names[r] for r in ROLES]


def _has_log(conn: Any) -> bool:
    """Whether the database holds the log's events table (of this version or the first)."""
    return bool(conn.execute("SELECT to_regclass(%s) IS NOT NULL", (EVENTS_TABLE,)).fetchone()[0])


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
            # every writer of the log takes this one lock, held to its commit: the chain
            # grows from its true head, and no login needs the table rights LOCK TABLE would
            # ask for (UPDATE, DELETE: recorders have neither). One statement: the wait's
            # limit for this transaction is set (the CTE, evaluated first) before the lock
            # is asked for.
            "lock": sql("WITH waiting AS MATERIALIZED (SELECT set_config('lock_timeout', "
                        f"'{int(self.datastore.lock_timeout or 30)}s', true)) "
                        f"SELECT pg_advisory_xact_lock({APPEND_LOCK}) FROM waiting"),
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
            "insert_chain_rows": sql(f"INSERT INTO {{schema}}.{{chain}} ({_CHAIN_COLUMNS}) "
                                     "SELECT * FROM unnest(%s::bigint[], %s::bytea[], "
                                     "%s::bigint[], %s::text[], %s::text[], %s::integer[])"),
            "legacy_rows": sql("SELECT c.position, e.state FROM {schema}.{chain} c "
                               "JOIN {schema}.{events} e ON e.notification_id = c.position "
                               "WHERE c.event_position IS NULL AND c.position > %s "
                               "ORDER BY c.position LIMIT %s"),
            "backfill": sql("UPDATE {schema}.{chain} SET event_position = %s, stamped_at = %s, "
                            "format = 1 WHERE position = %s"),
            "stamps_of": sql("SELECT e.originator_version, c.stamped_at, c.stamped_by "
                             "FROM {schema}.{events} e "
                             "JOIN {schema}.{chain} c ON c.event_position = e.notification_id "
                             "WHERE e.originator_id = %s::uuid"),
            "chained": sql("SELECT c.position, c.link, c.event_position, c.stamped_at, "
                           "c.stamped_by, c.format, e.originator_id, e.originator_version, "
                           "e.topic, e.state FROM {schema}.{chain} c JOIN {schema}.{events} e "
                           "ON e.notification_id = c.event_position WHERE c.position > %s "
                           "ORDER BY c.position LIMIT %s"),
            "events_of": sql("SELECT originator_version, topic, state FROM {schema}.{events} "
                             "WHERE originator_id = %s::uuid ORDER BY originator_version"),
            "of_topics": sql("SELECT notification_id, originator_id, topic, state "
                             "FROM {schema}.{events} WHERE notification_id > %s AND topic IN "
                             "(SELECT jsonb_array_elements_text(%s::jsonb)) "
                             "ORDER BY notification_id LIMIT %s"),
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
            # `_under_lock` in one statement: the server's clock and login, the zone's
            # version, and the chain's head (no row of it in an empty chain)
            "under_lock": sql(
                "SELECT clock_timestamp() AS now, session_user AS who, "
                "(SELECT count(*) FROM {schema}.{events} WHERE originator_id = %s::uuid) "
                f"AS zone, h.* FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT {_CHAIN_COLUMNS} "
                "FROM {schema}.{chain} ORDER BY position DESC LIMIT 1) AS h ON true"),
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
                c.execute(self._sql["lock"])
                from crm.store.transcoding import transcoder

                decode = transcoder().decode
                self.backfill(c, lambda state: decode(state)["timestamp"])
            c.execute(SQL("CREATE UNIQUE INDEX IF NOT EXISTS {0} ON {1}.{2} (event_position)")
                      .format(Identifier(f"{CHAIN_TABLE}_by_event"),
                              Identifier(self.datastore.schema), Identifier(CHAIN_TABLE)))
            self._append_only(c)

    def _append_only(self, c: Any) -> None:
        """Triggers that make the database itself refuse UPDATE, DELETE and TRUNCATE of
        events and chain rows (the library never does either): even a login that may write
        cannot rewrite the log; the owner would have to drop them first."""
        from psycopg.sql import SQL, Identifier

        schema = Identifier(self.datastore.schema)
        c.execute("SELECT tgname FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid "
                  "JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = %s "
                  "AND tgname LIKE 'crm_append_only%%'", (self.datastore.schema,))
        present = {row["tgname"] for row in c.fetchall()}
        if len(present) == 4:
            return
        c.execute(SQL(
            "CREATE OR REPLACE FUNCTION {0}.crm_append_only() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'the log is append-only: % of % refused', TG_OP, "
            "TG_TABLE_NAME; END $$").format(schema))
        for table in (self.events_table_name, CHAIN_TABLE):
            for suffix, when in (("rows", "BEFORE UPDATE OR DELETE ON {0}.{1} FOR EACH ROW"),
                                 ("truncate", "BEFORE TRUNCATE ON {0}.{1} FOR EACH STATEMENT")):
                name = f"crm_append_only_{suffix}_{table}"[:63]
                if name in present:
                    continue
                c.execute(SQL("CREATE TRIGGER {2} " + when +
                              " EXECUTE FUNCTION {0}.crm_append_only()").format(
                    schema, Identifier(table), Identifier(name)))

    # -- the dialect ------------------------------------------------------------------------

    def _query(self, c: Any, name: str, params: tuple[Any, ...]) -> list[Any]:
        c.execute(self._sql[name], params)
        return [tuple(row.values()) for row in c.fetchall()]

    def _execute_many(self, c: Any, name: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            c.executemany(self._sql[name], rows)

    def _insert_chain(self, c: Any, rows: list[tuple[Any, ...]]) -> None:
        """A batch's chain rows in one statement, a column an array (as its events are
        inserted), rather than a statement a row."""
        c.execute(self._sql["insert_chain_rows"], [list(column) for column in zip(*rows)])

    def _lock(self, c: Any) -> None:
        c.execute(self._sql["lock"])

    def _stamping(self, c: Any, stamps: Sequence[Any]) -> tuple[Sequence[Any], str]:
        """A team's store: the server's clock, whatever a client says, and the login role
        (one query a batch)."""
        c.execute(self._sql["server"])
        server = c.fetchone()
        return [server["now"]] * len(stamps), str(server["who"])

    def _under_lock(self, c: Any, stamps: Sequence[Any] | None, zone_id: Any
                    ) -> tuple[ChainRow | None, tuple[Sequence[Any], str] | None, int | None]:
        """The head, the server's clock and login, and the zone's version in one round
        trip (each statement under the lock lengthens every other writer's wait)."""
        c.execute(self._sql["under_lock"], (None if zone_id is None else self._id_text(zone_id),))
        r = c.fetchone()
        head = None if r["position"] is None else chain_row(
            [r[column] for column in _CHAIN_COLUMNS.split(", ")])
        stamping = None if stamps is None else ([r["now"]] * len(stamps), str(r["who"]))
        return head, stamping, None if zone_id is None else r["zone"]

    def _id_text(self, originator_id: Any) -> str:
        return originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex

    def _insert_rows(self, c: Any, events: Sequence[Any], id_texts: Sequence[str]) -> list[int]:
        c.execute(self._sql["insert_events"], (
            [e.originator_id for e in events], [e.originator_version for e in events],
            [e.topic for e in events], [e.state for e in events]))
        # Pair each new position with its event by (aggregate, version), whatever the
        # order the server returned them in.
        by_key = {(r["originator_id"].hex, r["originator_version"]): r["notification_id"]
                  for r in c.fetchall()}
        return [by_key[(t, e.originator_version)] for t, e in zip(id_texts, events, strict=True)]
