"""`crm alerts` and `crm report team` follow the live projects, not the history: their time
on the 100k and 1M zones, and on a store holding the 1M zone's projects as they stand,
imported from its own ledger (a third of its events: no visits, no corrections). The read
models are brought up to date first, as any earlier command would have; the median of a few
runs is reported."""
from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from bench.common import CRM, OUT, Row, median, size, timed, working_copy


def _live(store: Path) -> int:
    out = subprocess.run([CRM, "--store", str(store), "pipeline", "--totals", "--format",
                          "json"], check=True, capture_output=True, text=True).stdout
    import json

    stages = json.loads(out)["stages"]
    return sum(v["count"] for k, v in stages.items() if k != "dropped")


def _thin(big: Path) -> Path:
    """A store holding the 1M zone's projects as they stand, without the history that led
    there: its ledger (each project's contact, agreement, signing, land, capital, 开工 and
    投产 as they stand) exported and imported into a new store — no visits, no corrections,
    about a third of the events. The alerts read the same projects in the same stages."""
    target = OUT / "thin-of-1M.sqlite"
    if target.exists():
        return target
    ledger = OUT / "ledger-of-1M.csv"
    subprocess.run([CRM, "--store", str(big), "export", "--out", str(ledger)], check=True,
                   capture_output=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    # the synthetic zone's figures break the guards against slips: confirmed, still checked
    subprocess.run([CRM, "--store", str(partial), "import", str(ledger), "--confirm"],
                   check=True, capture_output=True, env={**os.environ, "CRM_USER": "bench"})
    os.replace(partial, target)
    return target


def _events(store: Path) -> int:
    out = subprocess.run([CRM, "--store", str(store), "verify", "--head"], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split(":", 1)[0])


def _times(store: Path, runs: int) -> tuple[float, float]:
    env = {**os.environ, "CRM_STORE": str(store), "CRM_USER": "bench"}
    subprocess.run([CRM, "pipeline", "--totals"], env=env, check=True, capture_output=True)
    quarter = f"{date.today().year}Q{(date.today().month - 1) // 3 + 1}"
    alerts = median([timed([CRM, "alerts", "--format", "json"], env) for _ in range(runs)])
    team = median([timed([CRM, "report", "team", quarter, "--format", "json"], env)
                   for _ in range(runs)])
    return alerts, team


def run(runs: int = 5) -> list[Row]:
    small, big = working_copy(100_000), working_copy(1_000_000)
    live = _live(big)
    with tempfile.TemporaryDirectory() as tmp:
        thin = Path(tmp) / "thin.sqlite"
        import shutil

        shutil.copy(_thin(big), thin)
        thin_events = _events(thin)
        figures = {name: _times(store, runs) for name, store in
                   (("100k", small), ("1M", big), ("thin", thin))}
    rows = []
    for i, command in enumerate(("crm alerts", "crm report team")):
        for name in ("100k", "1M", "thin"):
            label = name if name != "thin" else \
                f"{size(live)} live, as they stand ({size(thin_events)} events)"
            rows.append(Row(command, label, f"{figures[name][i] * 1000:.0f} ms", "-", None))
        ratio = figures["1M"][i] / figures["thin"][i]
        rows.append(Row(f"{command}: 1M zone / the same projects without their history",
                        f"{size(live)} projects", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5))
    return rows
