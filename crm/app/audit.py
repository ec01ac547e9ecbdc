"""Proving the log intact: walking the hash chain, and checking a published head.

A head is `POSITION:HASH`, the link of the chain at that position. `verify` recomputes every
link from the stored events and names the first position where the log departs from its
chain: an event edited, deleted, inserted or moved. `extends` also proves that the log still
holds a head printed earlier: a log truncated below it, or rewritten with every hash
recomputed, no longer does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.store.chain import GENESIS, format_head, link

PAGE = 5000


@dataclass
class Verification:
    events: int = 0
    head: str | None = None
    bad_position: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.bad_position is None

    def broken(self, position: int, problem: str) -> Verification:
        self.bad_position, self.problem = position, problem
        return self


INSERTED = "inserted"  # an event that is not in the chain
DELETED = "deleted"  # the chain holds an event the log no longer has
CHANGED = "changed"  # the event does not follow from the chain: edited, moved, or one before it removed
TRUNCATED = "truncated"  # the published head's position is gone
REWRITTEN = "rewritten"  # the published head's link differs


def _stream(read: Any) -> Any:
    after = 0
    while True:
        page = read(after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1][0]


def verify(recorder: Any) -> Verification:
    """Walk the whole log in order, recomputing its chain."""
    result = Verification()
    events, links = _stream(recorder.read_events), _stream(recorder.read_links)
    event, stored = next(events, None), next(links, None)
    previous, position = GENESIS, 0
    while event is not None or stored is not None:
        if stored is None or (event is not None and event[0] < stored[0]):
            return result.broken(event[0], INSERTED)
        if event is None or stored[0] < event[0]:
            return result.broken(stored[0], DELETED)
        position, oid, version, topic, state = event
        if link(previous, position, oid, version, topic, bytes(state)) != stored[1]:
            return result.broken(position, CHANGED)
        previous = stored[1]
        result.events += 1
        event, stored = next(events, None), next(links, None)
    result.head = format_head(position, previous) if position else None
    return result


def extends(recorder: Any, head: tuple[int, bytes]) -> Verification:
    """Verify the log, then prove it still holds `head` unchanged."""
    result = verify(recorder)
    if not result.intact:
        return result
    position, digest = head
    found = recorder.link_at(position)
    if found is None:
        return result.broken(position, TRUNCATED)
    if found != digest:
        return result.broken(position, REWRITTEN)
    return result


def current_head(recorder: Any) -> str | None:
    """The head of the chain as stored (not recomputed): `POSITION:HASH`."""
    last = recorder.last_link()
    return format_head(*last) if last else None
