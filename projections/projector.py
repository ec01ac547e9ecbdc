"""Feeding the read models from the log, exactly once, a page at a time.

Each page of events and the new tracked position are written in one transaction that first
takes the tracking row's lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT … FOR UPDATE), so
two processes catching up at once queue behind each other and neither applies an event the
other has applied; the position update is conditional on the position read, as a second
guard. A killed catch-up loses only its uncommitted page, which the next one redoes."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Date,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    CONTACT,
    CORRECTION,
    DROP,
    LAND_TRANSFER,
    PROFILE_FIELDS,
    REOPEN,
    SIGNING,
    VISIT,
    Fact,
    ProjectState,
    Step,
    trace,
)
from crm.domain.values import CAPITAL, LAND, NEGOTIATING, project_id
from projections import schema
from projections.schema import facts, pipeline_days, projects, tracking

PAGE = 1000
REBUILD_PAGE = 10000
_CHUNK = 500
_AMOUNT_EVENTS = frozenset({AGREEMENT, SIGNING, CAPITAL_ARRIVAL})
_DEALS = frozenset({AGREEMENT, SIGNING})
_FAST_EVENTS = frozenset({CONTACT, VISIT, LAND_TRANSFER, DROP, REOPEN, *_AMOUNT_EVENTS})


class TrackingConflict(Exception):
    """Another process moved the tracked position while this one held the page."""


def engine_for(store: str) -> Engine:
    """The SQLAlchemy engine for the read models: the same database as the events."""
    from crm.store import is_postgres

    if is_postgres(store):
        from crm.pgstore import sqlalchemy_url

        return create_engine(sqlalchemy_url(store), pool_size=2, max_overflow=2)
    engine = create_engine(f"sqlite:///{store}", connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
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


# -- events -> rows ----------------------------------------------------------------------


def fact_row(position: int, e: Any) -> dict[str, Any]:
    """The read model's row for one stored event, as first recorded."""
    kind = type(e).__name__
    row: dict[str, Any] = {
        "position": position, "project_id": e.originator_id.hex, "seq": e.originator_version,
        "event": kind, "occurred_on": getattr(e, "occurred_on", None) or e.timestamp.date(),
        "recorded_at": e.timestamp.isoformat(), "recorded_by": e.recorded_by, "kind": None,
        "visit_id": None, "amount": None, "mu": None, "voided": False, "counted": True,
        "data": None,
    }
    if kind == CONTACT:
        row["amount"] = e.planned
        row["data"] = json.dumps({k: getattr(e, k, None) for k in PROFILE_FIELDS},
                                 ensure_ascii=False)
    elif kind == VISIT:
        row["kind"] = e.kind
        row["visit_id"] = e.visit_id.hex
        row["counted"] = counts_the_visit(row["project_id"], e.projects)
    elif kind in _AMOUNT_EVENTS:
        row["amount"] = e.amount
    elif kind == LAND_TRANSFER:
        row["mu"] = e.mu
    elif kind == CORRECTION:
        row["data"] = json.dumps({"target": e.target, "void": e.void, "reason": e.reason,
                                  "changes": _plain(e.changes)}, ensure_ascii=False)
    elif kind == DROP:
        row["data"] = json.dumps({"reason": e.reason}, ensure_ascii=False)
    return row


def counts_the_visit(project: str, named: list[str]) -> bool:
    """A visit naming several projects is one activity: only the copy in the history of
    the first-named project is counted."""
    return len(named) == 1 or project_id(named[0]).hex == project


def read_stored(conn: Connection, after: int, limit: int,
                table: str = "stored_events") -> list[tuple[Any, ...]]:
    """The next stored events after a position, read in the read models' own transaction:
    (position, aggregate id, version, topic, state). `table` is the recorder's own."""
    position = "rowid" if conn.dialect.name == "sqlite" else "notification_id"
    return conn.exec_driver_sql(
        f"SELECT {position}, originator_id, originator_version, topic, state "
        f"FROM {table} WHERE {position} > {int(after)} ORDER BY {position} "
        f"LIMIT {int(limit)}").fetchall()


