"""What a rebuild's second pass looks at again: the shared visits it may have miscounted."""
from __future__ import annotations

from datetime import date

from projections import schema
from projections.bulk import bulk_insert, insert_tuples
from projections.projector import open_engine
from projections.rows import FactRow, visit_data
from projections.updates import _miscounted_visits


def _visit(position: int, project: str, visit: str, names: list[str], counted: bool) -> FactRow:
    return FactRow(position, project, position, "VisitLogged", date(2021, 3, 1),
                   "2021-03-01T02:00:00+00:00", "李娜", "pairing", visit, None, None, False,
                   counted, visit_data(None, None, names))


def test_a_shared_visit_is_looked_at_again_unless_a_live_project_s_copy_counts(tmp_path):
    live, gone, unknown = "a" * 32, "b" * 32, "c" * 32
    counted_live, counted_gone, none_counted, alone = "1" * 32, "2" * 32, "3" * 32, "4" * 32
    rows = [
        _visit(1, live, counted_live, [live, gone], True),  # as the rebuild first counts it
        _visit(2, gone, counted_live, [live, gone], False),
        _visit(3, gone, counted_gone, [gone, live], True),  # its first project is gone
        _visit(4, live, counted_gone, [gone, live], False),
        _visit(5, live, none_counted, [unknown, live], False),  # its first id is no project's
        _visit(6, gone, alone, [gone], True),  # names one project: never recounted here
    ]
    engine = open_engine(f"sqlite:///{tmp_path / 'rm.sqlite'}")
    with engine.connect() as conn, conn.begin():
        schema.metadata.create_all(conn)
        insert_tuples(conn, schema.facts, rows, FactRow._fields)
        bulk_insert(conn, schema.projects, [{
            "id": live, "name": "星河", "name_key": "星河", "investor": "I", "sector": "新能源",
            "channel": None, "region": None, "owner": None, "relocation": False, "short": None,
            "key_flag": False, "stage": "negotiating", "stage_since": date(2021, 3, 1),
            "planned": None, "framework": None, "contracted": None, "investment": 0,
            "capital": None, "land_mu": None, "land_parcels": 0, "contact_date": date(2021, 1, 1),
            "framework_date": None, "signed_date": None, "dropped_on": None,
            "last_activity": date(2021, 3, 1), "started_on": None, "producing_on": None,
            "start_by": None, "produce_by": None, "invest": None, "invest_by": None,
            "committed_on": None, "negotiating_on": date(2021, 3, 1), "land_on": None,
            "capital_on": None, "version": 2}])
        assert _miscounted_visits(conn) == {counted_gone, none_counted}
    engine.dispose()
