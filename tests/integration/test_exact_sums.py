"""Sums stay exact however large: the largest amount the tool accepts is 10,000亿元, and a
report sums any number of them (past what a 64-bit integer of fen holds) to the fen."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.app.log import ProjectLog
from crm.app.reads import projector_for
from projections import schema
from projections.bulk import bulk_insert
from projections.reports import Period, quarter_report

LARGEST = Decimal(10) ** 12  # 10,000亿元


def signings(count: int, start: int = 1) -> tuple[list[dict], list[dict]]:
    deals, facts = [], []
    for n in range(start, start + count):
        pid = f"{n:032x}"
        deals.append({"position": n, "project_id": pid, "event": "ContractSigned",
                      "occurred_on": date(2021, 7, 1 + n % 28), "amount": LARGEST,
                      "name": f"P{n}", "sector": "新材料", "relocation": False, "short": None})
        facts.append({"position": n, "project_id": pid, "seq": 2, "event": "ContractSigned",
                      "occurred_on": date(2021, 7, 1 + n % 28), "kind": None, "visit_id": None,
                      "amount": LARGEST, "mu": None, "voided": False, "counted": True,
                      "data": None})
    return deals, facts


def fill(store, count: int) -> ProjectLog:
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    projector.ensure_schema()
    with projector.engine.connect() as conn, conn.begin():
        for start in range(1, count + 1, 50_000):
            deals, facts = signings(min(50_000, count + 1 - start), start)
            bulk_insert(conn, schema.deals, deals)
            bulk_insert(conn, schema.facts, facts)
    return app, projector


@pytest.mark.slow
def test_a_million_of_the_largest_amount_sum_exactly(store):
    app, projector = fill(store, 1_000_000)
    with projector.engine.connect() as conn:
        report = quarter_report(conn, Period(2021, 3))
        count = conn.execute(select(func.count()).select_from(schema.deals)).scalar_one()
    assert count == 1_000_000
    assert report["year_to_date"]["signed"]["contracted_investment"] == Decimal(10) ** 18
    projector.engine.dispose()
    app.close()
