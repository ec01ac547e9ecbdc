"""A page of new fact rows applied to the read-model tables, in the caller's transaction:
facts, projects, stage history, deals and the daily totals by stage.

Trusts the events: the rules were checked when they were recorded."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import delete, exists, select, update
from sqlalchemy.engine import Connection

from crm.domain.facts import CORRECTION, VISIT, VOIDED, Step, trace
from projections import schema
from projections.bulk import bulk_insert, insert_tuples, read_rows
from projections.exact import add_sql, sum_text, summed
from projections.rows import DEALS, FactRow, correct_row, fact_of, project_row
from projections.schema import facts, pipeline_days, projects

_CHUNK = 500


def _add_days_suffix(dialect: str) -> str:
    def add(column: str) -> str:
        return f" {column} = {add_sql(dialect, f'rm_pipeline_days.{column}', f'excluded.{column}')}"

    return (" ON CONFLICT (day, stage) DO UPDATE SET"
            " projects = rm_pipeline_days.projects + excluded.projects,"
            f"{add('investment')},{add('capital')}")


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
    was_live: dict[str, bool] = {}
    for pid, rows in known.items():
        if rows:
            before, old = trace([fact_of(r) for r in rows if not r["voided"]])
            was_live[pid] = before is not None and not before.voided
            if days and was_live[pid]:
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
    found, project_rows, new_history, new_deals = settle_each(
        touched, lambda pid: sorted(known[pid], key=lambda r: r["seq"]), versions)
    revived: dict[str, bool] = {}  # projects voided or brought back in this page: pid -> live
    for pid, settled in found.items():
        if settled.live != was_live.get(pid, settled.live):
            revived[pid] = settled.live
        if not settled.live and settled.contacted:
            revived[pid] = False
        if settled.live and days:
            _contributions(settled.steps, +1, deltas)
    day_rows = [{"day": day, "stage": stage, "projects": n, "investment": inv, "capital": cap}
                for (day, stage), (n, inv, cap) in deltas.items() if n or inv or cap]

    bulk_insert(conn, facts, new_rows)
    _update_corrected(conn, corrected_existing)
    for ids in _chunks([pid for pid in touched if pid not in contacted_here]):
        conn.execute(delete(schema.history).where(schema.history.c.project_id.in_(ids)))
        conn.execute(delete(projects).where(projects.c.id.in_(ids)))
        conn.execute(delete(schema.deals).where(schema.deals.c.project_id.in_(ids)))
    bulk_insert(conn, schema.history, new_history)
    bulk_insert(conn, projects, project_rows)
    bulk_insert(conn, schema.deals, new_deals)
    if day_rows:
        _add_days(conn, day_rows)
    shared = {r["visit_id"] for r in new_rows if r["event"] == VISIT
              and len(json.loads(r["data"])["project_ids"]) > 1}
    if revived or shared:
        _recount(conn, revived, shared)


class Settled(NamedTuple):
    """A project's rows in the read models, from all its facts."""

    contacted: bool
    live: bool
    project: dict[str, Any] | None
    history: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    steps: list[Step]


def settle(pid: str, rows: list[dict[str, Any]], version: int) -> Settled:
    """A project's row, stage history and deals from its rows of facts (in order, their
    corrections applied, none of the corrections' own rows); none for a project voided."""
    state, steps = trace([fact_of(r) for r in rows if not r["voided"]])
    if state is None or state.voided:
        return Settled(state is not None, False, None, [], [], steps)
    deals = [{"position": r["position"], "project_id": pid, "event": r["event"],
              "occurred_on": r["occurred_on"], "amount": r["amount"], "name": state.name,
              "sector": state.sector, "relocation": state.relocation, "short": state.short}
             for r in rows if r["event"] in DEALS and not r["voided"]]
    return Settled(True, True, project_row(pid, state, version), history_rows(pid, steps),
                   deals, steps)


