"""Alerts (预警): the projects that need a call this week, each with the rule that raised it.

- idle_land (闲置土地): land transferred and no 开工 by the same calendar date a year later
  (warning), two years later (severe) — the national rule;
- start_missed, production_missed, capital_behind: a commitment's date has passed and it is
  not met (开工, 投产, or the capital promised not in place);
- stalled: no activity for the zone's stall days of the project's stage (negotiating,
  framework, signed);
- unsigned: a framework agreement and no signing after the zone's days.

Each rule is written once, as a condition on a project's row as it stood at the end of the
day asked about (`standing`); the database evaluates it, so counting the alerts of a zone of
100,000 projects reads no project into Python, and listing them reads only those raised.
Every date sum is worked out on the day asked about, never on a column, so the rules mean the
same on SQLite and PostgreSQL (29 February included)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, case, false, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery

from crm.domain.facts import TIMELESS
from crm.domain.settings import ZoneSettings
from crm.domain.values import DROPPED
from projections.schema import Money, facts, projects
from projections.views import changed_since, stood_on, unchanged_since

WARNING, SEVERE = "warning", "severe"
_ORDER = {SEVERE: 0, WARNING: 1}
#: The rules in the order a project's alerts are listed.
RULES = ("idle_land", "start_missed", "production_missed", "capital_behind", "stalled",
         "unsigned")


def years_after(day: date, years: int) -> date:
    """The same calendar date `years` later (29 February: the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def _anniversary_by(on: date, years: int) -> date | None:
    """The latest day whose anniversary `years` later (`years_after`) falls on or before
    `on` (None: none does): `years_after` only moves forward, so the days it takes to `on`
    or before are the days up to this one."""
    if on.year <= years:
        return None
    day = years_after(on, -years)
    while years_after(day + timedelta(days=1), years) <= on:
        day += timedelta(days=1)
    while years_after(day, years) > on:
        day -= timedelta(days=1)
    return day


def _days_before(on: date, days: int) -> date | None:
    try:
        return on - timedelta(days=days)
    except OverflowError:  # before the first day a date can name: no day is that early
        return None


def _on_or_before(column: Any, day: date | None) -> ColumnElement[bool]:
    return false() if day is None else column <= day


def standing(on: date, current: bool, stall_days: Mapping[str, int]) -> Subquery:
    """Every project as it stood at the end of `on`, one row each (see `stood`)."""
    parts = stood(on, current, stall_days)
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("standing")


def stood(on: date, current: bool, stall_days: Mapping[str, int]) -> list[Select[Any]]:
    """Every project as it stood at the end of `on`, in parts: with `current`, the rows
    as they stand now (cheap, and the same when nothing is dated after `on`); otherwise a
    project with nothing dated after `on` stood as it stands now, and only the others (for a
    recent date, the few active since) take their stage and capital from the stage history.
    Their last activity, which only the stall rule reads, is read from the facts only where
    that rule could raise an alert: in a stage it watches (`stall_days`), held since at
    least that many days before `on` (a row of the history starts on a day with an
    activity, so one begun later had an activity too recent to have stalled); None
    elsewhere. A project not contacted by `on` has no row."""
    p = projects.c
    now = select(p.id, p.name, p.owner, p.stage, p.capital, p.last_activity, p.started_on,
                 p.producing_on, p.land_on, p.framework_date, p.start_by, p.produce_by,
                 p.invest, p.invest_by)
    if current:
        return [now]
    unchanged = now.where(unchanged_since(on))
    h, then = stood_on(on)
    last = (select(func.max(facts.c.occurred_on))
            .where(facts.c.project_id == p.id, facts.c.occurred_on <= on,
                   facts.c.voided.is_(False), facts.c.event.notin_(sorted(TIMELESS)))
            .scalar_subquery())
    promised = or_(p.committed_on.is_(None), p.committed_on <= on)

    def by_then(column: Any) -> Any:  # a date kept only if it had come by `on`
        return case((column <= on, column), else_=None)

    def if_promised(column: Any) -> Any:
        return case((promised, column), else_=None)

    could_stall = [and_(h.c.stage == stage, h.c.valid_from <= before)
                   for stage, before in ((stage, _days_before(on, days))
                                         for stage, days in sorted(stall_days.items()))
                   if before is not None]
    last_if_watched = case((or_(*could_stall), last), else_=None) if could_stall \
        else literal(None, Date)
    active_since = (
        select(p.id, p.name, p.owner, h.c.stage, h.c.capital,
               last_if_watched.label("last_activity"),
               by_then(p.started_on).label("started_on"),
               by_then(p.producing_on).label("producing_on"),
               by_then(p.land_on).label("land_on"),
               by_then(p.framework_date).label("framework_date"),
               if_promised(p.start_by).label("start_by"),
               if_promised(p.produce_by).label("produce_by"),
               if_promised(p.invest).label("invest"),
               if_promised(p.invest_by).label("invest_by"))
        .select_from(projects.join(h, then)).where(changed_since(on)))
    return [unchanged, active_since]


def conditions(s: Subquery, on: date, zone: ZoneSettings) -> dict[str, ColumnElement[bool]]:
    """Each rule as a condition on a row of `standing`: true where it raises an alert at
    the end of `on`."""
    c = s.c
    started = and_(c.started_on.is_not(None), c.started_on <= on)
    producing = and_(c.producing_on.is_not(None), c.producing_on <= on)
    stalled = [and_(c.stage == stage, _on_or_before(c.last_activity, _days_before(on, days)))
               for stage, days in zone.stall_days.items()]
    rules = {
        "idle_land": and_(c.land_on.is_not(None), c.land_on <= on, ~started,
                          _on_or_before(c.land_on, _anniversary_by(on, 1))),
        "start_missed": and_(c.start_by.is_not(None), c.start_by < on, ~started),
        "production_missed": and_(c.produce_by.is_not(None), c.produce_by < on, ~producing),
        "capital_behind": and_(c.invest.is_not(None), c.invest_by.is_not(None),
                               c.invest_by < on,
                               func.coalesce(c.capital, literal(Decimal(0), Money)) < c.invest),
        "stalled": and_(c.last_activity.is_not(None), or_(*stalled) if stalled else false()),
        "unsigned": and_(c.stage == "framework", c.framework_date.is_not(None),
                         _on_or_before(c.framework_date, _days_before(on, zone.unsigned_days))),
    }
    live = c.stage != DROPPED
    return {rule: and_(live, condition) for rule, condition in rules.items()}


def count(conn: Connection, on: date, zone: ZoneSettings, current: bool) -> int:
    """How many alerts stand at the end of `on` (the quarterly report's figure), counted
    in each part of `stood` on its own (quicker than over their union)."""
    found = 0
    for part in stood(on, current, zone.stall_days):
        s = part.subquery("standing")
        raised = [func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                  for condition in conditions(s, on, zone).values()]
        found += int(sum(conn.execute(select(*raised)).one()))
    return found


def alerts(conn: Connection, on: date, zone: ZoneSettings, current: bool) -> list[dict[str, Any]]:
    """Every alert standing at the end of business day `on`, severe first: the rule, its
    severity, the day it was raised and what raised it."""
    s = standing(on, current, zone.stall_days)
    rules = conditions(s, on, zone)
    flags = [case((condition, True), else_=False).label(rule) for rule, condition in rules.items()]
    found: list[dict[str, Any]] = []
    for r in conn.execute(select(s, *flags).where(or_(*rules.values()))).mappings():
        for rule in RULES:
            if r[rule]:
                severity, since, detail = _RAISED[rule](r, on, zone)
                found.append({"project": r["name"], "rule": rule, "severity": severity,
                              "since": since, "detail": detail, "owner": r["owner"]})
    found.sort(key=lambda a: (_ORDER[a["severity"]], a["since"], a["project"], a["rule"]))
    return found


def _idle_land(r: Any, on: date, zone: ZoneSettings) -> tuple[str, date, str]:
    two = years_after(r["land_on"], 2)
    if on >= two:
        return SEVERE, two, f"land {r['land_on']}"
    return WARNING, years_after(r["land_on"], 1), f"land {r['land_on']}"


def _stalled(r: Any, on: date, zone: ZoneSettings) -> tuple[str, date, str]:
    since = r["last_activity"] + timedelta(days=zone.stall_days[r["stage"]])
    return WARNING, since, f"{r['stage']}, last activity {r['last_activity']}"


_RAISED: dict[str, Callable[[Any, date, ZoneSettings], tuple[str, date, str]]] = {
    "idle_land": _idle_land,
    "start_missed": lambda r, on, zone: (WARNING, r["start_by"] + timedelta(days=1),
                                         f"start by {r['start_by']}"),
    "production_missed": lambda r, on, zone: (WARNING, r["produce_by"] + timedelta(days=1),
                                              f"produce by {r['produce_by']}"),
    "capital_behind": lambda r, on, zone: (
        WARNING, r["invest_by"] + timedelta(days=1),
        f"{r['capital'] or 0} of {r['invest']} by {r['invest_by']}"),
    "stalled": _stalled,
    "unsigned": lambda r, on, zone: (
        WARNING, r["framework_date"] + timedelta(days=zone.unsigned_days),
        f"framework {r['framework_date']}"),
}
