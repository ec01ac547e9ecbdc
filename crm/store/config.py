"""Choosing and opening the event store from --store / CRM_STORE.

A path (default `events.sqlite`) is the embedded SQLite store; a `postgresql://` URL is a
team's shared server. Either way every stored event is bound into a hash chain, in the
same transaction that stores it (see `crm.store.chain`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crm.store.errors import StoreUnavailable

DEFAULT_STORE = "events.sqlite"


def is_postgres(store: str) -> bool:
    return store.startswith(("postgresql://", "postgres://"))


def describe(store: str) -> str:
    """The store as it may be shown to a person: never with its password."""
    if is_postgres(store):
        from crm.store.pgurl import redact

        return redact(store)
    return store


def store_env(store: str) -> dict[str, str]:
    """The eventsourcing settings for a store."""
    if is_postgres(store):
        from crm.store.pgurl import postgres_env

        return postgres_env(store)
    if store.strip() in ("", ":memory:") or store.startswith("file:") or "mode=memory" in store:
        raise StoreUnavailable(store=store or "''", reason="it keeps nothing once the command "
                               "ends: give a file such as events.sqlite")
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
        "APPLICATION_RECORDER_TOPIC": "crm.store.sqlite:ChainedSQLiteApplicationRecorder",
    }


def _looks_like_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def sqlalchemy_url(store: str) -> Any:
    """Where the read models live: the same database as the events."""
    if is_postgres(store):
        from crm.store.pgurl import sqlalchemy_url as pg_url

        return pg_url(store)
    return f"sqlite:///{store}"