def _data(value: dict[str, Any]) -> Any:
    return value["_data_"]


def stored_fact_row(record: tuple[Any, ...], mapper: Any) -> dict[str, Any]:
    """`fact_row` of a stored event, reading the JSON transcoder's form directly: much
    faster than building a domain event object. Anything unusual (an upcast class
    version, a correction) goes through the library's mapper instead."""
    position, originator_id, version, topic, state = record
    state = bytes(state)
    kind = topic.rsplit(".", 1)[-1]
    d = json.loads(state.decode())
    if kind not in _FAST_EVENTS or "class_version" in d:
        from eventsourcing.persistence import Notification

        oid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        return fact_row(position, mapper.to_domain_event(Notification(
            id=position, originator_id=oid, originator_version=version, topic=topic,
            state=state)))
    row: dict[str, Any] = {
        "position": position,
        "project_id": originator_id.hex if isinstance(originator_id, UUID) else originator_id,
        "seq": version, "event": kind, "occurred_on": date.fromisoformat(_data(d["occurred_on"])),
        "recorded_at": _data(d["timestamp"]),  # ISO text, parsed only where needed
        "recorded_by": d["recorded_by"], "kind": None, "visit_id": None, "amount": None,
        "mu": None, "voided": False, "counted": True, "data": None,
    }
    if kind == CONTACT:
        row["amount"] = Decimal(_data(d["planned"]))
        row["data"] = json.dumps({k: d.get(k) for k in PROFILE_FIELDS}, ensure_ascii=False)
    elif kind == VISIT:
        row["kind"] = d["kind"]
        row["visit_id"] = _data(d["visit_id"])
        row["counted"] = counts_the_visit(row["project_id"], d["projects"])
    elif kind in _AMOUNT_EVENTS:
        row["amount"] = Decimal(_data(d["amount"]))
    elif kind == LAND_TRANSFER:
        row["mu"] = Decimal(_data(d["mu"]))
    elif kind == DROP:
        row["data"] = json.dumps({"reason": d["reason"]}, ensure_ascii=False)
    return row


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, (Decimal, date)) else v) for k, v in changes.items()}


def correct_row(row: dict[str, Any], correction: dict[str, Any]) -> None:
    """Apply a correction's changes (or void) to the target's row, in place."""
    if correction["void"]:
        row["voided"] = True
        return
    for key, value in correction["changes"].items():
        if key == "occurred_on":
            row["occurred_on"] = date.fromisoformat(value)
        elif key in ("amount", "planned"):
            row["amount"] = Decimal(value)
        elif key == "mu":
            row["mu"] = Decimal(value)
        elif key == "kind":
            row["kind"] = value
        elif key in PROFILE_FIELDS or key == "reason":
            data = json.loads(row["data"] or "{}")
            data[key] = value
            row["data"] = json.dumps(data, ensure_ascii=False)


def fact_of(row: dict[str, Any]) -> Fact:
    fields: dict[str, Any] = {}
    if row["event"] == CONTACT:
        fields = {**json.loads(row["data"]), "planned": row["amount"]}
    elif row["amount"] is not None:
        fields["amount"] = row["amount"]
    if row["mu"] is not None:
        fields["mu"] = row["mu"]
    if row["kind"] is not None:
        fields["kind"] = row["kind"]
    return Fact(seq=row["seq"], event=row["event"], occurred_on=row["occurred_on"],
                recorded_at=row.get("recorded_at"), recorded_by=row.get("recorded_by", ""),
                fields=fields)


def project_row(pid: str, state: ProjectState, version: int) -> dict[str, Any]:
    from crm.domain.values import name_key

    return {
        "id": pid, "name": state.name, "name_key": name_key(state.name),
        "investor": state.investor, "sector": state.sector, "channel": state.channel,
        "region": state.region, "owner": state.owner, "relocation": state.relocation,
        "stage": state.stage, "stage_since": state.stage_since, "planned": state.planned,
        "framework": state.framework, "contracted": state.contracted,
        "investment": state.investment, "capital": state.capital, "land_mu": state.land_mu,
        "land_parcels": state.land_parcels, "contact_date": state.contact_date,
        "framework_date": state.framework_date, "signed_date": state.signed_date,
        "dropped_on": state.dropped_on, "last_activity": state.last_activity,
        "negotiating_on": state.stage_dates.get(NEGOTIATING),
        "land_on": state.stage_dates.get(LAND), "capital_on": state.stage_dates.get(CAPITAL),
        "version": version,
    }


