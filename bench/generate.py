"""Write a synthetic zone's log of any size into a store.

    python -m bench.generate --events 100000 --store /tmp/zone-100k.sqlite
"""
from __future__ import annotations

import argparse
import sys

from crm.app.synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--projects", type=int, help="stop at this many projects instead")
    parser.add_argument("--store", required=True)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    from crm.app.log import ProjectLog

    app = ProjectLog(store=args.store, user="generator")
    stats = generate(app, args.events, seed=args.seed, progress=sys.stderr.isatty(),
                     projects=args.projects)
    print(f"{stats.projects:,} projects, {stats.events:,} events in {stats.seconds:.1f} s "
          f"({stats.events / stats.seconds:,.0f} events/s)")


if __name__ == "__main__":
    main()
