"""A `postgresql://` store's URL: what it names, how it may be shown (never with its
password), the library's settings for it, and a connection failure as one plain line.

Imports nothing of psycopg. A password comes from the URL, `PGPASSWORD` or `~/.pgpass`
(libpq reads the last two itself) and is never shown: every message names the store
through `redact`."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from crm.store.errors import StoreUnavailable


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
        "APPLICATION_RECORDER_TOPIC": "crm.store.postgres:ChainedPostgresApplicationRecorder",
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
