"""Read models as they stood at a past moment of record time (`--known-on`).

Built afresh, in memory, from exactly the events recorded by then — through the same
projection code as the live read models — so every view and report computed from them is
what the same command showed at that moment, whatever was corrected since."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from projections import exact, schema
from projections.projector import REBUILD_PAGE, EventSource, page_rows, start_tracking
from projections.updates import apply_rows, apply_settings, refresh_days


def memory_engine() -> Engine:
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        exact.register(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def known_models(source: EventSource, moment: datetime, upto: int | None = None
                 ) -> tuple[Engine, int | None]:
    """In-memory read models from the events recorded by `moment` (record times never run
    backwards along the log, so these are a prefix of it), and the store position of the
    last of them (None: nothing had been recorded). `upto`: no event past that position."""
    engine = memory_engine()
    last: int | None = None
    with engine.connect() as target, target.begin():
        schema.metadata.create_all(target)
        for statement in schema.BY_DATE_INDEXES:
            target.exec_driver_sql(statement)
        start_tracking(target)
        after = 0
        while records := source.read(after, REBUILD_PAGE):
            if upto is not None:
                records = [r for r in records if r.position <= upto]
                if not records:
                    break
            facts, settings = page_rows(source, records)
            kept = [r._asdict() for r in facts if datetime.fromisoformat(r.recorded_at) <= moment]
            kept_settings = [r for r in settings
                             if datetime.fromisoformat(r["recorded_at"]) <= moment]
            if kept:
                apply_rows(target, kept, days=False)
            apply_settings(target, kept_settings)
            positions = [r["position"] for r in (*kept, *kept_settings)]
            if positions:
                last = max(last or 0, max(positions))
            if len(kept) + len(kept_settings) < len(facts) + len(settings) and all(r.recorded_at
                                                                      for r in records):
                break  # record times never run backwards: the rest came later still
            after = records[-1].position
        refresh_days(target)
    return engine, last
