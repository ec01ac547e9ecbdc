"""The team's report: per member — a project's owner at the time, or a visit's participant —
the activities they took part in, the projects they contacted, owned (by stage at the
period's end) and signed, and the alerts on the projects they own.

A project's owner at a date is the contact's owner, then each handover's from its date."""
from __future__ import annotations

import bisect
import json
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm.domain.facts import CONTACT, HANDOVER, SIGNING, VISIT
from crm.domain.values import STAGES, VISIT_KINDS
from projections import alerts
from projections.schema import facts, history, projects
from projections.views import held_on

_PEOPLE = re.compile(r"[,，、;；/\s]+")


class Owners:
    """Who owned each project when."""

    def __init__(self, conn: Connection):
        timeline: dict[str, list[tuple[date, str | None]]] = defaultdict(list)
        for pid, event, on, data in conn.execute(
                select(facts.c.project_id, facts.c.event, facts.c.occurred_on, facts.c.data)
                .where(facts.c.event.in_([CONTACT, HANDOVER]), facts.c.voided.is_(False))):
            timeline[pid].append((on, json.loads(data or "{}").get("owner")))
        self.timeline = {pid: sorted(entries, key=lambda e: e[0])
                         for pid, entries in timeline.items()}

    def at(self, pid: str, on: date) -> str | None:
        entries = self.timeline.get(pid)
        if not entries:
            return None
        i = bisect.bisect_right([d for d, _ in entries], on) - 1
        return entries[max(i, 0)][1]


def team_report(conn: Connection, start: date, end: date, today: date,
                zone: Any) -> list[dict[str, Any]]:
    owners = Owners(conn)
    members: dict[str, dict[str, Any]] = {}

    def member(name: str) -> dict[str, Any]:
        if name not in members:
            members[name] = {"member": name,
                             "activities": {**{k: 0 for k in VISIT_KINDS}, "total": 0},
                             "contacts": 0, "projects_by_stage": {s: 0 for s in STAGES},
                             "signed": {"count": 0, "contracted_investment": Decimal(0)},
                             "alerts": 0}
        return members[name]

    span = (facts.c.occurred_on >= start, facts.c.occurred_on <= end,
            facts.c.voided.is_(False))
    seen: dict[str, set[str]] = defaultdict(set)  # member -> visits counted
    for pid, visit_id, kind, on, data in conn.execute(
            select(facts.c.project_id, facts.c.visit_id, facts.c.kind, facts.c.occurred_on,
                   facts.c.data).where(facts.c.event == VISIT, facts.c.counted.is_(True), *span)):
        people = {p for p in _PEOPLE.split(json.loads(data or "{}").get("participants") or "")
                  if p}
        ids = json.loads(data or "{}").get("project_ids") or [pid]
        people |= {o for o in (owners.at(i, on) for i in ids) if o}
        for person in people:
            if visit_id not in seen[person]:
                seen[person].add(visit_id)
                record = member(person)
                record["activities"][kind] += 1
                record["activities"]["total"] += 1
    for pid, event, on, amount in conn.execute(
            select(facts.c.project_id, facts.c.event, facts.c.occurred_on, facts.c.amount)
            .where(facts.c.event.in_([CONTACT, SIGNING]), facts.c.counted.is_(True), *span)):
        owner = owners.at(pid, on)
        if not owner:
            continue
        if event == CONTACT:
            member(owner)["contacts"] += 1
        else:
            member(owner)["signed"]["count"] += 1
            member(owner)["signed"]["contracted_investment"] += amount or Decimal(0)
    live = {pid for (pid,) in conn.execute(select(projects.c.id))}
    for pid, stage in conn.execute(
            select(history.c.project_id, history.c.stage)
            .where(held_on(history, end))):
        owner = owners.at(pid, end)
        if owner and pid in live:
            member(owner)["projects_by_stage"][stage] += 1
    on = min(end, today)
    for alert in alerts.alerts(conn, on, zone, current=on >= today):
        owner = alert.get("owner")
        if owner:
            member(owner)["alerts"] += 1
    return [members[m] for m in sorted(members)]