def history_rows(pid: str, steps: list[Step]) -> list[dict[str, Any]]:
    """The project's stage history: a row from each change of stage, investment or capital
    until the next."""
    rows: list[dict[str, Any]] = []
    for day, stage, investment, capital in steps:
        if rows and (rows[-1]["stage"], rows[-1]["investment"], rows[-1]["capital"]) == \
                (stage, investment, capital):
            continue
        if rows:
            rows[-1]["valid_to"] = day
        rows.append({"project_id": pid, "valid_from": day, "valid_to": None, "stage": stage,
                     "investment": investment, "capital": capital})
    return rows


def _contributions(steps: list[Step], sign: int,
                   into: dict[tuple[date, str], list[Any]]) -> None:
    """Add (or, with sign -1, take away) what a project's steps contribute to the daily
    changes of each stage's count, investment and capital."""
    previous: Step | None = None
    for step in steps:
        day, stage, investment, capital = step
        if previous is not None:
            if previous[1:] == step[1:]:
                continue  # nothing the totals see has changed
            acc = into[(day, previous[1])]
            acc[0] -= sign
            acc[1] -= sign * previous[2]
            acc[2] -= sign * previous[3]
        acc = into[(day, stage)]
        acc[0] += sign
        acc[1] += sign * investment
        acc[2] += sign * capital
        previous = step


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- applying a page -------------------------------------------------------------------------


def apply_rows(conn: Connection, new_rows: list[dict[str, Any]], days: bool = True) -> None:
    """Project a page of new fact rows into the read models, in `conn`'s transaction.
    Trusts the events: rules were checked when they were recorded. With `days` false the
    daily totals are left for `refresh_days` (a rebuild does that once, at the end)."""
    touched = list(dict.fromkeys(r["project_id"] for r in new_rows))

    known: dict[str, list[dict[str, Any]]] = {pid: [] for pid in touched}
    # A project whose contact is in this page has nothing in the read models yet.
    contacted_here = {r["project_id"] for r in new_rows if r["seq"] == 1}
    for ids in _chunks([pid for pid in touched if pid not in contacted_here]):
        for r in conn.execute(select(facts).where(facts.c.project_id.in_(ids),
                                                  facts.c.event != CORRECTION)).mappings():
            known[r["project_id"]].append(dict(r))

    deltas: dict[tuple[date, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for pid, rows in known.items():
        if rows and days:
            _, old = trace([fact_of(r) for r in rows if not r["voided"]])
            _contributions(old, -1, deltas)

    corrected_existing: dict[int, dict[str, Any]] = {}
    existing_positions = {r["position"] for rows in known.values() for r in rows}
    for row in new_rows:
        if row["event"] == CORRECTION:
            correction = json.loads(row["data"])
            target = next((r for r in known[row["project_id"]] if r["seq"] == correction["target"]),
                          None)
            if target is not None:
                correct_row(target, correction)
                if target["position"] in existing_positions:
                    corrected_existing[target["position"]] = target
        else:
            known[row["project_id"]].append(row)

    versions: dict[str, int] = {}
    for row in new_rows:
        versions[row["project_id"]] = max(row["seq"], versions.get(row["project_id"], 0))
    project_rows, new_history, new_deals = [], [], []
    for pid in touched:
        rows = sorted(known[pid], key=lambda r: r["seq"])
        state, steps = trace([fact_of(r) for r in rows if not r["voided"]])
        if state is None:
            continue
        project_rows.append(project_row(pid, state, versions[pid]))
        new_history += history_rows(pid, steps)
        if days:
            _contributions(steps, +1, deltas)
        new_deals += [{"position": r["position"], "project_id": pid, "event": r["event"],
                       "occurred_on": r["occurred_on"], "amount": r["amount"],
                       "name": state.name, "sector": state.sector,
                       "relocation": state.relocation}
                      for r in rows if r["event"] in _DEALS and not r["voided"]]
    day_rows = [{"day": day, "stage": stage, "projects": n, "investment": inv, "capital": cap}
                for (day, stage), (n, inv, cap) in deltas.items() if n or inv or cap]

    bulk_insert(conn, facts, new_rows)
    for position, row in corrected_existing.items():
        conn.execute(update(facts).where(facts.c.position == position).values(
            occurred_on=row["occurred_on"], amount=row["amount"], mu=row["mu"],
            kind=row["kind"], voided=row["voided"], data=row["data"]))
    for ids in _chunks([pid for pid in touched if pid not in contacted_here]):
        conn.execute(delete(schema.history).where(schema.history.c.project_id.in_(ids)))
        conn.execute(delete(projects).where(projects.c.id.in_(ids)))
        conn.execute(delete(schema.deals).where(schema.deals.c.project_id.in_(ids)))
    bulk_insert(conn, schema.history, new_history)
    bulk_insert(conn, projects, project_rows)
    bulk_insert(conn, schema.deals, new_deals)
    if day_rows:
        _add_days(conn, day_rows)


def bulk_insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]],
                suffix: str = "") -> None:
    """INSERT many rows straight through the driver, each value converted by its column's
    SQLAlchemy type (so reads through SQLAlchemy see exactly what it would have written),
    without SQLAlchemy's per-row statement machinery."""
    if not rows:
        return
    dialect = conn.dialect
    key = (table.name, dialect.name, suffix)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        columns = list(table.columns)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
               f"VALUES ({', '.join(mark for _ in columns)}){suffix}")
        plan = _INSERT_PLANS[key] = (sql, _row_converter(columns, dialect))
    sql, convert = plan
    conn.exec_driver_sql(sql, [convert(r) for r in rows])