def settle_each(pids: Iterable[str], rows_of: Callable[[str], list[dict[str, Any]]],
                versions: dict[str, int]
                ) -> tuple[dict[str, Settled], list[dict[str, Any]], list[dict[str, Any]],
                           list[dict[str, Any]]]:
    """Each project settled, and the rows to write of those live: projects, stage history,
    deals."""
    found: dict[str, Settled] = {}
    project_rows: list[dict[str, Any]] = []
    new_history: list[dict[str, Any]] = []
    new_deals: list[dict[str, Any]] = []
    for pid in pids:
        settled = found[pid] = settle(pid, rows_of(pid), versions[pid])
        if settled.live:
            project_rows.append(settled.project)
            new_history += settled.history
            new_deals += settled.deals
    return found, project_rows, new_history, new_deals


# -- a rebuild: the facts first, then each project once ---------------------------------------


def insert_facts(conn: Connection, new_rows: list[FactRow]) -> None:
    """A rebuild's first pass: a page of new rows of facts, stored as first recorded (their
    corrections are applied, and the projects made, by `settle_all`)."""
    insert_tuples(conn, facts, new_rows, FactRow._fields)


def settle_all(conn: Connection, chunk: int = 1_000) -> None:
    """A rebuild's second pass, once every fact is stored: each project's corrections
    applied to its facts, then its row, stage history and deals written — each project
    once — and which copy of each shared visit counts. The facts are read in one pass sorted
    by project (the database sorts them, as it would to make their index: no page of the
    table read at random), and the rows made are written a chunk of projects at a time:
    memory follows the chunk, not the log."""
    dead: dict[str, bool] = {}
    batch: dict[str, list[dict[str, Any]]] = {}
    versions: dict[str, int] = {}
    corrected: dict[int, dict[str, Any]] = {}

    def flush() -> None:
        found, project_rows, new_history, new_deals = settle_each(
            list(batch), batch.__getitem__, versions)
        dead.update((pid, False) for pid, settled in found.items()
                    if settled.contacted and not settled.live)
        _update_corrected(conn, corrected)
        bulk_insert(conn, schema.history, new_history)
        bulk_insert(conn, projects, project_rows)
        bulk_insert(conn, schema.deals, new_deals)
        batch.clear()
        versions.clear()
        corrected.clear()

    for part in read_rows(conn, facts, _SETTLED_KEYS, "project_id, seq"):
        for values in part:
            r = dict(zip(_SETTLED_KEYS, values))
            pid = r["project_id"]
            rows = batch.get(pid)
            if rows is None:
                if len(batch) >= chunk:
                    flush()
                rows = batch[pid] = []
            versions[pid] = r["seq"]
            if r["event"] != CORRECTION:
                rows.append(r)
                continue
            correction = json.loads(r["data"])
            target = next((t for t in rows if t["seq"] == correction["target"]), None)
            if target is not None:
                correct_row(target, correction)
                corrected[target["position"]] = target
    flush()
    schema.FACTS_BY_VISIT.create(conn, checkfirst=True)
    _recount(conn, dead, _miscounted_visits(conn))


#: What `settle` and a correction read of a row of facts.
_SETTLED_KEYS = ("position", "project_id", "seq", "event", "occurred_on", "kind", "amount", "mu",
                 "voided", "data")


def _miscounted_visits(conn: Connection) -> set[str]:
    """The visits naming more than one project that no live project's copy counts: the only
    shared visits a rebuild's `_recount` need look at. A rebuild first counts the copy in
    the history of the project a visit names first (`fact_row`), and that stands while that
    project is live, which nearly every one is; not when it was voided or merged away, nor
    when the id its name gives is no project's. (A visit's row keeps the ids it names last
    in its JSON, one 32-digit id after another: a second one is the mark of a shared visit.)"""
    last_of_several = '%", "' + "_" * 32 + '"]}'
    copies = facts.alias("copies")
    counted_live = exists().where(copies.c.visit_id == facts.c.visit_id, copies.c.counted,
                                  copies.c.project_id.in_(select(projects.c.id)))
    return {v for (v,) in conn.execute(select(facts.c.visit_id).distinct().where(
        facts.c.event == VISIT, facts.c.data.like(last_of_several), ~counted_live))}


