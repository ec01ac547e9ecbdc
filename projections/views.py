"""SELECT-only reads of the read models: projects now or as of a business date, and the
pipeline's totals by stage."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Alias
from sqlalchemy.sql.functions import FunctionElement

from crm.domain.facts import CORRECTION, TIMELESS, fold
from crm.domain.values import NEGOTIATING_STAGES, SIGNED_STAGES, STAGES, name_key
from projections.exact import summed
from projections.rows import fact_of, project_row
from projections.schema import facts, history, pipeline_days, projects


def _row(r: Any, today: date, as_of: date | None) -> dict[str, Any]:
    on = as_of or today

    def known(d: date | None) -> date | None:
        return d if d is not None and d <= on else None

    dropped = r["stage"] == "dropped"
    return {
        "name": r["name"],
        "stage": r["stage"],
        "investor": r["investor"],
        "sector": r["sector"],
        "relocation": bool(r["relocation"]),
        "planned_investment": r["planned"],
        "framework_investment": r["framework"],
        "contracted_investment": r["contracted"],
        "capital_arrived": r["capital"],
        "land_mu": r["land_mu"],
        "land_parcels": r["land_parcels"],
        "investment": r["investment"],
        "channel": r["channel"],
        "region": r["region"],
        "owner": r["owner"],
        "contact_date": r["contact_date"],
        "framework_date": known(r["framework_date"]),
        "signed_date": known(r["signed_date"]),
        "dropped_on": r["stage_since"] if dropped else None,
        "started_on": known(r["started_on"]),
        "producing_on": known(r["producing_on"]),
        "start_by": r["start_by"],
        "produce_by": r["produce_by"],
        "invest": r["invest"],
        "invest_by": r["invest_by"],
        "short": r["short"],
        "key_project": bool(r["key_flag"]),
        "stage_since": r["stage_since"],
        "days_in_stage": (on - r["stage_since"]).days,
        "last_activity": r["last_activity"],
    }


def project_rows(conn: Connection, *, today: date, as_of: date | None = None,
                 stages: Iterable[str] | None = None, sector: str | None = None,
                 owner: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    """Projects (optionally filtered), as they stand now or at the end of `as_of`,
    sorted by name in code-point order."""
    if as_of is None:
        query = select(projects)
        if stages is not None:
            query = query.where(projects.c.stage.in_(list(stages)))
        if sector is not None:
            query = query.where(projects.c.sector == sector)
        if owner is not None:
            query = query.where(projects.c.owner == owner)
        if name is not None:
            query = query.where(projects.c.name_key == name_key(name))
        rows = [_row(r, today, None) for r in conn.execute(query).mappings()]
    else:
        wanted = set(stages) if stages is not None else None
        rows = [_row(r, today, as_of) for r in _states_as_of(conn, as_of, name)
                if (wanted is None or r["stage"] in wanted)
                and (sector is None or r["sector"] == sector)
                and (owner is None or r["owner"] == owner)]
    rows.sort(key=lambda r: r["name"])
    return rows


def _states_as_of(conn: Connection, as_of: date, name: str | None) -> Iterator[dict[str, Any]]:
    """Every project's state at the end of `as_of`, folded from its facts up to then."""
    query = (select(facts).where(facts.c.event != CORRECTION, facts.c.voided.is_(False),
                                 (facts.c.occurred_on <= as_of)
                                 | facts.c.event.in_(list(TIMELESS)))
             .order_by(facts.c.project_id, facts.c.seq))
    if name is not None:
        query = query.where(facts.c.project_id.in_(
            select(projects.c.id).where(projects.c.name_key == name_key(name))))
    for pid, group in groupby(conn.execute(query).mappings(), key=lambda r: r["project_id"]):
        rows = list(group)
        state = fold([fact_of(r) for r in rows], as_of)
        if state is not None and not state.voided:
            yield project_row(pid, state, rows[-1]["seq"])


def states_as_of(conn: Connection, as_of: date) -> Iterator[dict[str, Any]]:
    """Every live project's row as it stood at the end of `as_of`."""
    return _states_as_of(conn, as_of, None)


