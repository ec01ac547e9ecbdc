"""The one place the system reads the time.

`CRM_NOW` (an ISO timestamp) fixes the clock: tests use it to record and report at chosen
moments, and a demo uses it to replay a past year — on an SQLite store only: a PostgreSQL
store refuses it (`crm.app.log`), its server stamping every record time. A CRM_NOW that is
no moment is refused as bad input. Business dates are local calendar days."""
from __future__ import annotations

import os
from datetime import date, datetime, timezone


def now() -> datetime:
    """The current moment, time-zone aware (UTC)."""
    fixed = os.environ.get("CRM_NOW")
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed.strip())
            if moment.tzinfo is None:
                moment = moment.astimezone()  # a bare timestamp is local time
            return moment.astimezone(timezone.utc)
        except (ValueError, OverflowError):  # not a moment, or one off the calendar
            from crm.text.errors import InvalidValue

            raise InvalidValue(option="CRM_NOW", value=fixed,
                               expected="a moment such as 2021-07-05T17:30:00+08:00") from None
    return datetime.now(timezone.utc)


def today() -> date:
    """The local business day."""
    return now().astimezone().date()


def local(moment: datetime) -> datetime:
    """A stored (UTC) record time shown in the local time zone."""
    return moment.astimezone()
