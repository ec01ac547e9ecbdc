"""`crm demo`: two years of a made-up zone's investment work, the same every time."""
from __future__ import annotations

from datetime import date
from typing import Any

from crm.app.errors import StoreNotEmpty
from crm.app.synthetic import ZoneGenerator, generate

START, END = date(2024, 1, 1), date(2025, 12, 31)
PROJECTS = 48
SEED = 10
#: The quarter whose report the demo prints.
LAST_QUARTER = (2025, 4)


def fill(app: Any) -> int:
    """Write the demo zone into an empty store, in the order it was recorded (its record
    times never run backwards); returns how many events it wrote."""
    held = app.recorder.max_notification_id() or 0
    if held:
        raise StoreNotEmpty(store=app.store, events=held)
    zone = ZoneGenerator(PROJECTS * 9, SEED, start=START, end=END, numbered=False, pace=0.5,
                         scale=0.4, margin=45)
    return generate(app, 0, projects=PROJECTS, generator=zone, batch_size=PROJECTS).events
