"""The quarterly report (SPEC §5), computed from the read models with SELECTs only.

Spans are inclusive calendar dates: the period (a quarter or a year), its year to date
(1 January to the period's end, the reports' 1–9月) and the same span a year earlier."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection

from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    CONTACT,
    LAND_TRANSFER,
    PRODUCTION,
    SIGNING,
    STARTED_WORK,
    VISIT,
)
from crm.domain.settings import ZoneSettings
from crm.domain.values import (
    NEGOTIATING,
    STAGES,
    TEN_YI,
    VISIT_KINDS,
    YI,
    canonical,
    quarter_bounds,
)
from projections import alerts
from projections.exact import exact_sum
from projections.schema import deals, facts, projects, settings
from projections.views import changed_since, stage_totals, stood_on, summed, unchanged_since

GROWTH_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Period:
    """What a report covers: a quarter (year, 1-4), a whole year (quarter None), or a span of
    whole years (`first_year` to `year`, cumulative: 五年来)."""

    year: int
    quarter: int | None = None
    first_year: int | None = None

    @property
    def years(self) -> int:
        return self.year - self.first_year + 1 if self.first_year is not None else 1

    @property
    def label(self) -> str:
        if self.first_year is not None:
            return f"{self.first_year}-{self.year}"
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def start(self) -> date:
        if self.first_year is not None:
            return date(self.first_year, 1, 1)
        return quarter_bounds(self.year, self.quarter)[0] if self.quarter else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return quarter_bounds(self.year, self.quarter)[1] if self.quarter else date(self.year, 12, 31)

    @property
    def ytd(self) -> tuple[date, date]:
        return date(self.first_year or self.year, 1, 1), self.end

    @property
    def previous_ytd(self) -> tuple[date, date]:
        start, end = self.ytd
        return _years_before(start, self.years), _years_before(end, self.years)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return date(day.year - 1, 2, 28)


def _named(rows: list[Any]) -> dict[str, Any]:
    return {"count": len(rows), "projects": sorted({r[_NAME] for r in rows})}


def zone_settings(conn: Connection) -> ZoneSettings:
    """The zone's settings in these read models (live, or as recorded by a past moment)."""
    return ZoneSettings.of({key: json.loads(value) for key, value in
                            conn.execute(select(settings.c.key, settings.c.value))})


#: The spans a report's figures are read for, as `Spans.label` marks its rows: the period
#: (at the end of its year to date, and inside it), the rest of the year to date, and the
#: same span a year (or a span of years) earlier, which ends before the year to date begins.
PERIOD, REST_OF_YTD, PREVIOUS = 0, 1, 2


@dataclass(frozen=True)
class Spans:
    """The report's three spans, inclusive calendar dates: the period, its year to date
    (which holds it) and the previous year to date."""

    period: tuple[date, date]
    ytd: tuple[date, date]
    previous: tuple[date, date]

    def label(self, on: Any) -> Any:
        """SQL: which span a date falls in, one already known to be in the year to date or
        the previous one (`within`)."""
        return case((on >= self.period[0], PERIOD), (on >= self.ytd[0], REST_OF_YTD),
                    else_=PREVIOUS)

    def within(self, on: Any) -> Any:
        """SQL: the date falls in the year to date or the previous one (one range from the
        start of the previous to the end of the year to date, for an index to read, less
        the days between them)."""
        return and_(on >= self.previous[0], on <= self.ytd[1],
                    or_(on <= self.previous[1], on >= self.ytd[0]))


#: The columns of a listed agreement or signing (`blocks`), as plain tuples.
_SPAN, _EVENT, _NAME, _SHORT, _AMOUNT, _RELOCATION, _SECTOR, _TEN_YI, _YI = range(9)


def _in(labels: tuple[int, ...], rows: list[Any]) -> list[Any]:
    return [r for r in rows if r[_SPAN] in labels]


def _details(rows: list[Any]) -> list[dict[str, Any]]:
    """The projects of a list with their amounts, in the order of `rows` (`blocks` gives
    them the largest first, the narrative's order, then by name)."""
    return [{"project": name, "short": short, "amount": amount, "relocation": bool(relocation)}
            for _, _, name, short, amount, relocation, *_ in rows]


def _amount(row: Any) -> Any:
    return row[_AMOUNT] or 0


