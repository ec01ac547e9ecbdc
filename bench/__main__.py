"""Run every benchmark and print one table: what, size, figure, target.

    python -m bench            # everything
    python -m bench write      # only the benchmarks whose module name contains 'write'
"""
from __future__ import annotations

import importlib
import sys
import time

from bench.common import Row

MODULES = ["bench.write_latency", "bench.read_models", "bench.audit", "bench.concurrency",
           "bench.imports", "bench.after_contract"]


def main(argv: list[str]) -> int:
    chosen = [m for m in MODULES if not argv or any(a in m for a in argv)]
    rows: list[Row] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        found = importlib.import_module(name).run()
        rows += found
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        for r in found:  # as they come: a later module that fails loses none of these
            print(f"  {r.what} | {r.size} | {r.figure} | {r.target}", file=sys.stderr)
    from tabulate import tabulate

    marks = {True: "met", False: "MISSED", None: ""}
    print(tabulate([(r.what, r.size, r.figure, r.target, marks[r.met]) for r in rows],
                   headers=["what", "size", "figure", "target", ""], disable_numparse=True))
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
