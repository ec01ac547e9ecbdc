"""`crm alerts` and `crm report team` follow the live projects, not the history: their time
on the 100k and 1M zones, and on a store holding as many projects as the 1M zone (each only
contacted: about a tenth of its history). The read models are brought up to date first, as
any earlier command would have; the median of a few runs is reported."""
from __future__ import annotations

import csv
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


def _thin(projects: int) -> Path:
    """A store with `projects` projects, each only contacted."""
    target = OUT / f"thin-p{projects}.sqlite"
    if target.exists():
        return target
    ledger = OUT / f"thin-p{projects}.csv"
    with ledger.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期"])
        for n in range(projects):
            out.writerow([f"项目{n:06d}", f"投资方{n:06d}", "其他", 10000 + n % 5000,
                          f"202{n % 5}-0{1 + n % 9}-1{n % 9}"])
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    subprocess.run([CRM, "--store", str(partial), "import", str(ledger)], check=True,
                   capture_output=True, env={**os.environ, "CRM_USER": "bench"})
    os.replace(partial, target)
    return target


def _times(store: Path, runs: int) -> tuple[float, float]:
    env = {**os.environ, "CRM_STORE": str(store), "CRM_USER": "bench"}
    subprocess.run([CRM, "projections", "status"], env=env, check=True, capture_output=True)
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

        shutil.copy(_thin(live), thin)
        figures = {name: _times(store, runs) for name, store in
                   (("100k", small), ("1M", big), ("thin", thin))}
    rows = []
    for i, command in enumerate(("crm alerts", "crm report team")):
        for name in ("100k", "1M", "thin"):
            label = name if name != "thin" else f"{size(live)} live, contacts only"
            rows.append(Row(command, label, f"{figures[name][i] * 1000:.0f} ms", "-", None))
        ratio = figures["1M"][i] / figures["thin"][i]
        rows.append(Row(f"{command}: 1M zone / same live projects, a tenth of the history",
                        f"{size(live)} projects", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5))
    return rows