def _row_converter(columns: Sequence[Any], dialect: Any) -> Callable[[dict[str, Any]], tuple]:
    """A function turning a row dict into the driver's tuple, one column after another.
    Generated once per table: a single call a row instead of one loop step a value."""
    namespace: dict[str, Any] = {}
    parts = []
    for i, column in enumerate(columns):
        process = _processor(column.type, dialect)
        if process is None:
            parts.append(f"r[{column.name!r}]")
        else:
            namespace[f"p{i}"] = process
            parts.append(f"p{i}(r[{column.name!r}])")
    exec(f"def convert(r):\n    return ({', '.join(parts)},)\n", namespace)  # noqa: S102
    return namespace["convert"]


_INSERT_PLANS: dict[tuple[str, str, str], tuple[str, Any]] = {}
_ADD_DAYS = (" ON CONFLICT (day, stage) DO UPDATE SET"
             " projects = rm_pipeline_days.projects + excluded.projects,"
             " investment = rm_pipeline_days.investment + excluded.investment,"
             " capital = rm_pipeline_days.capital + excluded.capital")


def refresh_days(conn: Connection) -> None:
    """Derive the daily totals afresh from the stage history, in one statement."""
    conn.execute(delete(pipeline_days))
    conn.exec_driver_sql(
        "INSERT INTO rm_pipeline_days (day, stage, projects, investment, capital) "
        "SELECT day, stage, SUM(n), SUM(inv), SUM(cap) FROM ("
        " SELECT valid_from AS day, stage, 1 AS n, investment AS inv, capital AS cap"
        " FROM rm_stage_history"
        " UNION ALL"
        " SELECT valid_to, stage, -1, -investment, -capital FROM rm_stage_history"
        " WHERE valid_to IS NOT NULL) AS changes "
        "GROUP BY day, stage HAVING SUM(n) <> 0 OR SUM(inv) <> 0 OR SUM(cap) <> 0")


def _add_days(conn: Connection, rows: list[dict[str, Any]]) -> None:
    bulk_insert(conn, pipeline_days, rows, _ADD_DAYS)
    # A day whose changes now cancel out is no change at all: keep the table as a rebuild would.
    days = sorted({r["day"] for r in rows})
    for chunk in _chunks(days):
        conn.execute(delete(pipeline_days).where(
            pipeline_days.c.day.in_(chunk), pipeline_days.c.projects == 0,
            pipeline_days.c.investment == 0, pipeline_days.c.capital == 0))


