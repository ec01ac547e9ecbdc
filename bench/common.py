"""What the benchmarks share: generated stores kept between runs, timing of commands."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
CRM = str(Path(sys.executable).with_name("crm"))
GENERATOR_VERSION = 2


@dataclass
class Row:
    what: str
    size: str
    figure: str
    target: str
    met: bool | None = None


def zone_store(events: int | None = None, projects: int | None = None) -> Path:
    """A generated store of that size, made once and kept under bench/out/."""
    from crm.app.log import ProjectLog
    from crm.app.synthetic import generate

    OUT.mkdir(exist_ok=True)
    key = f"p{projects}" if projects else f"e{events}"
    path = OUT / f"zone-v{GENERATOR_VERSION}-{key}.sqlite"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for leftover in OUT.glob(partial.name + "*"):
            leftover.unlink()
        app = ProjectLog(store=str(partial), user="generator")
        stats = generate(app, events or 0, projects=projects, progress=sys.stderr.isatty())
        app.close()
        print(f"  generated {stats.projects:,} projects, {stats.events:,} events "
              f"({stats.events / stats.seconds:,.0f} events/s)", file=sys.stderr)
        os.replace(partial, path)
    return path


def working_copy(events: int | None = None, projects: int | None = None) -> Path:
    """A fresh copy of a generated store, to run commands on without touching the original."""
    import shutil

    source = zone_store(events=events, projects=projects)
    target = OUT / f"work-{source.name}"
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)  # an old WAL beside a fresh copy would corrupt it
    shutil.copy(source, target)
    return target


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} -> {done.returncode}: {done.stderr.strip()}")
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"
