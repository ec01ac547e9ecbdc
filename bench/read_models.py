"""Read models: rebuilding them from a 1,000,000-event log (events/s, peak memory against a
100,000-event log); `crm pipeline` and `crm report quarter` on that store after catch-up
against the same commands on a 100-event store."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from bench.common import CRM, OUT, Row, median, size, timed, working_copy

REBUILD = """
import json, resource, sys, time
from crm.app.log import ProjectLog
from crm.app.reads import Reader
app = ProjectLog(store=sys.argv[1])
started = time.perf_counter()
events = Reader(app).rebuild()  # as `crm projections rebuild` does
seconds = time.perf_counter() - started
print(json.dumps({"events": events, "seconds": seconds,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def rebuild(store: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", REBUILD, str(store)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def run(big: int = 1_000_000, small: int = 100_000, runs: int = 7) -> list[Row]:
    rows: list[Row] = []
    small_store, big_store = working_copy(small), working_copy(big)
    small_rebuild, big_rebuild = rebuild(small_store), rebuild(big_store)
    rate = big_rebuild["events"] / big_rebuild["seconds"]
    rows.append(Row("projections rebuild", size(big), f"{rate:,.0f} events/s",
                    ">= 30,000 events/s", rate >= 30_000))
    growth = big_rebuild["peak_mib"] / small_rebuild["peak_mib"]
    rows.append(Row("rebuild peak memory", f"{size(small)} -> {size(big)}",
                    f"{small_rebuild['peak_mib']:.0f} -> {big_rebuild['peak_mib']:.0f} MiB "
                    f"({growth:.2f}x)", "does not grow with the log (< 1.2x)", growth < 1.2))

    tiny = OUT / "work-tiny.sqlite"
    if tiny.exists():
        tiny.unlink()
    from crm.app.log import ProjectLog
    from crm.app.synthetic import generate

    app = ProjectLog(store=str(tiny), user="bench")
    generate(app, 100)
    app.close()
    env_big = {**os.environ, "CRM_STORE": str(big_store)}
    env_tiny = {**os.environ, "CRM_STORE": str(tiny)}
    listing = [CRM, "pipeline", "--format", "csv"]
    totals = [CRM, "pipeline", "--totals"]
    for env in (env_big, env_tiny):
        timed(listing, env)  # catch up, warm the cache
    big_list, big_totals, tiny_totals = [], [], []
    for _ in range(runs):
        big_list.append(timed(listing, env_big))
        big_totals.append(timed(totals, env_big))
        tiny_totals.append(timed(totals, env_tiny))
    quarter = last_full_quarter()
    report = [CRM, "report", "quarter", quarter, "--format", "json"]
    big_report, tiny_report = [], []
    for _ in range(runs):
        big_report.append(timed(report, env_big))
        tiny_report.append(timed(report, env_tiny))
    listed = subprocess.run(listing, env=env_big, capture_output=True, text=True,
                            check=True).stdout.count("\n")
    rows.append(Row("crm pipeline, full listing", f"{size(big)} ({listed:,} rows)",
                    f"{median(big_list):.2f} s ({listed / median(big_list):,.0f} rows/s)", "-"))
    ratio = median(big_totals) / median(tiny_totals)
    rows.append(Row("crm pipeline --totals", f"{size(big)} vs 100",
                    f"{median(big_totals) * 1000:.0f} ms vs {median(tiny_totals) * 1000:.0f} ms "
                    f"({ratio:.2f}x)", "<= 1.5x", ratio <= 1.5))
    ratio = median(big_report) / median(tiny_report)
    rows.append(Row(f"crm report quarter {quarter} --format json", f"{size(big)} vs 100",
                    f"{median(big_report) * 1000:.0f} ms vs {median(tiny_report) * 1000:.0f} ms "
                    f"({ratio:.2f}x)", "<= 1.5x", ratio <= 1.5))
    return rows


def last_full_quarter() -> str:
    today = date.today()
    q = (today.month - 1) // 3  # the quarter before the current one
    return f"{today.year}Q{q}" if q else f"{today.year - 1}Q4"