class scanned(FunctionElement[Any]):
    """A column's value that SQLite is not to look up through an index (its unary +, a
    no-op on any value): for a condition most rows meet, reading the table in order is
    several times quicker. Other databases get the column itself."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(scanned)
def _column(element: scanned, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(scanned, "sqlite")
def _column_unindexed(element: scanned, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def unchanged_since(on: date) -> ColumnElement[bool]:
    """SQL: the project has nothing dated after `on`, so it stood at the end of `on` as it
    stands now (every change of stage, investment, capital or date comes from a fact dated
    on its day; a rename or a void holds in all business time). For a recent `on`, most
    projects: read in order (the table, or an index that holds every column read), not
    looked up one by one through the index of last activity."""
    return scanned(projects.c.last_activity) <= on


def changed_since(on: date) -> ColumnElement[bool]:
    """SQL: the project has something dated after `on` (for a recent `on`, the few active
    since: found through the index of last activity, then looked up one by one)."""
    return projects.c.id.in_(select(projects.c.id).where(projects.c.last_activity > on))


def stood_on(on: date, name: str = "then") -> tuple[Alias, ColumnElement[bool]]:
    """The stage history's rows that held at the end of `on` (an alias named `name`), and
    the condition joining each to its project: one row for each project contacted by then."""
    h = history.alias(name)
    return h, and_(h.c.project_id == projects.c.id, held_on(h, on))


def held_on(h: Any, on: date) -> ColumnElement[bool]:
    """SQL: the row of the stage history (`h`, the table or an alias of it) held at the end
    of `on`."""
    return and_(h.c.valid_from <= on, or_(h.c.valid_to.is_(None), h.c.valid_to > on))


def contact_date_of(conn: Connection, name: str) -> date | None:
    """When the live project now carrying this name was first contacted (None: no such)."""
    return conn.execute(select(projects.c.contact_date).where(
        projects.c.name_key == name_key(name))).scalar_one_or_none()


def names(conn: Connection) -> list[str]:
    return [n for (n,) in conn.execute(select(projects.c.name))]


def stage_totals(conn: Connection, as_of: date | None = None) -> dict[str, dict[str, Any]]:
    """Count, investment and capital arrived of every stage, dropped included, at the end
    of `as_of` (default: now), from the daily changes alone."""
    def query(total: Any) -> Select[Any]:
        chosen = select(pipeline_days.c.stage, func.sum(pipeline_days.c.projects),
                        total(pipeline_days.c.investment), total(pipeline_days.c.capital))
        if as_of is not None:
            chosen = chosen.where(pipeline_days.c.day <= as_of)
        return chosen.group_by(pipeline_days.c.stage)

    totals = {s: {"count": 0, "investment": Decimal(0), "capital": Decimal(0)} for s in STAGES}
    for stage, count, investment, capital in summed(conn, lambda total: conn.execute(
            query(total)).all()):
        totals[stage] = {"count": int(count or 0), "investment": investment or Decimal(0),
                         "capital": capital or Decimal(0)}
    return totals


def totals_of(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same totals, summed from listed rows (used when the listing is filtered)."""
    totals = {s: {"count": 0, "investment": Decimal(0), "capital": Decimal(0)} for s in STAGES}
    for r in rows:
        t = totals[r["stage"]]
        t["count"] += 1
        t["investment"] += r["investment"]
        t["capital"] += r["capital_arrived"] or Decimal(0)
    return totals


def headline(totals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """在谈 (negotiating and framework) and 签约 (signed and beyond), with 资金到位率."""
    talking = [totals[s] for s in NEGOTIATING_STAGES]
    signed = [totals[s] for s in SIGNED_STAGES]
    contracted = sum((t["investment"] for t in signed), Decimal(0))
    capital = sum((t["capital"] for t in signed), Decimal(0))
    return {
        "negotiating": {"count": sum(t["count"] for t in talking),
                        "expected_investment": sum((t["investment"] for t in talking), Decimal(0))},
        "signed": {"count": sum(t["count"] for t in signed), "contracted_investment": contracted,
                   "capital_arrived": capital,
                   "capital_rate": (capital / contracted) if contracted else None},
    }


#: The read models a deep check compares, each with the columns that name a row.
COMPARED = (("rm_projects", ("id",)), ("rm_facts", ("position",)),
            ("rm_stage_history", ("project_id", "valid_from")), ("rm_deals", ("position",)),
            ("rm_pipeline_days", ("day", "stage")))


def table_rows(conn: Connection) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Every row of the compared read models, by table and by the columns naming it."""
    from projections.schema import metadata

    out: dict[str, dict[tuple, dict[str, Any]]] = {}
    for name, key in COMPARED:
        table = metadata.tables[name]
        out[name] = {tuple(r[k] for k in key): dict(r)
                     for r in conn.execute(select(table)).mappings()}
    return out


def differences(stored: dict[str, dict[tuple, dict[str, Any]]],
                rebuilt: dict[str, dict[tuple, dict[str, Any]]]) -> list[tuple[str, tuple, str]]:
    """(table, row key, what differs) for every row the two sets of read models disagree on."""
    found = []
    for name, _ in COMPARED:
        mine, theirs = stored.get(name, {}), rebuilt.get(name, {})
        for key in sorted(set(mine) | set(theirs), key=repr):
            if key not in theirs:
                found.append((name, key, "not in the log"))
            elif key not in mine:
                found.append((name, key, "missing"))
            elif mine[key] != theirs[key]:
                changed = [f"{c}: {mine[key][c]!r} stored, {theirs[key][c]!r} from the log"
                           for c in theirs[key] if mine[key].get(c) != theirs[key][c]]
                found.append((name, key, "; ".join(changed)))
    return found