def _added(amounts: list[Decimal | None]) -> Decimal | None:
    """The sum of the amounts that are known (None: none is), in the form the read models
    give an amount (see `canonical`)."""
    known = [a for a in amounts if a is not None]
    return canonical(sum(known, Decimal(0))) if known else None


def blocks(conn: Connection, spans: Spans, tiers: tuple[Decimal, Decimal] = (TEN_YI, YI)
           ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Everything that happened in each span — the period, the year to date, the previous
    year to date —, the agreements and signings of all three read at once."""
    high, low = tiers
    listed = [tuple(r) for r in conn.execute(
        select(spans.label(deals.c.occurred_on).label("span"), deals.c.event, deals.c.name,
               deals.c.short, deals.c.amount, deals.c.relocation, deals.c.sector,
               (deals.c.amount >= high).label("ten_yi"), (deals.c.amount >= low).label("yi"))
        .where(deals.c.event.in_([AGREEMENT, SIGNING]), spans.within(deals.c.occurred_on)))]
    # Sorted once, the largest first, then by name (two stable sorts on single keys: quicker
    # than one on pairs); every list taken from these rows keeps that order.
    listed.sort(key=itemgetter(_NAME))
    listed.sort(key=_amount, reverse=True)
    return (block(conn, *spans.period, _in((PERIOD,), listed)),
            block(conn, *spans.ytd, _in((PERIOD, REST_OF_YTD), listed)),
            block(conn, *spans.previous, _in((PREVIOUS,), listed)))


def block(conn: Connection, start: date, end: date, listed: list[Any]) -> dict[str, Any]:
    """Everything that happened from `start` to `end` (both included), with the agreements
    and signings of this span (`listed`, see `blocks`)."""
    in_span = (facts.c.occurred_on >= start, facts.c.occurred_on <= end,
               facts.c.voided.is_(False), facts.c.counted.is_(True))
    visits = dict(conn.execute(
        select(facts.c.kind, func.count()).where(facts.c.event == VISIT, *in_span)
        .group_by(facts.c.kind)).all())
    activities = {kind: int(visits.get(kind, 0)) for kind in VISIT_KINDS}
    activities["total"] = sum(activities.values())
    figures = {event: (n, amount, mu) for event, n, amount, mu in summed(conn, lambda total: (
        conn.execute(
            select(facts.c.event, func.count(), total(facts.c.amount), total(facts.c.mu))
            .where(facts.c.event.in_([CONTACT, LAND_TRANSFER, CAPITAL_ARRIVAL]), *in_span)
            .group_by(facts.c.event)).all()))}
    contacts = figures.get(CONTACT, (0, None, None))[0]
    parcels, _, land_mu = figures.get(LAND_TRANSFER, (0, None, None))
    capital = figures.get(CAPITAL_ARRIVAL, (0, None, None))[1]
    milestones = conn.execute(
        select(facts.c.event, projects.c.name).join(projects, facts.c.project_id == projects.c.id)
        .where(facts.c.event.in_([STARTED_WORK, PRODUCTION]), *in_span)).all()

    agreements = [r for r in listed if r[_EVENT] == AGREEMENT]
    signings = [r for r in listed if r[_EVENT] == SIGNING]
    by_sector: dict[str, list[Decimal | None]] = {}
    for r in signings:
        by_sector.setdefault(r[_SECTOR], []).append(r[_AMOUNT])
    sectors = {sector: {"signed_count": len(amounts), "contracted_investment": _added(amounts)}
               for sector, amounts in sorted(by_sector.items())}
    return {
        "activities": activities,
        "contacts": int(contacts),
        "framework_agreements": {**_named(agreements), "details": _details(agreements)},
        "signed": {
            **_named(signings),
            "contracted_investment": sum((s["contracted_investment"] for s in sectors.values()),
                                         Decimal(0)),
            "at_least_10yi": _named([r for r in signings if r[_TEN_YI]]),
            "at_least_1yi": _named([r for r in signings if r[_YI]]),
            "relocations": _named([r for r in signings if r[_RELOCATION]]),
            "details": _details(signings),
        },
        "land": {"mu": land_mu or Decimal(0), "parcels": int(parcels)},
        "capital_arrived": capital or Decimal(0),
        "started": _milestones(milestones, STARTED_WORK),
        "producing": _milestones(milestones, PRODUCTION),
        "by_sector": sectors,
    }


def _milestones(rows: list[Any], event: str) -> dict[str, Any]:
    """开工 or 投产 in a span: how many, and which projects."""
    names = sorted(name for e, name in rows if e == event)
    return {"count": len(names), "projects": names}


def rates(conn: Connection, start: date, end: date, signed: dict[str, Any]
          ) -> dict[str, Decimal | None]:
    """Of the projects signed from `start` to `end` (`signed`: that span's signings, as
    `blocks` gives them): the share that started construction (开工率) and production
    (投产率) by `end`, and capital in place against their contracted investment (资金到位率)
    — fractions, None with nothing signed."""
    if not signed["count"]:
        return {"started": None, "producing": None, "capital": None}
    p = projects.c
    signed_ids = select(deals.c.project_id).where(
        deals.c.event == SIGNING, deals.c.occurred_on >= start, deals.c.occurred_on <= end)
    # The capital in place at the end of `end` is the stage history's of that day.
    h, then = stood_on(end)
    ((started, producing, capital),) = summed(conn, lambda total: (
        conn.execute(
            select(func.count(case((p.started_on <= end, 1))),
                   func.count(case((p.producing_on <= end, 1))), total(h.c.capital))
            .select_from(projects.outerjoin(h, then)).where(p.id.in_(signed_ids))).all()))
    capital = capital or Decimal(0)

    def fraction(n: Decimal | int, of: Decimal | int) -> Decimal | None:
        return (Decimal(n) / Decimal(of)).quantize(GROWTH_PLACES, rounding=ROUND_HALF_EVEN) \
            if of else None

    return {"started": fraction(started, signed["count"]),
            "producing": fraction(producing, signed["count"]),
            "capital": fraction(capital, signed["contracted_investment"])}


def targets(zone: ZoneSettings, year: int, ytd: dict[str, Any]) -> dict[str, Any]:
    """Each target set for the year: the target, the year to date's figure, and the share
    done (projects counts the year's signings)."""
    actual = {"projects": ytd["signed"]["count"],
              "contracted": ytd["signed"]["contracted_investment"],
              "capital": ytd["capital_arrived"]}
    out = {}
    for kind, target in zone.targets(year).items():
        done = actual[kind]
        out[kind] = {"target": target, "actual": done,
                     "rate": (Decimal(done) / Decimal(target)).quantize(
                         GROWTH_PLACES, rounding=ROUND_HALF_EVEN)}
    return out


def by_channel(conn: Connection, start: date, end: date) -> dict[str, dict[str, int]]:
    """Per channel (how the lead came in; 未注明 when none was recorded): the projects
    contacted, signed and landed (their first land transfer) from `start` to `end`."""
    found: dict[str, dict[str, int]] = {}
    what = {CONTACT: "contacted", SIGNING: "signed"}
    from_facts = (
        select(projects.c.channel, facts.c.event, func.count(func.distinct(facts.c.project_id)))
        .join(facts, facts.c.project_id == projects.c.id)
        .where(facts.c.event.in_(list(what)), facts.c.occurred_on >= start,
               facts.c.occurred_on <= end, facts.c.voided.is_(False))
        .group_by(projects.c.channel, facts.c.event))
    landed = (select(projects.c.channel, literal("landed"), func.count())
              .where(projects.c.land_on >= start, projects.c.land_on <= end)
              .group_by(projects.c.channel))
    for channel, event, n in conn.execute(union_all(from_facts, landed)):
        found.setdefault(channel or "", {"contacted": 0, "signed": 0, "landed": 0})[
            what.get(event, event)] = n
    return dict(sorted(found.items()))


def growth(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """Year-on-year growth as a fraction (0.5 is +50%); None where last year was zero."""
    if not before:
        return None
    fraction = (Decimal(now) - Decimal(before)) / Decimal(before)
    return fraction.quantize(GROWTH_PLACES, rounding=ROUND_HALF_EVEN)


def quarter_report(conn: Connection, period: Period, known_on: Any = None,
                   as_of: date | None = None, head: Any = None,
                   today: date | None = None) -> dict[str, Any]:
    """The report of SPEC §5 as plain values (Decimal amounts, dates), with its cut-off:
    the business date it stops at (`as_of`, else the period's end), the record time
    (`known_on`, else everything recorded) and the log head it was computed from."""
    end = min(period.end, as_of) if as_of else period.end
    zone = zone_settings(conn)
    tiers = zone.tiers
    ytd_span = (period.ytd[0], end)
    previous_span = (period.previous_ytd[0], _years_before(end, period.years))
    quarter, ytd, previous = blocks(conn, Spans((period.start, end), ytd_span, previous_span),
                                    tiers=tiers)
    totals = stage_totals(conn, end)
    figures_to = min(end, today) if today is not None else end
    return {
        "figures_to": figures_to,
        "closed": any(start <= period.start and period.end <= end
                      for _, start, end, _ in zone.closed_periods()),
        "rates": rates(conn, *ytd_span, ytd["signed"]),
        "alerts": alerts.count(conn, figures_to, zone,
                               current=figures_to >= (today or figures_to)),
        "targets": targets(zone, period.year, ytd) if period.first_year is None else {},
        "by_channel": by_channel(conn, *ytd_span),
        "zone": zone.name,
        "tiers": list(tiers),
        "counts": zone.values["counts"],
        "yoy_digits": zone.yoy_digits,
        "key_projects": key_projects(conn, end, zone),
        "period": {"label": period.label, "start": period.start, "end": period.end},
        "ytd": {"start": ytd_span[0], "end": ytd_span[1]},
        "known_on": known_on,
        "as_of": as_of,
        "log_head": None if head is None else {
            "position": head.position, "hash": head.link, "recorded_at": head.recorded_at},
        "quarter": quarter,
        "year_to_date": ytd,
        "previous_year_to_date": previous,
        "yoy": {
            "signed_count": growth(ytd["signed"]["count"], previous["signed"]["count"]),
            "contracted_investment": growth(ytd["signed"]["contracted_investment"],
                                            previous["signed"]["contracted_investment"]),
            "capital_arrived": growth(ytd["capital_arrived"], previous["capital_arrived"]),
        },
        "pipeline": {s: {"count": totals[s]["count"], "investment": totals[s]["investment"]}
                     for s in STAGES},
    }


def contracted_by_quarter(conn: Connection, period: Period,
                          quarters: int = 8) -> list[tuple[str, Decimal]]:
    """Contracted investment signed in each of the `quarters` quarters up to the period's
    end, oldest first: the report's chart of signings over time."""
    year, q = period.year, period.quarter or 4
    spans = []
    for _ in range(quarters):
        spans.append((f"{year}Q{q}", *quarter_bounds(year, q)))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    out = []
    for label, start, end in reversed(spans):
        total = conn.execute(select(exact_sum(facts.c.amount)).where(
            facts.c.event == SIGNING, facts.c.occurred_on >= start, facts.c.occurred_on <= end,
            facts.c.voided.is_(False))).scalar_one()
        out.append((label, total or Decimal(0)))
    return out


def key_projects(conn: Connection, end: date, zone: ZoneSettings) -> dict[str, Any]:
    """在谈重点项目: the projects negotiating at the end of `end` (not those with a framework
    agreement, which the report lists of their own) that the zone counts as key — by its
    planned investment, or flagged 重点 — with their expected investment, largest first."""
    rule = zone.key_rule
    p = projects.c
    h, then = stood_on(end)

    def key(investment: Any) -> Any:
        return p.key_flag.is_(True) if rule is None else investment >= rule

    # Those with nothing dated after `end` as they stand; the others from the stage history.
    query = union_all(
        select(p.name, p.short, p.investment)
        .where(p.stage == NEGOTIATING, unchanged_since(end), key(p.investment)),
        select(p.name, p.short, h.c.investment).select_from(projects.join(h, then))
        .where(changed_since(end), h.c.stage == NEGOTIATING, key(h.c.investment)))
    rows = sorted(map(tuple, conn.execute(query)), key=lambda r: (-r[2], r[0]))
    return {"count": len(rows), "investment": sum((r[2] for r in rows), Decimal(0)),
            "projects": sorted(r[0] for r in rows),
            "details": [{"project": name, "short": short, "amount": investment}
                        for name, short, investment in rows]}