def _processor(column_type: Any, dialect: Any) -> Any:
    """The column's bind processor; for SQLite's common types, a faster one writing the
    very text or integer SQLAlchemy itself would."""
    if dialect.name == "sqlite":
        if isinstance(column_type, schema._Scaled):
            return column_type.to_integer
        if isinstance(column_type, Date):
            return _sqlite_date
        if isinstance(column_type, Boolean):
            return _sqlite_bool
    return column_type._cached_bind_processor(dialect)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def _start_tracking(conn: Connection, days: int = 0) -> None:
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


# -- the projector -----------------------------------------------------------------------------


class Projector:
    """Brings the read models of one store up to its log."""

    def __init__(self, app: Any, engine: Engine | None = None):
        self.app = app
        self.engine = engine or engine_for(app.store)
        self._ready = False

    def ensure_schema(self) -> None:
        if self._ready:
            return
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # one first user at a time creates tables
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(6533)")
            if _layout(conn) not in (None, schema.SCHEMA_VERSION):
                schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
            for statement in schema.BY_DATE_INDEXES:
                conn.exec_driver_sql(statement)
            if _layout(conn) != schema.SCHEMA_VERSION:
                _start_tracking(conn)
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
        return self.app.recorder.max_notification_id() or 0

    def catch_up(self, page: int = PAGE, progress: Callable[[int], None] | None = None,
                 rebuilding: bool = False) -> int:
        """Apply every event after the tracked position; returns how many were applied."""
        position, days = self.positions()
        if position >= self.head() and (days == position or rebuilding):
            return 0
        applied = 0
        while True:
            try:
                n = self._apply_next_page(page, rebuilding)
            except TrackingConflict:
                continue
            if not n:
                return applied
            applied += n
            if progress:
                progress(n)

    def _apply_next_page(self, page: int, rebuilding: bool = False) -> int:
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            found = dict(conn.execute(
                select(tracking.c.name, tracking.c.position)
                .where(tracking.c.name.in_([schema.READ_MODEL, schema.DAYS_ROW]))
                .with_for_update()).all())
            position, days = found[schema.READ_MODEL], found.get(schema.DAYS_ROW, -1)
            keep_days = not rebuilding
            if keep_days and days != position:
                refresh_days(conn)  # after a rebuild that did not finish
            records = read_stored(conn, position, page, self.app.recorder.events_table_name)
            if records:
                mapper = self.app.mapper
                apply_rows(conn, [stored_fact_row(r, mapper) for r in records], days=keep_days)
                moved = conn.execute(
                    update(tracking).where(tracking.c.name == schema.READ_MODEL,
                                           tracking.c.position == position)
                    .values(position=records[-1][0]))
                if moved.rowcount != 1:
                    raise TrackingConflict(position)
                position = records[-1][0]
            _track(conn, schema.DAYS_ROW, position if keep_days else -1)
            return len(records)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read models and recreate them from the whole log."""
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
            _start_tracking(conn, days=-1)
        # Without the date indexes and the daily totals until the end: each is cheaper
        # made once from the finished tables than kept up to date page by page.
        self._ready = True
        applied = self.catch_up(page=REBUILD_PAGE, progress=progress, rebuilding=True)
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            position = conn.execute(
                select(tracking.c.position).where(tracking.c.name == schema.READ_MODEL)
                .with_for_update()).scalar_one()
            for statement in schema.BY_DATE_INDEXES:
                conn.exec_driver_sql(statement)
            refresh_days(conn)
            _track(conn, schema.DAYS_ROW, position)
        return applied

    def status(self) -> dict[str, Any]:
        position, head = self.position(), self.head()
        with self.engine.connect() as conn:
            rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (projects, facts, schema.history, schema.deals, pipeline_days)}
        return {"position": position, "head": head, "behind": max(0, head - position),
                "rows": rows}
