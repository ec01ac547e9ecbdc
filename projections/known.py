"""Read models as they stood at a past moment of record time (`--known-on`).

Built afresh, in memory, from exactly the events recorded by then — through the same
projection code as the live read models — so every view and report computed from them is
what the same command showed at that moment, whatever was corrected since."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from projections import schema
from projections.projector import (
    REBUILD_PAGE,
    _start_tracking,
    apply_rows,
    read_stored,
    refresh_days,
    stored_fact_row,
)


@dataclass(frozen=True)
class RecordCutoff:
    """`--known-on`: a date (the end of that local day) or a full timestamp."""

    label: str  # as the report states it
    moment: datetime  # aware, UTC

    @classmethod
    def parse(cls, text: str) -> RecordCutoff:
        from crm.domain.errors import InvalidValue
        from crm.parsing import parse_date

        cleaned = text.strip()
        if len(cleaned) > 10 and cleaned[:4].isdigit():
            try:
                moment = datetime.fromisoformat(cleaned.replace(" ", "T", 1))
            except ValueError:
                raise InvalidValue(option="--known-on", value=text,
                                   expected="a date such as 2021-07-05, or a timestamp such as "
                                            "2021-07-05T17:30:00+08:00") from None
            if moment.tzinfo is None:
                moment = moment.astimezone()  # a bare timestamp is local time
            return cls(moment.isoformat(), moment.astimezone(timezone.utc))
        day: date = parse_date(text, "--known-on")
        end_of_day = datetime.combine(day, time.max).astimezone()
        return cls(day.isoformat(), end_of_day.astimezone(timezone.utc))


@dataclass(frozen=True)
class Head:
    """The last event a view was computed from: its position, chain link and record time."""

    position: int
    link: str
    recorded_at: datetime | None

    def __str__(self) -> str:
        return f"{self.position}:{self.link}"


def memory_engine() -> Engine:
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def known_models(app: Any, source: Engine, cutoff: RecordCutoff) -> tuple[Engine, Head | None]:
    """In-memory read models from the events recorded by `cutoff`, and their head."""
    engine = memory_engine()
    last: tuple[int, str] | None = None
    with engine.connect() as target, target.begin():
        schema.metadata.create_all(target)
        for statement in schema.BY_DATE_INDEXES:
            target.exec_driver_sql(statement)
        _start_tracking(target)
        with source.connect() as log:
            after = 0
            while True:
                records = read_stored(log, after, REBUILD_PAGE, app.recorder.events_table_name)
                if not records:
                    break
                rows = [stored_fact_row(r, app.mapper) for r in records]
                kept = [r for r in rows
                        if datetime.fromisoformat(r["recorded_at"]) <= cutoff.moment]
                if kept:
                    apply_rows(target, kept, days=False)
                    newest = max(kept, key=lambda r: r["position"])
                    if last is None or newest["position"] > last[0]:
                        last = (newest["position"], newest["recorded_at"])
                after = records[-1][0]
        refresh_days(target)
    if last is None:
        return engine, None
    link = app.recorder.link_at(last[0])
    return engine, Head(last[0], link.hex() if link else "", datetime.fromisoformat(last[1]))


def live_head(app: Any, position: int) -> Head | None:
    """The head the live read models were computed from: the event at their tracked
    position, its chain link and its record time."""
    if not position:
        return None
    link = app.recorder.link_at(position)
    records = app.recorder.read_events(position - 1, 1)
    recorded_at = None
    if records and records[0][0] == position:
        state = json.loads(bytes(records[0][4]))
        recorded_at = datetime.fromisoformat(state["timestamp"]["_data_"])
    return Head(position, link.hex() if link else "", recorded_at)
