"""Choosing and opening the event store from --store / CRM_STORE.

A path (default `events.sqlite`) is the embedded SQLite store; a `postgresql://` URL is a
team's shared server. Either way every stored event is bound into a hash chain, in the
same transaction that stores it (see `crm.store.chain`).

What a command may do with a store that is not there yet is said before it opens it
(`expect`): a command that only reads finds none and says so (`READ`); `crm init` makes it
at once (`CREATE`, also what opening a store outside a command does); any other command
makes it when it first writes (`LATER`), so a command refused before writing leaves no file
behind. A file is taken as a store only if it is one (the log's chain table), or holds
nothing yet: another application's database is refused, and left exactly as it is."""
from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crm.store.chain import CHAIN_TABLE
from crm.store.errors import NoStore, NotOurDatabase, StoreReadOnly, StoreUnavailable

DEFAULT_STORE = "events.sqlite"

#: What opening a store that is not there yet does: say there is none, make it now, or
#: make it when the command first writes.
READ, CREATE, LATER = "read", "create", "later"
#: Where a store that does not exist yet lives until its first write: in memory.
MEMORY_PREFIX = "file:crm-not-yet-"

_expected: list[str] = []


def expect(mode: str | None) -> None:
    """Say what the next store opened (the command's own) may do if it is not there yet;
    None forgets it (the default, CREATE, again)."""
    _expected[:] = [mode] if mode else []


def _taken() -> str:
    mode = _expected[0] if _expected else CREATE
    _expected.clear()  # the command's own store only: a copy's target is made as usual
    return mode


#: What --user (CRM_USER) should be: it is kept on every event as who recorded it.
USER_EXPECTED = "a name to keep as who recorded, without control or invisible characters"


def unfit_user(user: str) -> bool:
    """Whether a name cannot be kept as who recorded: empty, or holding a control or an
    invisible character (zero-width, byte order mark, bidirectional controls, a line or
    paragraph separator, an undecodable byte of the command line)."""
    import unicodedata

    return not user.strip() or any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in user)


def is_postgres(store: str) -> bool:
    return store.startswith(("postgresql://", "postgres://"))


def describe(store: str) -> str:
    """The store as it may be shown to a person: never with its password."""
    if is_postgres(store):
        from crm.store.pgurl import redact

        return redact(store)
    return store


def opening_mode(mode: str | None = None) -> str:
    """The mode a store is opened in: the one given, or what the command said (`expect`)."""
    return mode or _taken()


def store_env(store: str, mode: str = CREATE) -> dict[str, str]:
    """The eventsourcing settings for a store. For an SQLite store that is not there yet and
    may be made later, the settings of an empty store in memory, and `CRM_CREATE_AT`: the
    file the first write makes."""
    if is_postgres(store):
        from crm.store.pgurl import postgres_env

        return postgres_env(store)
    if store.strip() in ("", ":memory:") or store.startswith("file:") or "mode=memory" in store:
        raise StoreUnavailable(store=store or "''", reason="it keeps nothing once the command "
                               "ends: give a file such as events.sqlite")
    path = Path(store).expanduser().absolute()
    if path.is_dir():
        raise StoreUnavailable(store=store, reason="it is a folder; give a file such as events.sqlite")
    if not path.parent.exists():
        raise StoreUnavailable(store=store, reason=f"the folder {path.parent} does not exist")
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        # Absolute, so SQLite never reads it as a URI (`file:…`), and the same file the read
        # models open (see `sqlalchemy_url`), whatever `?`, `#` or `%` the name holds.
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": os.environ.get("CRM_LOCK_TIMEOUT", "30"),
        "APPLICATION_RECORDER_TOPIC": "crm.store.sqlite:ChainedSQLiteApplicationRecorder",
    }
    if not path.exists():
        if mode == READ:
            raise NoStore(store=store)
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreReadOnly(store=store)
        if mode == LATER:
            return {**settings, "SQLITE_DBNAME": f"{MEMORY_PREFIX}{uuid.uuid4().hex}"
                                                 "?mode=memory&cache=shared",
                    "CRM_CREATE_AT": store}
        return settings
    tables = _tables(path, store)
    if tables and CHAIN_TABLE not in tables:
        raise NotOurDatabase(store=store)
    if not tables and mode == READ:
        raise NoStore(store=store)
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreReadOnly(store=store)
    return settings


def _tables(path: Path, store: str) -> set[str]:
    """The tables of an SQLite file, read without changing it (none for an empty file)."""
    if not path.stat().st_size:
        return set()
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except OSError:
        raise StoreReadOnly(store=store) from None
    if header != b"SQLite format 3\x00":
        raise StoreUnavailable(store=store, reason="it is not an SQLite database")
    uri = f"file:{quote(str(path))}?mode=ro"
    for extra in ("", "&immutable=1"):  # a folder we may not write: read it as it lies
        try:
            connection = sqlite3.connect(uri + extra, uri=True, timeout=30)
        except sqlite3.Error:
            continue
        try:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {row[0] for row in rows}
        except sqlite3.DatabaseError as e:
            if "not a database" in str(e) or "malformed" in str(e):
                raise StoreUnavailable(store=store, reason="it is not an SQLite database") from None
            continue
        finally:
            connection.close()
    return {CHAIN_TABLE}  # cannot be read now (a writer holds it): let opening it say why


def sqlalchemy_url(store: str) -> Any:
    """Where the read models live: the same database as the events (in memory while an
    SQLite store waits for its first write)."""
    if is_postgres(store):
        from crm.store.pgurl import sqlalchemy_url as pg_url

        return pg_url(store)
    from sqlalchemy.engine import URL

    path = Path(store).expanduser().absolute()
    return URL.create("sqlite", database=str(path) if path.exists() else None)
