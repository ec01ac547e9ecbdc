"""Importing a project ledger of 10,000 projects into an empty store: events/s for the whole
`crm import` command.

Two ledgers: one written like a zone's full ledger, where each project has its contact,
framework agreement, signing, land and capital filled in (about 5.5 events a row, nearest to
the issue's 80,000 events for 10,000 projects), and one exported from the synthetic zone,
where most projects are still early (3.5 events a row). Each as CSV and as Excel."""
from __future__ import annotations

import csv
import os
import random
import re
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import CRM, OUT, Row, size, working_copy

HEADERS = ["项目名称", "投资方", "产业", "计划投资(万元)", "接洽日期", "框架协议投资(万元)",
           "框架协议日期", "协议投资(万元)", "签约日期", "供地面积(亩)", "供地日期",
           "到位资金(万元)", "到位日期", "是否搬迁", "负责人", "终止日期", "终止原因"]
SECTORS = ["新材料", "新能源", "大健康", "数字经济", "其他"]


def full_ledger(projects: int, seed: int = 7) -> Path:
    """A ledger whose rows are filled in, as a zone's ledger of mature projects is."""
    path = OUT / f"full-ledger-{projects}.csv"
    if path.exists():
        return path
    rng = random.Random(seed)
    start = date(2016, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        for n in range(projects):
            contact = start + timedelta(days=rng.randrange(3000))
            agreed = contact + timedelta(days=rng.randint(20, 120))
            signed = agreed + timedelta(days=rng.randint(20, 200))
            land = signed + timedelta(days=rng.randint(10, 150))
            capital = land + timedelta(days=rng.randint(10, 150))
            planned = rng.randint(1_000, 500_000)
            dropped = rng.random() < 0.05
            out.writerow([f"项目{n:05d}", f"投资方{n:05d}", rng.choice(SECTORS), planned, contact,
                          planned, agreed, int(planned * rng.uniform(0.8, 1.5)), signed,
                          rng.randint(10, 3000) / 10, land, int(planned * rng.uniform(0.1, 0.6)),
                          capital, "是" if rng.random() < 0.05 else "否", "王芳",
                          capital + timedelta(days=30) if dropped else "",
                          "投资方战略调整" if dropped else ""])
    return path


def as_xlsx(ledger: Path) -> Path:
    from openpyxl import Workbook

    target = ledger.with_suffix(".xlsx")
    if not target.exists():
        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        with ledger.open(encoding="utf-8") as f:
            for row in csv.reader(f):
                sheet.append(row)
        book.save(target)
    return target


def zone_ledgers(projects: int) -> tuple[Path, Path]:
    """The synthetic zone's projects (and its visits, in Excel), exported by `crm export`."""
    csv_file, xlsx_file = OUT / f"ledger-{projects}.csv", OUT / f"ledger-{projects}.xlsx"
    if not csv_file.exists() or not xlsx_file.exists():
        env = {**os.environ, "CRM_STORE": str(working_copy(projects=projects))}
        subprocess.run([CRM, "export", "--out", str(csv_file)], env=env, check=True)
        subprocess.run([CRM, "export", "--out", str(xlsx_file)], env=env, check=True,
                       capture_output=True)
    return csv_file, xlsx_file


#: The synthetic zone's own figures break the guards against slips (capital beyond the
#: contract, amounts 10× the plan): an office would confirm them; the guards still run.
CONFIRM = ["--confirm"]


def import_rate(ledger: Path) -> tuple[float, int, float]:
    """events/s of the first import into an empty store, its events, and the time of
    importing the same ledger again (nothing new, the read models brought up to date in
    between) as a fraction of the first's."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CRM_STORE": str(Path(tmp) / "events.sqlite"), "CRM_USER": "bench"}
        started = time.perf_counter()
        out = subprocess.run([CRM, "import", str(ledger), *CONFIRM], env=env, check=True,
                             capture_output=True, text=True).stdout
        first = time.perf_counter() - started
        # Between two monthly imports the office reads its reports: the read models are
        # current when the next ledger comes in (the first import leaves them to the next
        # read, as every write does).
        subprocess.run([CRM, "pipeline", "--totals"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        again = subprocess.run([CRM, "import", str(ledger), *CONFIRM], env=env, check=True,
                               capture_output=True, text=True).stdout
        second = time.perf_counter() - started
    assert again.splitlines()[-1].startswith("nothing to import"), again
    events = int(re.search(r"; (\d+) event", out).group(1))
    return events / first, events, second / first


def log_rates(events: int = 100_000) -> list[Row]:
    """An exported log read back into an empty store, and a copy to another: events/s of
    the whole command, validation included; and the import's peak memory against an export
    half as long (it does not hold the log in memory)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = working_copy(events)
        exported = Path(tmp) / "events.jsonl"
        env = {**os.environ, "CRM_STORE": str(source), "CRM_USER": "bench"}
        subprocess.run([CRM, "export", "--out", str(exported)], env=env, check=True)
        half = Path(tmp) / "half.jsonl"  # a whole log of its own (a cut one may not verify)
        subprocess.run([CRM, "--store", str(working_copy(events // 2)), "export", "--out",
                        str(half)], env=env, check=True)
        peaks = []
        for label, file in (("half", half), ("whole", exported)):
            target = Path(tmp) / f"imported-{label}.sqlite"
            started = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", CRM, "--store", str(target),
                                   "import", str(file)], env=env, check=True,
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - started
            peaks.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
        rows.append(Row("crm import, exported log (jsonl)", f"{size(events)} events",
                        f"{events / seconds:,.0f} events/s", "-"))
        rows.append(Row("import peak memory", f"{size(events // 2)} -> {size(events)}",
                        f"{peaks[0]:.0f} -> {peaks[1]:.0f} MiB ({peaks[1] / peaks[0]:.2f}x)",
                        "-"))
        started = time.perf_counter()
        subprocess.run([CRM, "copy", "--to", str(Path(tmp) / "copy.sqlite")], env=env,
                       check=True, capture_output=True)
        seconds = time.perf_counter() - started
        rows.append(Row("crm copy, SQLite to SQLite", f"{size(events)} events",
                        f"{events / seconds:,.0f} events/s", "-"))
    return rows


def run(projects: int = 10_000) -> list[Row]:
    full = full_ledger(projects)
    zone_csv, zone_xlsx = zone_ledgers(projects)
    rows = []
    for label, ledger, target in (("full ledger, CSV", full, 25_000),
                                  ("full ledger, xlsx", as_xlsx(full), 15_000),
                                  ("zone's ledger, CSV", zone_csv, None),
                                  ("zone's ledger and visits, xlsx", zone_xlsx, None)):
        rate, events, again = import_rate(ledger)
        rows.append(Row(f"crm import, {label}", f"{size(projects)} projects, {events:,} events",
                        f"{rate:,.0f} events/s", f">= {target:,} events/s" if target else "-",
                        rate >= target if target else None))
        rows.append(Row(f"  the same {label.split(',')[1].strip()} again (unchanged)",
                        f"{size(projects)} projects", f"{again:.2f}x the first import",
                        "<= 0.5x", again <= 0.5))
    return rows + log_rates()
