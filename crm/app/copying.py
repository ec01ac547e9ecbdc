"""Moving a log to another store (`crm copy --to`): every stored event exactly as stored —
its business date, recorder and original record time are inside it — with its chain row
(chain position, record time, who recorded it), all in one transaction; then proof that the
copy holds the same events in the same order and that its chain verifies to the same head."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from crm.app import audit
from crm.app.errors import CopyMismatch, SourceBroken, TargetNotEmpty
from crm.store.chain import ChainMismatch

BATCH = 1000


@dataclass
class Copied:
    events: int
    source_head: str | None
    target_head: str | None


def copy_log(source: Any, target: Any, progress: Callable[[int], None] | None = None) -> Copied:
    held = target.recorder.max_notification_id() or 0
    if held:
        raise TargetNotEmpty(store=target.describe(), events=held)
    checked = audit.verify(source.recorder)
    if not checked.intact:  # a copy of a broken log would hide where it broke
        raise SourceBroken(store=source.describe(), position=checked.bad_position)

    def produce(_tx: Any) -> Iterator[list[Any]]:
        batch = []
        for pair in source.recorder.chained():
            batch.append(pair)
            if len(batch) >= BATCH:
                yield batch
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            yield batch
            if progress:
                progress(len(batch))

    try:  # each copied link is recomputed from the copy as it is written
        copied = target.recorder.insert_all(produce)
    except ChainMismatch as e:
        raise CopyMismatch(position=e.position) from None
    _compare(source.recorder, target.recorder)
    head = audit.current_head(target.recorder)
    if head != checked.head:
        raise CopyMismatch(position=0)
    return Copied(copied, checked.head, head)


def _compare(source: Any, target: Any) -> None:
    """The same events with the same chain rows, in the same order, byte for byte."""
    mine, theirs = source.chained(), target.chained()
    for n, ((a, x), (b, y)) in enumerate(zip(mine, theirs, strict=False), start=1):
        same = (_hex(a.originator_id), a.originator_version, a.topic, bytes(a.state)) == \
            (_hex(b.originator_id), b.originator_version, b.topic, bytes(b.state))
        if not same or (x.position, x.link, x.stamped_at, x.stamped_by, x.format) != \
                (y.position, y.link, y.stamped_at, y.stamped_by, y.format):
            raise CopyMismatch(position=n)
    if next(mine, None) is not None or next(theirs, None) is not None:
        raise CopyMismatch(position=0)


def _hex(originator_id: Any) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def copy_to(source: Any, target_store: str, user: str,
            on_open: Callable[[Callable[[], Any]], None],
            progress: Callable[[int], None] | None = None) -> Copied:
    """`crm copy --to`: the whole log into another, empty store, verified."""
    from crm.app.log import ProjectLog

    target = ProjectLog(store=target_store, user=user)
    on_open(target.close)
    return copy_log(source, target, progress=progress)
