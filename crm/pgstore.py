"""A team's shared store on PostgreSQL: the library's native module for events, the same
hash chain as on SQLite, and plain errors when the server cannot be used.

Imported only for `postgresql://` stores, so SQLite users never load psycopg. A password
comes from the URL, `PGPASSWORD` or `~/.pgpass` (libpq reads the last two itself) and is
never shown: every message names the store through `redact`."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from crm.chain import CHAIN_TABLE, GENESIS, chain_links
from crm.domain.errors import StoreUnavailable

#: Held while a first user creates the tables, so two first users do not collide.
SCHEMA_LOCK = 0x63726D01  # "crm" 1
#: The library names a PostgreSQL application's events table after the application.
EVENTS_TABLE = "crm_events"


@dataclass(frozen=True)
class Target:
    user: str
    password: str | None
    host: str
    port: int
    dbname: str
    options: dict[str, str]

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"user": self.user, "host": self.host, "port": self.port,
                                  "dbname": self.dbname, "connect_timeout": 5, **self.options}
        if self.password:
            kwargs["password"] = self.password
        return kwargs


def parse(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError:
        raise StoreUnavailable(store=redact(url), reason="the URL cannot be read: "
                               "give postgresql://USER@HOST:PORT/DATABASE") from None
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or not parts.hostname:
        raise StoreUnavailable(store=redact(url), reason="give postgresql://USER@HOST:PORT/DATABASE")
    options = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    user = unquote(parts.username) if parts.username else os.environ.get("PGUSER") or \
        os.environ.get("USER") or "postgres"
    password = unquote(parts.password) if parts.password else None
    return Target(user, password, parts.hostname, port, dbname, options)


def redact(url: str) -> str:
    """The URL with any password masked: safe for messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "postgresql://…"


def postgres_env(url: str) -> dict[str, str]:
    target = parse(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": target.dbname,
        "POSTGRES_HOST": target.host,
        "POSTGRES_PORT": str(target.port),
        "POSTGRES_USER": target.user,
        # Empty: libpq then takes PGPASSWORD or ~/.pgpass by itself.
        "POSTGRES_PASSWORD": target.password or "",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "2",
        "POSTGRES_LOCK_TIMEOUT": os.environ.get("CRM_LOCK_TIMEOUT", "30"),
        "APPLICATION_RECORDER_TOPIC": "crm.pgstore:ChainedPostgresApplicationRecorder",
    }


def sqlalchemy_url(url: str) -> Any:
    from sqlalchemy.engine import URL

    target = parse(url)
    return URL.create("postgresql+psycopg", username=target.user, password=target.password,
                      host=target.host, port=target.port, database=target.dbname,
                      query=target.options)


def explain(error: Exception, url: str) -> StoreUnavailable:
    """A connection failure as one line a person can act on."""
    target = parse(url)
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    lowered = text.lower()
    if "does not exist" in lowered and "database" in lowered:
        reason = (f"database {target.dbname!r} does not exist on {target.host}:{target.port}: "
                  f"create it (createdb {target.dbname}) and run `crm init`")
    elif "password authentication failed" in lowered or "no password supplied" in lowered:
        reason = (f"the server refused user {target.user!r}: check the password in the URL, "
                  "PGPASSWORD or ~/.pgpass")
    elif "role" in lowered and "does not exist" in lowered:
        reason = f"there is no role {target.user!r} on the server: create it (createuser)"
    elif any(s in lowered for s in ("connection refused", "could not connect", "timeout",
                                    "timed out", "name or service not known",
                                    "could not translate host")):
        reason = (f"cannot reach PostgreSQL at {target.host}:{target.port}: is the server "
                  "running and the address right?")
    else:
        reason = text
    if target.password:
        reason = reason.replace(target.password, "***")
    return StoreUnavailable(store=redact(url), reason=reason)


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
