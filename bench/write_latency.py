"""`crm visit` on stores of 1,000 and 10,000 projects: median wall time, and its ratio to the
floor of its own stack (Python with eventsourcing.sqlite, click and one pydantic model),
interleaved. The visit runs every check a visit has: the rules over the history, the zone's
guards (read from the log) and the same-visit check."""
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
    rows = []
    for projects, target in ((1_000, 1.3), (10_000, 1.4)):
        visit, floor = _latency(projects, runs)
        ratio = visit / floor
        size_label = f"{projects // 1000}k projects"
        rows += [
            Row("crm visit, median wall time", size_label, f"{visit * 1000:.0f} ms", "-", None),
            Row("stack floor (eventsourcing.sqlite+click+pydantic)", "-",
                f"{floor * 1000:.0f} ms", "-", None),
            Row("crm visit / floor (guards and the same-visit check on)", size_label,
                f"{ratio:.2f}x", f"< {target}x", ratio < target),
        ]
    return rows


def _latency(projects: int, runs: int) -> tuple[float, float]:
    """Median wall times of `crm visit` and of the floor, interleaved."""
    source = zone_store(projects=projects)
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
    return median(visit), median(floor)
