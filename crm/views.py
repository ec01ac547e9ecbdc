"""Rows for the read commands, built from the project aggregates."""
from __future__ import annotations

from datetime import date
from typing import Any

from crm import clock
from crm.domain.project import Project

_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic",
             "occurred_on", "recorded_by", "note")


def project_row(project: Project, today: date | None = None) -> dict[str, Any]:
    st = project.state
    today = today or clock.today()
    return {
        "name": st.name,
        "stage": st.stage,
        "investor": st.investor,
        "sector": st.sector,
        "relocation": st.relocation,
        "planned_investment": st.planned,
        "framework_investment": st.framework,
        "contracted_investment": st.contracted,
        "capital_arrived": st.capital,
        "land_mu": st.land_mu,
        "land_parcels": st.land_parcels,
        "channel": st.channel,
        "region": st.region,
        "owner": st.owner,
        "contact_date": st.contact_date,
        "framework_date": st.framework_date,
        "signed_date": st.signed_date,
        "dropped_on": st.dropped_on,
        "stage_since": st.stage_since,
        "days_in_stage": (today - st.stage_since).days if st.stage_since else None,
        "last_activity": st.last_activity,
    }


def project_rows(app: Any) -> list[dict[str, Any]]:
    today = clock.today()
    return sorted((project_row(p, today) for p in app.projects()), key=lambda r: r["name"])


def history_rows(app: Any, name: str) -> list[dict[str, Any]]:
    rows = []
    for event in app.stored_events(name):
        fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
        rows.append({
            "position": event.originator_version,
            "event": type(event).__name__,
            "occurred_on": event.occurred_on,
            "recorded_at": clock.local(event.timestamp),
            "recorded_by": event.recorded_by,
            "note": event.note,
            **fields,
        })
    return rows
