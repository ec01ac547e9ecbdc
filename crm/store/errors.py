"""What can go wrong with a store before any rule of the log is asked."""
from __future__ import annotations

from crm.domain.errors import CrmError, InputError


class StoreUnavailable(CrmError):
    """params: store, reason — the store cannot be opened or used as it is."""


class NoStore(StoreUnavailable):
    """params: store — a command that only reads found no store there (and made none)."""


class NotOurDatabase(StoreUnavailable):
    """params: store — an SQLite file of another application's (tables, none of them the
    log's): it is left exactly as it is."""


class StoreReadOnly(StoreUnavailable):
    """params: store — the store's file, or its folder, may not be written by this login."""


class ServerClock(InputError):
    """params: store — CRM_NOW was set for a PostgreSQL store, whose server stamps every
    record time itself."""


class StoreFailed(CrmError):
    """params: reason — the store could not do what was asked (a full disk, a lock held
    too long, no right to write); nothing was written."""


_KNOWN = (
    (("database or disk is full", "no space left on device", "could not extend file",
      "disk full"), "the disk is full: make room, then run the command again"),
    (("database is locked", "lock timeout", "canceling statement due to lock timeout"),
     "another command held the store too long: run the command again"),
    (("readonly database", "read-only", "permission denied", "unable to open database file"),
     "the store may not be written here: check the file's or the login's rights"),
    (("duplicate key value violates unique constraint", "unique constraint failed"),
     "another command wrote to the store at the same moment: run the command again"),
)


def failure(error: Exception) -> StoreFailed:
    """A failure of the store as one plain line, never its SQL or the data it held."""
    text = str(error).strip()
    lowered = text.lower()
    for needles, reason in _KNOWN:
        if any(n in lowered for n in needles):
            return StoreFailed(reason=reason)
    first = text.splitlines()[0] if text else type(error).__name__
    if any(word in lowered for word in _SQL) or '"' in first or "'" in first:
        first = type(error).__name__  # SQL, a name in the database, or a value it held
    return StoreFailed(reason=first[:200])


#: Words that mark a statement, a bound parameter or a row in a driver's message.
_SQL = ("[sql:", "[parameters:", "insert ", "select ", "update ", "delete ", "create ",
        "alter ", "drop ", "values", "detail:", "key (", "where ", "line ", "context:")
