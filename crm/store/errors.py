"""What can go wrong with a store before any rule of the log is asked."""
from __future__ import annotations

from crm.domain.errors import CrmError


class StoreUnavailable(CrmError):
    """params: store, reason — the store cannot be opened or used as it is."""


class StoreFailed(CrmError):
    """params: reason — the store could not do what was asked (a full disk, a lock held
    too long, no right to write); nothing was written."""


_KNOWN = (
    (("database or disk is full", "no space left on device", "could not extend file",
      "disk full"), "the disk is full: make room, then run the command again"),
    (("database is locked", "lock timeout", "canceling statement due to lock timeout"),
     "another command held the store too long: run the command again"),
    (("readonly database", "read-only", "permission denied"),
     "the store may not be written here: check the file's or the login's rights"),
)


def failure(error: Exception) -> StoreFailed:
    """A failure of the store as one plain line, never its SQL or the data it held."""
    text = str(error).strip()
    lowered = text.lower()
    for needles, reason in _KNOWN:
        if any(n in lowered for n in needles):
            return StoreFailed(reason=reason)
    first = text.splitlines()[0] if text else type(error).__name__
    if "[sql:" in first.lower() or "insert " in lowered or "select " in lowered:
        first = type(error).__name__
    return StoreFailed(reason=first[:200])
