"""The hash chain that binds every stored event to all before it.

link(n) = SHA-256(link(n-1) || position || aggregate id || version || topic || state), with
link(0) = 32 zero bytes. Editing, deleting, inserting or reordering any stored event changes
every later link; a published head (position and link) proves a later log still contains
the log it was printed from."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

CHAIN_TABLE = "event_chain"
GENESIS = bytes(32)


def _id_bytes(originator_id: Any) -> bytes:
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    try:
        return UUID(str(originator_id)).bytes
    except ValueError:
        return str(originator_id).encode()


def link(previous: bytes, position: int, originator_id: Any, version: int, topic: str,
         state: bytes, id_bytes: bytes | None = None) -> bytes:
    h = hashlib.sha256(previous)
    topic_bytes = topic.encode()
    h.update(position.to_bytes(8, "big"))
    h.update(id_bytes if id_bytes is not None else _id_bytes(originator_id))
    h.update(version.to_bytes(8, "big"))
    h.update(len(topic_bytes).to_bytes(4, "big"))
    h.update(topic_bytes)
    h.update(len(state).to_bytes(8, "big"))
    h.update(state)
    return h.digest()


def chain_links(previous: bytes, positions: Sequence[int],
                stored_events: Iterable[Any]) -> list[tuple[int, bytes]]:
    """The links of newly stored events, in position order, after `previous`."""
    rows = []
    ids: dict[Any, bytes] = {}  # a project's events come together: its id's bytes, once
    for position, s in zip(positions, stored_events):
        id_bytes = ids.get(s.originator_id)
        if id_bytes is None:
            id_bytes = ids[s.originator_id] = _id_bytes(s.originator_id)
        previous = link(previous, position, s.originator_id, s.originator_version, s.topic,
                        bytes(s.state), id_bytes)
        rows.append((position, previous))
    return rows


def format_head(position: int, link_bytes: bytes) -> str:
    return f"{position}:{link_bytes.hex()}"
