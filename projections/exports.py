"""The read models as a ledger and a visit log: the layout `crm import` reads back."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm.domain.facts import CAPITAL_ARRIVAL, CONTACT, DROP, LAND_TRANSFER, VISIT
from projections.schema import facts, projects


def ledger_rows(conn: Connection) -> list[dict[str, Any]]:
    """One row a project: its profile, amounts, and the first date of its land and capital
    (their amounts are totals), sorted by name."""
    first = {(pid, event): on for pid, event, on in conn.execute(
        select(facts.c.project_id, facts.c.event, func.min(facts.c.occurred_on))
        .where(facts.c.event.in_([LAND_TRANSFER, CAPITAL_ARRIVAL]), facts.c.voided.is_(False))
        .group_by(facts.c.project_id, facts.c.event))}
    reasons = {}
    for pid, on, data in conn.execute(
            select(facts.c.project_id, facts.c.occurred_on, facts.c.data)
            .where(facts.c.event == DROP, facts.c.voided.is_(False))
            .order_by(facts.c.project_id, facts.c.occurred_on, facts.c.seq)):
        reasons[pid] = (on, json.loads(data or "{}").get("reason"))
    notes = {pid: json.loads(data or "{}").get("note") for pid, data in conn.execute(
        select(facts.c.project_id, facts.c.data).where(facts.c.event == CONTACT))}
    rows = []
    for p in conn.execute(select(projects)).mappings():
        dropped = p["dropped_on"]
        rows.append({
            "id": p["id"], "name": p["name"], "investor": p["investor"], "sector": p["sector"],
            "relocation": bool(p["relocation"]), "owner": p["owner"], "channel": p["channel"],
            "region": p["region"], "planned": p["planned"], "contact_date": p["contact_date"],
            "framework_amount": p["framework"], "framework_date": p["framework_date"],
            "contracted": p["contracted"], "signed_date": p["signed_date"],
            "land_mu": p["land_mu"], "land_date": first.get((p["id"], LAND_TRANSFER)),
            "capital": p["capital"], "capital_date": first.get((p["id"], CAPITAL_ARRIVAL)),
            "started_date": p["started_on"], "produced_date": p["producing_on"],
            "dropped_on": dropped,
            "drop_reason": reasons.get(p["id"], (None, None))[1] if dropped else None,
            "note": notes.get(p["id"]),
        })
    rows.sort(key=lambda r: r["name"])
    return rows


def visit_rows(conn: Connection) -> list[dict[str, Any]]:
    """One row a visit: its date, kind, the projects it named (as the visit named them, in
    its order), its participants and note."""
    names = dict(conn.execute(select(projects.c.id, projects.c.name)).all())
    visits: dict[str, dict[str, Any]] = {}
    named: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pid, visit, on, kind, counted, data, position in conn.execute(
            select(facts.c.project_id, facts.c.visit_id, facts.c.occurred_on, facts.c.kind,
                   facts.c.counted, facts.c.data, facts.c.position)
            .where(facts.c.event == VISIT, facts.c.voided.is_(False))):
        if pid not in names:
            continue  # a voided project's copy
        extra = json.loads(data or "{}")
        row = visits.setdefault(visit, {"date": on, "kind": kind, "participants": None,
                                        "note": None})
        if counted:  # the first-named project's copy: the visit as recorded
            row.update(participants=extra.get("participants"), note=extra.get("note"))
        named[visit].append((0 if counted else position, names[pid]))
    rows = [{**v, "projects": "、".join(n for _, n in sorted(named[k]))}
            for k, v in visits.items()]
    rows.sort(key=lambda r: (r["date"], r["projects"], r["kind"]))
    return rows


def visit_ids(conn: Connection) -> set[Any]:
    """The id of every visit in the log (voided ones too: an import never logs them again)."""
    return {v for (v,) in conn.execute(select(facts.c.visit_id).where(
        facts.c.event == VISIT).distinct()) if v is not None}
