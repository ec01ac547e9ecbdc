"""Alerts (预警): the projects that need a call this week, each with the rule that raised it.

- idle_land (闲置土地): land transferred and no 开工 by the same calendar date a year later
  (warning), two years later (severe) — the national rule;
- start_missed, production_missed, capital_behind: a commitment's date has passed and it is
  not met (开工, 投产, or the capital promised not in place);
- stalled: no activity for the zone's stall days of the project's stage (negotiating,
  framework, signed);
- unsigned: a framework agreement and no signing after the zone's days.

Computed from the projects' current rows (cost follows the live projects, not the history);
at an earlier business date, from the projects as they stood then."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm.domain.facts import TIMELESS
from crm.domain.settings import ZoneSettings
from crm.domain.values import DROPPED
from projections.schema import facts, history, projects

WARNING, SEVERE = "warning", "severe"
_ORDER = {SEVERE: 0, WARNING: 1}


def years_after(day: date, years: int) -> date:
    """The same calendar date `years` later (29 February: the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def alerts_of(rows: Iterable[dict[str, Any]], on: date, zone: ZoneSettings) -> list[dict[str, Any]]:
    """Every alert standing at the end of business day `on`, severe first."""
    stall = zone.stall_days
    found: list[dict[str, Any]] = []

    def add(row: dict[str, Any], rule: str, severity: str, since: date, detail: str) -> None:
        found.append({"project": row["name"], "rule": rule, "severity": severity,
                      "since": since, "detail": detail, "owner": row.get("owner")})

    for r in rows:
        if r["stage"] == DROPPED:
            continue
        started = r.get("started_on") if r.get("started_on") and r["started_on"] <= on else None
        producing = r.get("producing_on") if r.get("producing_on") and \
            r["producing_on"] <= on else None
        land = r.get("land_on")
        if land is not None and land <= on and started is None:
            one, two = years_after(land, 1), years_after(land, 2)
            if on >= two:
                add(r, "idle_land", SEVERE, two, f"land {land}")
            elif on >= one:
                add(r, "idle_land", WARNING, one, f"land {land}")
        start_by, produce_by = r.get("start_by"), r.get("produce_by")
        if start_by is not None and on > start_by and started is None:
            add(r, "start_missed", WARNING, start_by + timedelta(days=1), f"start by {start_by}")
        if produce_by is not None and on > produce_by and producing is None:
            add(r, "production_missed", WARNING, produce_by + timedelta(days=1),
                f"produce by {produce_by}")
        invest, invest_by = r.get("invest"), r.get("invest_by")
        if invest is not None and invest_by is not None and on > invest_by \
                and (r.get("capital") or Decimal(0)) < invest:
            add(r, "capital_behind", WARNING, invest_by + timedelta(days=1),
                f"{r.get('capital') or 0} of {invest} by {invest_by}")
        stage = r["stage"]
        if stage in stall and r.get("last_activity") is not None:
            since = r["last_activity"] + timedelta(days=stall[stage])
            if on >= since:
                add(r, "stalled", WARNING, since, f"{stage}, last activity {r['last_activity']}")
        if stage == "framework" and r.get("framework_date") is not None:
            since = r["framework_date"] + timedelta(days=zone.unsigned_days)
            if on >= since:
                add(r, "unsigned", WARNING, since, f"framework {r['framework_date']}")
    found.sort(key=lambda a: (_ORDER[a["severity"]], a["since"], a["project"], a["rule"]))
    return found


def rows_at(conn: Connection, on: date) -> list[dict[str, Any]]:
    """The live projects as they stood at the end of `on`. A project with nothing dated
    after `on` (its last activity is on or before it) stood then as it stands now; only the
    others — for a recent date, the few active since — are looked up in the stage history
    and the facts, so the cost follows the live projects, not the history."""
    live = {r["id"]: dict(r) for r in conn.execute(select(
        projects.c.id, projects.c.name, projects.c.owner, projects.c.started_on,
        projects.c.producing_on, projects.c.land_on, projects.c.start_by, projects.c.produce_by,
        projects.c.invest, projects.c.invest_by, projects.c.committed_on,
        projects.c.framework_date, projects.c.stage, projects.c.capital,
        projects.c.last_activity)).mappings()}
    since = [pid for pid, row in live.items() if row["last_activity"] > on]
    at: dict[Any, tuple[str, Any]] = {}
    last: dict[Any, date] = {}
    for i in range(0, len(since), _CHUNK):
        chunk = since[i:i + _CHUNK]
        at.update((pid, (stage, capital)) for pid, stage, capital in conn.execute(
            select(history.c.project_id, history.c.stage, history.c.capital)
            .where(history.c.project_id.in_(chunk), history.c.valid_from <= on,
                   (history.c.valid_to.is_(None)) | (history.c.valid_to > on))))
        last.update(conn.execute(
            select(facts.c.project_id, func.max(facts.c.occurred_on))
            .where(facts.c.project_id.in_(chunk), facts.c.occurred_on <= on,
                   facts.c.voided.is_(False), facts.c.event.notin_(list(TIMELESS)))
            .group_by(facts.c.project_id)).all())
    rows = []
    for pid, row in live.items():
        if row["last_activity"] > on:
            if pid not in at:
                continue  # not contacted yet by then
            row["stage"], row["capital"] = at[pid]
            row["last_activity"] = last.get(pid)
        for key in ("started_on", "producing_on", "land_on", "framework_date"):
            if row[key] is not None and row[key] > on:
                row[key] = None
        if row["committed_on"] is not None and row["committed_on"] > on:  # not promised yet
            row.update(start_by=None, produce_by=None, invest=None, invest_by=None)
        rows.append(row)
    return rows


#: Project ids asked about at once (SQLite allows 32,766 bound values; PostgreSQL more).
_CHUNK = 5_000


def current_rows(conn: Connection) -> list[dict[str, Any]]:
    """The live projects as they stand now: only the columns the rules read."""
    columns = [projects.c[n] for n in ("name", "stage", "owner", "started_on", "producing_on",
                                       "land_on", "start_by", "produce_by", "invest",
                                       "invest_by", "capital", "last_activity",
                                       "framework_date")]
    return [dict(r) for r in conn.execute(select(*columns)).mappings()]


def rows_for(conn: Connection, on: date, today: date) -> list[dict[str, Any]]:
    """The projects as the alerts at the end of `on` read them: today's rows (cheap: one
    row a live project) when `on` is today or later, else the rows as they stood then."""
    return current_rows(conn) if on >= today else rows_at(conn, on)
