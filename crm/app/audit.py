"""Proving the log intact: walking the hash chain over every stored row, and checking a
published head.

A head is `POSITION:HASH`, the chain's link at that chain position. `verify` walks every row
of the events table, whatever its position, beside the chain, recomputes each link from the
row exactly as it is stored and read (id text, version, topic, state) and its record time,
and names the first place where the log departs from its chain: a row the chain does not
hold (inserted, at any position), a chained event no longer there (deleted), one edited or
moved, an id written in another form, a record time out of order. `extends` also proves
that the log still holds a head printed earlier: a log truncated below it, or rewritten with
every hash recomputed, no longer does."""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from crm.store.chain import GENESIS, STORED_ID, follow, format_head, link_of, stamp_text
from crm.store.chained import chain_row, stored_row

INSERTED = "inserted"  # a stored row the chain does not hold
DELETED = "deleted"  # the chain holds an event the log no longer has
CHANGED = "changed"  # the event does not follow from the chain: edited, moved, or one before it removed
ID_FORM = "id_form"  # the event's id is written in another form than the store writes
RESTAMPED = "restamped"  # the record time is not the one the chain holds
TRUNCATED = "truncated"  # the published head's position is gone
REWRITTEN = "rewritten"  # the published head's link differs


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


def verify(recorder: Any, decode_timestamp: Any = None) -> Verification:
    """Walk every stored row in store order beside the chain in chain order, a pair at a
    time, each row as the store reads it. `follow` passes each pair that plainly follows
    the chain, as nearly every one does; any other is judged by `_departure`, which names
    its problem, if it has one."""
    result = Verification()
    pairs = itertools.zip_longest(itertools.chain.from_iterable(recorder.stored_pages()),
                                  itertools.chain.from_iterable(recorder.chain_pages()))
    previous, position, floor = GENESIS, 0, ""
    while True:
        previous, position, floor, followed, pair = follow(pairs, previous, position, floor,
                                                           decode_timestamp)
        result.events += followed
        if pair is None:
            break
        departure = _departure(*pair, previous, floor, position, decode_timestamp)
        if departure is not None:
            return result.broken(*departure)
        link_row = chain_row(pair[1])
        previous, floor, position = link_row.link, link_row.stamped_at, link_row.position
        result.events += 1
    result.head = format_head(position, previous) if position else None
    return result


def _departure(read: Any, read_link: Any, previous: bytes, floor: str, position: int,
               decode_timestamp: Any) -> tuple[int, str] | None:
    """Where, and how, a stored row (`read`) and a chain row (`read_link`), each as read or
    None when its walk is over, depart from the chain after the link `previous`, the record
    time `floor` and the chain position `position`: None if they do not."""
    row = stored_row(read) if read is not None else None
    link_row = chain_row(read_link) if read_link is not None else None
    if link_row is None or (row is not None and row.position < link_row.event_position):
        return row.position, INSERTED
    if row is None or link_row.event_position < row.position:
        return link_row.position, DELETED
    if not STORED_ID.fullmatch(row.id_text):
        return link_row.position, ID_FORM
    if link_row.position <= position or (link_row.format == 2
                                          and link_row.position != position + 1):
        return link_row.position, CHANGED
    if link_of(previous, row, link_row) != link_row.link:
        return link_row.position, CHANGED
    if link_row.stamped_at < floor:
        return link_row.position, RESTAMPED
    if link_row.format == 1 and decode_timestamp is not None:  # derived, so recomputed
        implied = max(stamp_text(decode_timestamp(row.state)), floor)
        if link_row.stamped_at != implied:
            return link_row.position, RESTAMPED
    return None


def extends(recorder: Any, head: tuple[int, bytes], decode_timestamp: Any = None
            ) -> Verification:
    """Verify the log, then prove it still holds `head` unchanged."""
    result = verify(recorder, decode_timestamp)
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


def verify_log(app: Any, head: tuple[int, bytes] | None = None, deep: bool = False
               ) -> Verification:
    """`crm verify`: the whole chain, and with `head` a published head too. The record
    times of the first product's events (derived from their own timestamps, which their
    links do cover) are recomputed with `deep`, which reads every event's fields anyway."""
    decode = app.mapper.transcoder.decode

    def decode_timestamp(state: bytes) -> Any:
        return decode(state)["timestamp"]

    derive = decode_timestamp if deep else None
    return extends(app.recorder, head, derive) if head else verify(app.recorder, derive)


# -- look-alike names ----------------------------------------------------------------------

#: Characters that show as nothing without being format characters (Cf): the combining
#: grapheme joiner, Hangul fillers, Mongolian free variation selectors, variation selectors.
_ALSO_INVISIBLE = re.compile("[\u034f\u115f\u1160\u3164\uffa0\u180b-\u180f\ufe00-\ufe0f"
                             "\U000e0100-\U000e01ef]")
_SPACES = re.compile(r"\s+")


def seen_as(name: str) -> str:
    """A name as a person sees it: without what is invisible (format characters such as a
    zero-width space, a BOM or a direction mark, and the few others that show as nothing),
    NFKC, case-folded, its spaces collapsed. Two names seen alike are one name to a reader."""
    shown = _ALSO_INVISIBLE.sub("", name)
    visible = shown if shown.isprintable() else (  # printable: no format character (Cf)
        "".join(c for c in shown if unicodedata.category(c) != "Cf"))
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", visible).casefold()).strip()


def look_alike_names(app: Any) -> list[tuple[str, str]]:
    """Every pair of live projects' names that differ only by what is invisible (华锂\u200b新材
    beside 华锂新材), which older versions let in: `crm verify` warns of each. Read from the
    contacts and renames alone (`current_names`): no project is loaded. Each pair is in the
    order the projects were contacted."""
    by_sight: dict[str, list[str]] = {}
    for _, name in app.current_names():
        by_sight.setdefault(seen_as(name), []).append(name)
    return [(a, b) for names in by_sight.values() if len(names) > 1
            for i, a in enumerate(names) for b in names[i + 1:]]
