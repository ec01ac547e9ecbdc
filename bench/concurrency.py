"""Writers at once on each store: events/s with 1, 4 and 8 writing processes, and the median
latency of one `crm visit`. PostgreSQL runs on the server named by CRM_BENCH_POSTGRES_URL
(default: the local test server), in a database made for the run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import CRM, Row, median, timed, working_copy, zone_store

ADMIN = os.environ.get("CRM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "crm_bench"

WRITER = r"""
import json, random, sys, time
from crm.app.log import ProjectLog
store, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = json.loads(sys.stdin.read())
app = ProjectLog(store=store, user=f"bench{seed}")
app.confirm = True  # the same visit twice is a doubt, not a rule: checked, then recorded
rng = random.Random(seed)
start = float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))
for _ in range(count):
    app.log_visit(names=[rng.choice(names)], kind="reception")
app.close()
"""


def postgres_store() -> str:
    import psycopg

    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    url = ADMIN.rsplit("/", 1)[0] + "/" + DATABASE
    subprocess.run([CRM, "--store", str(zone_store(projects=1_000)), "copy", "--to", url],
                   check=True, capture_output=True)
    return url


def live_names(store: str) -> list[str]:
    from crm.app.log import ProjectLog

    app = ProjectLog(store=store)
    names = [p.name for p in app.projects() if p.state.stage != "dropped"]
    app.close()
    return names


def throughput(store: str, writers: int, names: list[str], per_writer: int = 300) -> float:
    start = time.time() + 1.5  # every writer starts at the same moment, after its imports
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, store, str(i), str(per_writer),
                               str(start)], stdin=subprocess.PIPE, text=True)
             for i in range(writers)]
    for p in procs:
        p.stdin.write(json.dumps(names))
        p.stdin.close()
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("a writer failed")
    return writers * per_writer / (time.time() - start)


def run(runs: int = 11) -> list[Row]:
    stores = {"SQLite": str(working_copy(projects=1_000)), "PostgreSQL": postgres_store()}
    rows = []
    for label, store in stores.items():
        names = live_names(store)
        for writers in (1, 4, 8):
            rate = throughput(store, writers, names)
            rows.append(Row(f"{label}: events/s, {writers} writing process"
                            f"{'es' if writers > 1 else ''}", "1k projects",
                            f"{rate:,.0f} events/s", "-"))
        env = {**os.environ, "CRM_STORE": store, "CRM_USER": "bench"}
        timed([CRM, "visit", names[0], "--kind", "outbound", "--confirm"], env)
        latency = median([timed([CRM, "visit", names[i % len(names)], "--kind", "outbound",
                                 "--confirm"], env)
                          for i in range(runs)])
        rows.append(Row(f"{label}: crm visit, median latency", "1k projects",
                        f"{latency * 1000:.0f} ms", "-"))
    return rows
