"""A `postgresql://` store's URL: what it names, how it may be shown (never with its
password), the library's settings for it, and a connection failure as one plain line.

Imports nothing of psycopg. A password comes from the URL, `PGPASSWORD` or `~/.pgpass`
(libpq reads the last two itself) and is never shown: every message names the store
through `redact`."""
from __future__ import annotations

import os
import re
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


#: Query parameters that carry a secret: never shown, and the URL's own password for libpq.
_SECRET_KEYS = frozenset({"password", "sslpassword"})
_URL_HINT = ("give postgresql://USER:PASSWORD@HOST:PORT/DATABASE, writing @ / ? # % in a "
             "password as %40 %2F %3F %23 %25")


def parse(url: str) -> Target:
    """What the URL names. A URL whose parts cannot be told apart for certain (a password
    holding a bare @ / ? or #, which would read as the host, the database or a port) is
    refused rather than guessed at: the guess might show a password as a database name."""
    refused = StoreUnavailable(store=redact(url), reason="the URL cannot be read: " + _URL_HINT)
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
        hostname = parts.hostname
    except ValueError:
        raise refused from None
    if "#" in url or "@" in parts.path + parts.query:
        raise refused
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or not hostname:
        raise StoreUnavailable(store=redact(url), reason="give postgresql://USER@HOST:PORT/DATABASE")
    options = {unquote(key): unquote(value) for key, sep, value in
               (p.partition("=") for p in parts.query.split("&")) if sep}
    user = unquote(parts.username) if parts.username else os.environ.get("PGUSER") or \
        os.environ.get("USER") or "postgres"
    password = unquote(parts.password) if parts.password else options.get("password")
    options.pop("password", None)
    return Target(user, password or None, hostname, port, dbname, options)


def secrets(url: str) -> list[str]:
    """Every secret a store's URL may hold, as `redact` finds them (as written, and as
    meant once %-escapes are read), longest first: what a free text (a driver's message, a
    traceback) must not show."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return []
    found: set[str] = set()
    for match in _SECRET_PARAM.finditer(rest):
        tail = rest[match.end():]
        found |= {tail, re.split(r"[&#]", tail)[0]}
    rest = _masked_params(rest)
    userinfo, at, hostpart = rest.rpartition("@")
    if at and ":" in userinfo:
        found.add(userinfo.partition(":")[2])
    elif not at:
        found.add(_bad_port(hostpart) or "")
    found |= {unquote(s) for s in found}
    found.discard("***")
    return sorted((s for s in found if s), key=len, reverse=True)


def redact(url: str) -> str:
    """The URL with its secrets masked, by where they stand in it, however malformed: the
    value of a `password=` parameter (and all that follows it), the user information's
    password (everything between the first `:` and the last `@` after `//`), and a port
    that is no port (a password whose `@` and host were left out: the rest of the URL).
    What is masked is never looked for elsewhere in the text, so `127.0.0.1` stays itself
    whatever the password."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "postgresql://…"
    rest = _masked_params(rest)
    userinfo, at, hostpart = rest.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        return f"{scheme}://{user}:***@{hostpart}" if colon else f"{scheme}://{rest}"
    bad = _bad_port(rest)
    return f"{scheme}://{rest[:len(rest) - len(bad)]}***" if bad else f"{scheme}://{rest}"


#: A `password=` (or `sslpassword=`) parameter, its name written plainly or %-escaped.
_SECRET_PARAM = re.compile(r"[?&#;](?:ssl)?(?:p|%70)(?:a|%61)(?:s|%73)(?:s|%73)(?:w|%77)"
                           r"(?:o|%6f)(?:r|%72)(?:d|%64)=", re.IGNORECASE)


def _masked_params(rest: str) -> str:
    """Everything from the first secret parameter's value on, masked."""
    match = _SECRET_PARAM.search(rest)
    return rest if match is None else rest[:match.end()] + "***"


def _bad_port(rest: str) -> str | None:
    """In a URL's rest without user information: from the first port that is not a port
    (not a number below 65536) to the end, or None when every host's port is one. A host
    in brackets ([::1]) is an IPv6 address, its port after the bracket; a bracket left open
    hides nothing: all of it is masked."""
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    offset = 0
    for host in authority.split(","):
        if host.startswith("["):
            close = host.find("]")
            if close < 0:
                return rest[offset:]
            name, colon, port = host[:close + 1], host[close + 1:close + 2], host[close + 2:]
            if host[close + 1:] and colon != ":":
                return rest[offset + close + 1:]
        else:
            name, colon, port = host.partition(":")
        if colon and not (port.isascii() and port.isdigit() and int(port) < 65536):
            return rest[offset + len(name) + 1:]
        offset += len(host) + 1
    return None


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
    """A connection failure as one line a person can act on. Its words are built from what
    the URL names; the server's own words are shown only when they hold no secret of the
    URL's (never masked inside them: a password `127` would turn 127.0.0.1 into ***.0.0.1)."""
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
    elif any(secret in text for secret in [*secrets(url), target.password or ""] if secret):
        reason = f"the server at {target.host}:{target.port} refused the connection"
    else:
        reason = text
    return StoreUnavailable(store=redact(url), reason=reason)