def _update_corrected(conn: Connection, rows: dict[int, dict[str, Any]]) -> None:
    for position, row in rows.items():
        conn.execute(update(facts).where(facts.c.position == position).values(
            occurred_on=row["occurred_on"], amount=row["amount"], mu=row["mu"],
            kind=row["kind"], voided=row["voided"], data=row["data"]))


def _recount(conn: Connection, revived: dict[str, bool], shared: set[str]) -> None:
    """Which facts count: none of a voided project's; of a visit naming several projects,
    only the copy of the first of them still live (so a visit stays one activity when the
    project it named first is voided or merged away)."""
    for pid, live in revived.items():
        conn.execute(update(facts).where(facts.c.project_id == pid, facts.c.event != VISIT,
                                         facts.c.event != VOIDED).values(counted=live))
        shared |= {v for (v,) in conn.execute(select(facts.c.visit_id).where(
            facts.c.project_id == pid, facts.c.event == VISIT))}
        if not live:
            conn.execute(update(facts).where(facts.c.project_id == pid,
                                             facts.c.event == VISIT).values(counted=False))
    for chunk in _chunks(sorted(shared)):
        copies = conn.execute(select(facts.c.position, facts.c.project_id, facts.c.visit_id,
                                     facts.c.data, facts.c.counted)
                              .where(facts.c.visit_id.in_(chunk))).all()
        ids = {c.project_id for c in copies}
        live = {pid for (pid,) in conn.execute(select(projects.c.id).where(
            projects.c.id.in_(list(ids))))}
        by_visit: dict[str, list[Any]] = defaultdict(list)
        for c in copies:
            by_visit[c.visit_id].append(c)
        for visit, rows in by_visit.items():
            order = json.loads(rows[0].data)["project_ids"]
            first = next((pid for pid in order if pid in live
                          and any(r.project_id == pid for r in rows)), None)
            for r in rows:
                if bool(r.counted) != (r.project_id == first):
                    conn.execute(update(facts).where(facts.c.position == r.position)
                                 .values(counted=r.project_id == first))


def refresh_days(conn: Connection) -> None:
    """Derive the daily totals afresh from the stage history, in one statement."""
    dialect = conn.dialect.name
    conn.execute(delete(pipeline_days))
    summed(conn, lambda total: conn.exec_driver_sql(_days_sql(partial(sum_text, total, dialect))))


def _days_sql(sum_of: Callable[[str], str]) -> str:
    """The daily totals from the stage history (each stage's change in projects,
    investment and capital on each day a project entered or left it), summed by `sum_of`."""
    inv, cap = sum_of("inv"), sum_of("cap")
    return ("INSERT INTO rm_pipeline_days (day, stage, projects, investment, capital) "
            f"SELECT day, stage, SUM(n), {inv}, {cap} FROM ("
            " SELECT valid_from AS day, stage, 1 AS n, investment AS inv, capital AS cap"
            " FROM rm_stage_history"
            " UNION ALL"
            " SELECT valid_to, stage, -1, -investment, -capital FROM rm_stage_history"
            " WHERE valid_to IS NOT NULL) AS changes "
            f"GROUP BY day, stage HAVING SUM(n) <> 0 OR {inv} <> 0 OR {cap} <> 0")


def _add_days(conn: Connection, rows: list[dict[str, Any]]) -> None:
    bulk_insert(conn, pipeline_days, rows, _add_days_suffix(conn.dialect.name))
    # A day whose changes now cancel out is no change at all: keep the table as a rebuild would.
    days = sorted({r["day"] for r in rows})
    for chunk in _chunks(days):
        conn.execute(delete(pipeline_days).where(
            pipeline_days.c.day.in_(chunk), pipeline_days.c.projects == 0,
            pipeline_days.c.investment == 0, pipeline_days.c.capital == 0))




def apply_settings(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """The zone's settings as recorded: each key's latest value."""
    latest = {r["key"]: r for r in rows if r["key"] is not None}
    if not latest:
        return
    conn.execute(delete(schema.settings).where(schema.settings.c.key.in_(list(latest))))
    bulk_insert(conn, schema.settings, [{"key": k, "value": r["value"], "position": r["position"]}
                                        for k, r in latest.items()])
