"""Feeding the read models from the log, exactly once, a page at a time.

Each page of events and the new tracked position are written in one transaction that first
takes the tracking row's lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT … FOR UPDATE), so
two processes catching up at once queue behind each other and neither applies an event the
other has applied; the position update is conditional on the position read, as a second
guard. A killed catch-up loses only its uncommitted page, which the next one redoes.

The log is read through an `EventSource` the application hands in: the read side knows
nothing of how events are stored or recorded."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Connection

from projections import exact, schema
from projections.rows import NOT_PROJECTS, FactRow, Stored, fact_row, is_zone, setting_row
from projections.schema import facts, pipeline_days, projects, tracking
from projections.updates import apply_rows, apply_settings, insert_facts, refresh_days, settle_all

PAGE = 1000
REBUILD_PAGE = 10000
#: The daily totals' tracked position while a rebuild is under way (its projects not made).
REBUILDING = -1


class EventSource(Protocol):
    """What the read models need of the log."""

    def read(self, after: int, limit: int) -> Sequence[Stored]:
        """Stored events after a log position, in log order."""

    def head(self) -> int:
        """The position of the log's last event (0: empty)."""

    def decode(self, state: bytes) -> dict[str, Any]:
        """A stored event's state as plain values."""

    def fields(self, state: bytes, typed: Iterable[str] = ()) -> dict[str, Any]:
        """A stored event's state with the `typed` fields (a date, a decimal, an id, or a
        list of them) as their stored text."""

    def to_event(self, stored: Stored) -> Any:
        """A stored event as the domain event it records (upcast if need be)."""


class TrackingConflict(Exception):
    """Another process moved the tracked position while this one held the page."""


class RebuildUnderWay(Exception):
    """The read models are being rebuilt: their projects are made at the rebuild's end."""


def open_engine(url: Any) -> Engine:
    """The SQLAlchemy engine for the read models at `url` (the events' own database)."""
    if not str(url).startswith("sqlite"):
        return create_engine(url, pool_size=2, max_overflow=2)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        exact.register(dbapi_connection)
        # The read models are a cache rebuilt from the log: a commit lost to a power cut
        # is redone by the next catch-up, so they need not wait for fsync. (The event
        # writers' own connections keep SQLite's full durability.)
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA cache_size=-16384")  # 16 MiB, whatever the log's size
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=10000")  # fewer, larger checkpoints

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def start_tracking(conn: Connection, days: int = 0) -> None:
    """Empty read models: nothing applied yet."""
    conn.execute(delete(tracking))
    conn.execute(insert(tracking), [
        {"name": schema.READ_MODEL, "position": 0},
        {"name": schema.DAYS_ROW, "position": days},
        {"name": schema.SCHEMA_ROW, "position": schema.SCHEMA_VERSION}])


def _track(conn: Connection, name: str, position: int) -> None:
    conn.execute(update(tracking).where(tracking.c.name == name).values(position=position))


def _layout(conn: Connection) -> int | None:
    """The layout version the read models in this database were made with (0: unknown)."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table(tracking.name):
        return None
    row = conn.execute(select(tracking.c.position).where(
        tracking.c.name == schema.SCHEMA_ROW)).first()
    return row[0] if row else 0


def project_page(conn: Connection, source: EventSource, records: Sequence[Stored]) -> None:
    """Apply stored events to the read models in `conn`'s transaction."""
    rows, settings = page_rows(source, records)
    if rows:
        apply_rows(conn, [r._asdict() for r in rows])
    apply_settings(conn, settings)


def page_rows(source: EventSource, records: Sequence[Stored]
              ) -> tuple[list[FactRow], list[dict[str, Any]]]:
    """Stored events as rows of facts (projects' events) and of settings (the zone's)."""
    facts, settings = [], []
    fields, to_event = source.fields, source.to_event
    for r in records:
        if not r.topic.startswith(NOT_PROJECTS):  # a project's event: nearly every one
            facts.append(fact_row(r, fields, to_event))
        elif is_zone(r):
            settings.append(setting_row(r, source.decode))
    return facts, settings


