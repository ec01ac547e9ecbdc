"""`crm verify` walking an untouched log of 100,000 events: events/s."""
from __future__ import annotations

import os

from bench.common import CRM, Row, median, size, timed, working_copy


def run(events: int = 100_000, runs: int = 5) -> list[Row]:
    store = working_copy(events)
    env = {**os.environ, "CRM_STORE": str(store)}
    timed([CRM, "verify"], env)  # warm the file cache
    seconds = median([timed([CRM, "verify"], env) for _ in range(runs)])
    from crm.app.log import ProjectLog

    app = ProjectLog(store=str(store))
    stored = app.recorder.max_notification_id()
    app.close()
    rate = stored / seconds
    return [Row("crm verify (whole command)", size(events), f"{rate:,.0f} events/s "
                f"({seconds:.2f} s)", ">= 100,000 events/s", rate >= 100_000)]
