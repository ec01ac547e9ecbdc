"""Importing a project ledger of 10,000 projects into an empty store, as CSV and as Excel:
events/s for the whole `crm import` command."""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import CRM, OUT, Row, size, working_copy


def ledgers(projects: int) -> tuple[Path, Path]:
    """The zone's projects as a ledger, exported once by `crm export`."""
    csv_file, xlsx_file = OUT / f"ledger-{projects}.csv", OUT / f"ledger-{projects}.xlsx"
    if not csv_file.exists() or not xlsx_file.exists():
        env = {**os.environ, "CRM_STORE": str(working_copy(projects=projects))}
        subprocess.run([CRM, "export", "--out", str(csv_file)], env=env, check=True)
        subprocess.run([CRM, "export", "--out", str(xlsx_file)], env=env, check=True,
                       capture_output=True)
    return csv_file, xlsx_file


def import_rate(ledger: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CRM_STORE": str(Path(tmp) / "events.sqlite"), "CRM_USER": "bench"}
        started = time.perf_counter()
        out = subprocess.run([CRM, "import", str(ledger)], env=env, check=True,
                             capture_output=True, text=True).stdout
        seconds = time.perf_counter() - started
    events = int(out.split(" as ")[1].split()[0])
    return events / seconds, events


def run(projects: int = 10_000) -> list[Row]:
    csv_file, xlsx_file = ledgers(projects)
    rows = []
    for label, ledger, target in (("CSV", csv_file, ">= 25,000 events/s"), ("xlsx", xlsx_file, "-")):
        rate, events = import_rate(ledger)
        rows.append(Row(f"crm import, {label} ledger", f"{size(projects)} projects, "
                        f"{events:,} events", f"{rate:,.0f} events/s", target,
                        rate >= 25_000 if label == "CSV" else None))
    return rows