class Projector:
    """Brings the read models of one store up to its log."""

    def __init__(self, source: EventSource, engine: Engine):
        self.source = source
        self.engine = engine
        self._ready = False
        #: (tracked position, log head) when the read models were found ahead of the log
        #: (a log restored from an older backup, or a tampered tracking row) and rebuilt.
        self.found_ahead: tuple[int, int] | None = None

    def ensure_schema(self) -> None:
        if self._ready:
            return
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # one first user at a time creates tables
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(6533)")
            if _layout(conn) not in (None, schema.SCHEMA_VERSION):
                schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
            schema.FACTS_BY_VISIT.create(conn, checkfirst=True)  # read models made before it
            for statement in schema.BY_DATE_INDEXES:
                conn.exec_driver_sql(statement)
            if _layout(conn) != schema.SCHEMA_VERSION:
                start_tracking(conn)
        self._ready = True

    def positions(self) -> tuple[int, int]:
        """How far the read models have come, and how far the daily totals agree with them."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            found = dict(conn.execute(select(tracking.c.name, tracking.c.position)).all())
        return found[schema.READ_MODEL], found.get(schema.DAYS_ROW, -1)

    def position(self) -> int:
        return self.positions()[0]

    def head(self) -> int:
        return self.source.head()

    def catch_up(self, page: int = PAGE, progress: Callable[[int], None] | None = None
                 ) -> int:
        """Apply every event after the tracked position; returns how many were applied. Read
        models ahead of the log cannot be trusted: they are rebuilt, and `found_ahead` says so.
        A rebuild that never finished (killed, say) is finished first."""
        position, days = self.positions()
        head = self.head()
        if position > head:
            self.found_ahead = (position, head)
            return self.rebuild(progress)
        applied = self._finish_rebuild(progress) if days == REBUILDING else 0
        if position >= head and days == position:
            return applied
        while True:
            try:
                n = self._apply_next_page(page)
            except TrackingConflict:
                continue
            except RebuildUnderWay:  # begun by another process since
                applied += self._finish_rebuild(progress)
                continue
            if not n:
                return applied
            applied += n
            if progress:
                progress(n)

    def _apply_next_page(self, page: int, rebuilding: bool = False) -> int:
        """One page of events after the tracked position; in a rebuild's first pass only
        their rows of facts (`days` then stays REBUILDING). The page is read in the page's
        own turn: reading the next one ahead in another thread made neither SQLite's nor
        PostgreSQL's rebuild any quicker (Python's lock is held for nearly all of it), and
        cost a tenth more CPU and a page more memory."""
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            found = dict(conn.execute(
                select(tracking.c.name, tracking.c.position)
                .where(tracking.c.name.in_([schema.READ_MODEL, schema.DAYS_ROW]))
                .with_for_update()).all())
            position, days = found[schema.READ_MODEL], found.get(schema.DAYS_ROW, -1)
            if days == REBUILDING and not rebuilding:
                raise RebuildUnderWay
            if rebuilding and days != REBUILDING:
                return 0  # another process finished the rebuild
            if not rebuilding and days != position:
                refresh_days(conn)  # read models made by an earlier version's rebuild
            records = self.source.read(position, page)
            if records:
                if rebuilding:
                    rows, settings = page_rows(self.source, records)
                    insert_facts(conn, rows)
                    apply_settings(conn, settings)
                else:
                    project_page(conn, self.source, records)
                moved = conn.execute(
                    update(tracking).where(tracking.c.name == schema.READ_MODEL,
                                           tracking.c.position == position)
                    .values(position=records[-1].position))
                if moved.rowcount != 1:
                    raise TrackingConflict(position)
                position = records[-1].position
            _track(conn, schema.DAYS_ROW, REBUILDING if rebuilding else position)
            return len(records)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read models and recreate them from the whole log: first every event's
        row of facts, in log order, without the indexes (each is cheaper made once from the
        finished table than kept up to date row by row); then each project once, in the
        order of its id (`settle_all`); then the daily totals."""
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
            for index in facts.indexes:
                index.drop(conn)
            start_tracking(conn, days=REBUILDING)
        self._ready = True
        return self._finish_rebuild(progress) + self.catch_up(progress=progress)

    def _finish_rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        applied = 0
        while True:
            try:
                n = self._apply_next_page(REBUILD_PAGE, rebuilding=True)
            except TrackingConflict:
                continue
            if not n:
                break
            applied += n
            if progress:
                progress(n)
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            found = dict(conn.execute(
                select(tracking.c.name, tracking.c.position)
                .where(tracking.c.name.in_([schema.READ_MODEL, schema.DAYS_ROW]))
                .with_for_update()).all())
            if found.get(schema.DAYS_ROW) != REBUILDING:
                return applied  # another process finished it
            settle_all(conn)  # reads the facts sorted: before their indexes are made
            for index in facts.indexes:
                index.create(conn, checkfirst=True)
            for statement in schema.BY_DATE_INDEXES:
                conn.exec_driver_sql(statement)
            refresh_days(conn)
            _track(conn, schema.DAYS_ROW, found[schema.READ_MODEL])
        return applied

    def status(self) -> dict[str, Any]:
        position, head = self.position(), self.head()
        if position > head:
            self.found_ahead = (position, head)
            self.rebuild()
            position = self.position()
        with self.engine.connect() as conn:
            rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (projects, facts, schema.history, schema.deals, pipeline_days)}
        return {"position": position, "head": head, "behind": max(0, head - position),
                "rebuilt_from_ahead": self.found_ahead, "rows": rows}
