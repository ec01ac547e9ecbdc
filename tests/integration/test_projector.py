"""The read models: fed exactly once from the log, equal to a rebuild, exact in money."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.app.log import ProjectLog
from crm.app.reads import LogSource, projector_for
from crm.domain.errors import CrmError
from projections import views
from projections.rows import fact_row
from tests.conftest import PG_URL, fresh_database
from tests.integration.helpers import dump, rebuilt


def test_replaying_the_same_log_twice_gives_identical_tables(zone):
    store = zone(3000)
    first = rebuilt(store)
    assert len(first["rm_facts"]) >= 3000
    assert rebuilt(store) == first


def test_a_rebuild_equals_the_incrementally_built_tables(zone):
    store = zone(3000)
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    while projector.catch_up(page=37):  # small, uneven pages: projects split across pages
        pass
    app.close()
    incremental = dump(store)
    assert incremental == rebuilt(store)


def test_quick_decoding_equals_the_library_mapper(zone):
    store = zone(3000)
    app = ProjectLog(store=str(store))
    source = LogSource(app)
    kinds = set()
    for record in source.read(0, 10_000):
        quick = fact_row(record, source.fields, source.to_event)
        # an upcast class version takes the library's mapper: every event that way, to compare
        mapped = fact_row(record, lambda *_: {"class_version": 2}, source.to_event)
        assert quick == mapped
        kinds.add(quick.event)
    app.close()
    assert len(kinds) == 8


def _log_commands(store: Path, commands: list[tuple[str, dict]]) -> None:
    app = ProjectLog(store=str(store), user="t")
    for method, kwargs in commands:
        getattr(app, method)(**kwargs)
    app.close()


def test_incremental_with_late_entries_and_shared_visits(store):
    """Catch up after every command, with business dates out of record order."""
    app = ProjectLog(store=str(store), user="t")
    app.confirm = True  # amounts of cents and fen: the guards would doubt them
    projector = projector_for(app)
    steps = [
        ("contact", dict(name="A", investor="I", sector="新能源", planned=Decimal("1.1"),
                         occurred_on=date(2020, 1, 1))),
        ("contact", dict(name="B", investor="I", sector="大健康", planned=Decimal("0.2"),
                         occurred_on=date(2020, 2, 1))),
        ("sign", dict(name="A", amount=Decimal("3.3"), occurred_on=date(2020, 5, 1))),
        ("log_visit", dict(names=["A", "B"], kind="pairing", occurred_on=date(2020, 3, 1))),
        ("agree", dict(name="A", amount=Decimal("2.2"), occurred_on=date(2020, 4, 1))),
        ("receive_capital", dict(name="A", amount=Decimal("0.1"), occurred_on=date(2020, 6, 1))),
        ("receive_capital", dict(name="A", amount=Decimal("0.2"), occurred_on=date(2020, 5, 15))),
        ("drop", dict(name="B", reason="r", occurred_on=date(2020, 7, 1))),
        ("reopen", dict(name="B", occurred_on=date(2020, 8, 1))),
        ("transfer_land", dict(name="A", mu=Decimal("12.5"), occurred_on=date(2020, 9, 1))),
    ]
    for method, kwargs in steps:
        getattr(app, method)(**kwargs)
        projector.catch_up()
    with projector.engine.connect() as conn:
        a = views.project_rows(conn, today=date(2021, 1, 1), name="A")[0]
        assert a["capital_arrived"] == Decimal("0.3")  # exact: 0.1 + 0.2, not 0.30000000000000004
        assert a["stage"] == "capital" and a["land_mu"] == Decimal("12.5")
        totals = views.stage_totals(conn)
        assert totals["capital"]["capital"] == Decimal("0.3")
        assert totals["capital"]["investment"] == Decimal("3.3")
        assert totals["negotiating"]["count"] == 1
    app.close()
    assert dump(store) == rebuilt(store)


def test_shared_visits_whose_first_project_is_gone_count_alike_in_a_rebuild(store):
    """A visit naming several projects counts once, in the history of the first of them
    still live: a rebuild recounts only the visits whose first-named project is not, and
    must come to what catching up after every command came to."""
    app = ProjectLog(store=str(store), user="t")
    projector = projector_for(app)
    on = date(2020, 1, 1)
    for name in ("A", "B", "C", "D", "E"):
        app.contact(name=name, investor="I", sector="新能源", planned=Decimal(10**8),
                    occurred_on=on)
        projector.catch_up()
    steps = [
        ("log_visit", dict(names=["A", "B"], kind="pairing", occurred_on=date(2020, 2, 1))),
        ("log_visit", dict(names=["C", "D", "B"], kind="pairing", occurred_on=date(2020, 2, 2))),
        ("log_visit", dict(names=["B", "E"], kind="pairing", occurred_on=date(2020, 2, 3))),
        ("void", dict(name="A", reason="录入测试")),
        ("merge", dict(duplicate="C", into="E", reason="重复录入")),
    ]
    for method, kwargs in steps:
        getattr(app, method)(**kwargs)
        projector.catch_up()
    with projector.engine.connect() as conn:
        counted = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM rm_facts WHERE event = 'VisitLogged' AND counted").scalar()
    assert counted == 3  # each visit once, though A and C are gone
    app.close()
    assert dump(store) == rebuilt(store)


def test_stage_totals_from_daily_changes_match_the_projects_on_every_date(zone):
    store = zone(3000)
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    projector.catch_up()
    with projector.engine.connect() as conn:
        for on in (None, date(2025, 1, 1), date(2026, 3, 31), date(2026, 6, 30),
                   date(2027, 12, 31)):
            listed = views.project_rows(conn, today=date(2030, 1, 1), as_of=on)
            assert views.stage_totals(conn, on) == views.totals_of(listed), on
    app.close()



def test_reads_as_of_a_past_day_match_the_projects_folded_to_that_day(zone):
    """Key projects, the completion rates' capital and the alerts as of a past day read the
    projects active since from the stage history; every figure equals what folding each
    project's facts up to that day gives."""
    from decimal import ROUND_HALF_EVEN

    from sqlalchemy import func, select

    from crm.domain.facts import SIGNING
    from projections import alerts, reports
    from projections.schema import deals, projects

    store = zone(3000)
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    projector.catch_up()
    with projector.engine.connect() as conn:
        rules = reports.zone_settings(conn)
        rule = rules.key_rule
        last = conn.execute(select(func.max(projects.c.last_activity))).scalar_one()
        for on in (date(2025, 3, 31), date(2025, 12, 31), date(2026, 6, 30), last):
            stood = {r["name"]: r for r in views.project_rows(conn, today=on, as_of=on)}
            key = sorted(((r["name"], r["investment"]) for r in stood.values()
                          if r["stage"] == "negotiating"
                          and (r["key_project"] if rule is None else r["investment"] >= rule)),
                         key=lambda pair: (-pair[1], pair[0]))
            found = reports.key_projects(conn, on, rules)
            assert [(d["project"], d["amount"]) for d in found["details"]] == key, on
            start = date(on.year, 1, 1)
            signed = {name for (name,) in conn.execute(
                select(projects.c.name).where(projects.c.id.in_(select(deals.c.project_id).where(
                    deals.c.event == SIGNING, deals.c.occurred_on >= start,
                    deals.c.occurred_on <= on))))}
            capital = sum((stood[n]["capital_arrived"] or Decimal(0) for n in signed), Decimal(0))
            started = sum(1 for n in signed if stood[n]["started_on"] is not None)
            rates = reports.rates(conn, start, on, {"count": len(signed),
                                                   "contracted_investment": Decimal(1)})
            assert rates["capital"] == (capital if signed else None), on
            assert rates["started"] == ((Decimal(started) / len(signed)).quantize(
                reports.GROWTH_PLACES, rounding=ROUND_HALF_EVEN) if signed else None), on
            listed = alerts.alerts(conn, on, rules, current=False)
            assert alerts.count(conn, on, rules, current=False) == len(listed), on
            stalled = {n for n, r in stood.items() if r["stage"] in rules.stall_days and
                       (on - r["last_activity"]).days >= rules.stall_days[r["stage"]]}
            assert {a["project"] for a in listed if a["rule"] == "stalled"} == stalled, on
        assert alerts.count(conn, last, rules, current=True) == len(listed)
        assert alerts.alerts(conn, last, rules, current=True) == listed
    app.close()


