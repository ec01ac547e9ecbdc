"""The one place the system reads the time.

`CRM_NOW` (an ISO timestamp) fixes the clock: tests use it to record and report at chosen
moments, and a demo uses it to replay a past year. Business dates are local calendar days."""
from __future__ import annotations

import os
from datetime import date, datetime, timezone


def now() -> datetime:
    """The current moment, time-zone aware (UTC)."""
    fixed = os.environ.get("CRM_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        if moment.tzinfo is None:
            moment = moment.astimezone()  # a bare timestamp is local time
        return moment.astimezone(timezone.utc)
    return datetime.now(timezone.utc)


def today() -> date:
    """The local business day."""
    return now().astimezone().date()


def local(moment: datetime) -> datetime:
    """A stored (UTC) record time shown in the local time zone."""
    return moment.astimezone()
