"""Getting everything out in open formats: every stored event as a JSON line (which `crm
import` reads back into an empty store, stored bytes and all), and the projects as a
ledger (with the visits) in the layout `crm import` reads."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crm.domain.facts import CONTACT
from crm.text.tables import plain

#: What a line says of the event besides its stored fields.
ENVELOPE = ("position", "project", "project_id", "version", "event", "recorded_at")


def export_events(app: Any) -> Iterator[str]:
    """Every stored event, in log order, one JSON object a line: its position, project
    (name and id), version, event, record time, and its stored fields as stored (not
    upcast), so that importing the line stores the very same event."""
    decode = app.mapper.transcoder.decode
    names: dict[str, str] = {}
    after = 0
    while records := app.recorder.read_events(after, 1000):
        for position, oid, version, topic, state in records:
            fields = decode(bytes(state))
            kind = topic.rsplit(".", 1)[-1]
            pid = oid.hex if hasattr(oid, "hex") else str(oid).replace("-", "")
            if kind == CONTACT:
                names[pid] = fields["name"]
            recorded_at = fields.pop("timestamp")
            fields.pop("originator_topic", None)
            line = {"position": position, "project": names.get(pid, pid), "project_id": pid,
                    "version": version, "event": kind, "recorded_at": recorded_at, **fields}
            yield json.dumps(plain(line), ensure_ascii=False)
        after = records[-1][0]