OPS = st.lists(st.tuples(
    st.sampled_from(["contact", "visit", "agree", "sign", "land", "capital", "drop", "reopen",
                     "catch_up"]),
    st.integers(0, 3),  # which project
    st.integers(0, 400),  # business day offset
    st.integers(1, 10**6),  # amount in fen
), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_any_log_projects_incrementally_as_a_rebuild_does(tmp_path_factory, ops):
    _replay_and_compare(tmp_path_factory.mktemp("prop") / "events.sqlite", ops)


@pytest.mark.skipif(not PG_URL, reason="CRM_TEST_POSTGRES_URL is not set")
@settings(max_examples=8, deadline=None)  # each example makes a database
@given(OPS)
def test_any_log_projects_incrementally_as_a_rebuild_does_on_postgresql(ops):
    with fresh_database() as store:
        _replay_and_compare(store, ops)


def _replay_and_compare(store, ops):
    app = ProjectLog(store=str(store), user="p")
    projector = projector_for(app)
    base = date(2020, 1, 1)
    for op, which, offset, fen in ops:
        name = f"P{which}"
        on = date.fromordinal(base.toordinal() + offset)
        amount = Decimal(fen) / 100
        try:
            if op == "catch_up":
                projector.catch_up(page=3)
            elif op == "contact":
                app.contact(name=name, investor="I", sector="其他", planned=amount, occurred_on=on)
            elif op == "visit":
                app.log_visit(names=[name, f"P{(which + 1) % 4}"], kind="pairing", occurred_on=on)
            elif op == "agree":
                app.agree(name=name, amount=amount, occurred_on=on)
            elif op == "sign":
                app.sign(name=name, amount=amount, occurred_on=on)
            elif op == "land":
                app.transfer_land(name=name, mu=Decimal(fen) / 10_000, occurred_on=on)
            elif op == "capital":
                app.receive_capital(name=name, amount=amount, occurred_on=on)
            elif op == "drop":
                app.drop(name=name, reason="r", occurred_on=on)
            elif op == "reopen":
                app.reopen(name=name, occurred_on=on)
        except CrmError:
            pass
    projector.catch_up(page=5)
    projector.engine.dispose()
    app.close()
    assert dump(store) == rebuilt(store)


def test_a_rebuild_that_stopped_half_way_is_finished_by_the_next_catch_up(zone):
    """A rebuild leaves the daily totals and the date indexes for its end; if it never gets
    there, the next ordinary catch-up derives them before going on."""
    from projections import schema
    from projections.projector import start_tracking

    store = zone(3000)
    expected = rebuilt(zone(3000))
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    with projector.engine.connect().execution_options(immediate=True) as conn, conn.begin():
        schema.metadata.create_all(conn)
        start_tracking(conn, days=-1)
    projector._ready = True
    for _ in range(3):
        projector._apply_next_page(500, rebuilding=True)
    assert projector.positions()[1] == -1
    projector._ready = False
    projector.catch_up()
    assert projector.positions()[0] == projector.positions()[1] == projector.head()
    projector.engine.dispose()
    app.close()
    assert dump(store) == expected
