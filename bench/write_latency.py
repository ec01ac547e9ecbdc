"""`crm visit` on a store of 1,000 projects: median wall time, and its ratio to the floor of
its own stack (Python with eventsourcing.sqlite, click and one pydantic model), interleaved."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import CRM, Row, median, timed, zone_store

FLOOR = [sys.executable, "-c", "import eventsourcing.sqlite, click, pydantic; "
         "pydantic.create_model('M', x=(int, ...))"]


def live_names(store: Path, count: int) -> list[str]:
    from crm.app.log import ProjectLog

    app = ProjectLog(store=str(store))
    names = []
    for project in app.projects():
        if project.state.stage != "dropped":
            names.append(project.name)
        if len(names) == count:
            break
    app.close()
    return names


def run(runs: int = 21) -> list[Row]:
    source = zone_store(projects=1_000)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "events.sqlite"
        shutil.copy(source, store)
        env = {**os.environ, "CRM_STORE": str(store), "CRM_USER": "bench"}
        names = live_names(store, runs)
        floor, visit = [], []
        timed(FLOOR)  # warm the file cache for both
        timed([CRM, "visit", names[0], "--kind", "outbound"], env)
        for name in names:
            floor.append(timed(FLOOR))
            visit.append(timed([CRM, "visit", name, "--kind", "reception"], env))
    ratio = median(visit) / median(floor)
    return [
        Row("crm visit, median wall time", "1k projects", f"{median(visit) * 1000:.0f} ms",
            "-", None),
        Row("stack floor (eventsourcing.sqlite+click+pydantic)", "-",
            f"{median(floor) * 1000:.0f} ms", "-", None),
        Row("crm visit / floor", "1k projects", f"{ratio:.2f}x", "< 1.5x", ratio < 1.5),
    ]
