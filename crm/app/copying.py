"""Moving a log to another store (`crm copy --to`): every stored event exactly as stored —
its business date, recorder and original record time are inside it — then proof that the
copy holds the same events in the same order and that its chain verifies."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from crm.app import audit
from crm.app.errors import CopyMismatch, TargetNotEmpty

BATCH = 1000


@dataclass
class Copied:
    events: int
    source_head: str | None
    target_head: str | None


def _stored(record: tuple[Any, ...]) -> StoredEvent:
    _, oid, version, topic, state = record
    return StoredEvent(originator_id=oid if isinstance(oid, UUID) else UUID(str(oid)),
                       originator_version=version, topic=topic, state=bytes(state))


def copy_log(source: Any, target: Any, progress: Callable[[int], None] | None = None) -> Copied:
    held = target.recorder.max_notification_id() or 0
    if held:
        raise TargetNotEmpty(store=target.describe(), events=held)
    copied, after = 0, 0
    while records := source.recorder.read_events(after, BATCH):
        target.recorder.insert_events([_stored(r) for r in records])
        copied += len(records)
        after = records[-1][0]
        if progress:
            progress(len(records))
    _compare(source.recorder, target.recorder)
    checked = audit.verify(target.recorder)
    if not checked.intact:
        raise CopyMismatch(position=checked.bad_position)
    return Copied(copied, audit.current_head(source.recorder), checked.head)


def _compare(source: Any, target: Any) -> None:
    """The same events, in the same order, byte for byte."""
    def stream(recorder: Any) -> Any:
        after = 0
        while records := recorder.read_events(after, BATCH):
            for r in records:
                yield r
            after = records[-1][0]

    mine, theirs = stream(source), stream(target)
    for n, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1):
        if _stored(a) != _stored(b):
            raise CopyMismatch(position=n)
    if next(mine, None) is not None or next(theirs, None) is not None:
        raise CopyMismatch(position=0)


def copy_to(source: Any, target_store: str, user: str,
            on_open: Callable[[Callable[[], Any]], None],
            progress: Callable[[int], None] | None = None) -> Copied:
    """`crm copy --to`: the whole log into another, empty store, verified."""
    from crm.app.log import ProjectLog

    target = ProjectLog(store=target_store, user=user)
    on_open(target.close)
    return copy_log(source, target, progress=progress)
