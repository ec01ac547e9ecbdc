"""SQLite's SUM fails on an integer overflow; the read models' exact sum does not."""
from __future__ import annotations

import sqlite3

import pytest
from decimal import Decimal

from projections import exact


def test_the_exact_sum_goes_past_64_bits_where_sqlite_s_own_fails():
    con = sqlite3.connect(":memory:")
    exact.register(con)
    con.execute("CREATE TABLE t (fen INTEGER)")
    con.executemany("INSERT INTO t VALUES (?)", [(2 ** 62,)] * 4 + [(-1,), (None,)])
    with pytest.raises(sqlite3.OperationalError, match="integer overflow"):
        con.execute("SELECT SUM(fen) FROM t").fetchone()
    assert int(con.execute("SELECT crm_sum(fen) FROM t").fetchone()[0]) == 2 ** 64 - 1
    assert con.execute("SELECT crm_sum(fen) FROM t WHERE fen < 0").fetchone()[0] == -1
    assert con.execute("SELECT crm_sum(fen) FROM t WHERE fen IS NULL").fetchone()[0] is None
    big = con.execute("SELECT crm_add(?, ?)", (2 ** 63 - 1, 1)).fetchone()[0]
    assert big == str(2 ** 63)  # kept as its decimal text once past 64 bits
    assert con.execute("SELECT crm_add(?, ?)", (big, -2)).fetchone()[0] == 2 ** 63 - 2


def test_daily_totals_past_64_bits_are_exact(tmp_path):
    """The daily totals are first summed by SQLite's own SUM; past 64 bits it fails, and the
    exact aggregate sums them instead: the same totals, to the fen."""
    from datetime import date

    from sqlalchemy import select

    from projections import schema
    from projections.bulk import bulk_insert
    from projections.projector import open_engine
    from projections.updates import refresh_days

    def history(n: int, fen: int) -> list[dict]:
        return [{"project_id": f"{i:032x}", "stage": "signed", "valid_from": date(2021, 7, 1),
                 "valid_to": date(2021, 9, 1) if i % 2 else None, "investment": Decimal(fen) / 100,
                 "capital": Decimal(0)} for i in range(n)]

    engine = open_engine(f"sqlite:///{tmp_path / 'days.sqlite'}")
    schema.metadata.create_all(engine)
    for fen, n in ((10 ** 14, 3), (2 ** 62, 4)):  # fits 64 bits; then past it
        with engine.begin() as conn:
            conn.execute(schema.history.delete())
            bulk_insert(conn, schema.history, history(n, fen))
            refresh_days(conn)
            days = {r.day: (r.projects, r.investment) for r in conn.execute(
                select(schema.pipeline_days).order_by(schema.pipeline_days.c.day))}
        assert days[date(2021, 7, 1)] == (n, Decimal(n * fen) / 100)
        assert days[date(2021, 9, 1)] == (-(n // 2), Decimal(-(n // 2) * fen) / 100)
    engine.dispose()


def test_a_quick_sum_fails_rather_than_read_a_total_kept_as_text_inexactly():
    """SQLite's SUM reads a total kept as text (past 64 bits) as a float, silently: the
    quick sum fails on it instead, as on an overflow, so `summed` sums exactly."""
    con = sqlite3.connect(":memory:")
    exact.register(con)
    con.execute("CREATE TABLE t (fen)")
    con.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (None,)])
    assert con.execute(f"SELECT {exact.quick_sql('sqlite', 'fen')} FROM t").fetchone()[0] == 3
    assert con.execute(f"SELECT {exact.quick_sql('sqlite', 'fen')} FROM t WHERE 0"
                       ).fetchone()[0] is None
    con.execute("INSERT INTO t VALUES (?)", (str(2 ** 64),))
    assert isinstance(con.execute("SELECT SUM(fen) FROM t").fetchone()[0], float)
    with pytest.raises(sqlite3.OperationalError, match="integer overflow"):
        con.execute(f"SELECT {exact.quick_sql('sqlite', 'fen')} FROM t").fetchone()


def test_stage_totals_with_a_total_past_64_bits_are_summed_by_the_exact_aggregate(tmp_path):
    """A day's total past 64 bits (as `crm_add` leaves it, and an integer column keeps it):
    the stage totals are summed by `exact_sum`, as before there was a quick sum, not by
    SQLite's SUM, which would add it as a float."""
    from sqlalchemy import select

    from projections import schema
    from projections.projector import open_engine
    from projections.views import stage_totals

    engine = open_engine(f"sqlite:///{tmp_path / 'days.sqlite'}")
    schema.metadata.create_all(engine)
    days = schema.pipeline_days.c
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO rm_pipeline_days VALUES ('2021-07-01', 'signed', 3, ?, 0), "
            "('2021-07-02', 'signed', 1, 2, 0), ('2021-07-02', 'capital', 1, 5, 5)",
            (str(2 ** 64 + 1),))
        totals = stage_totals(conn)
        exactly = dict(conn.execute(select(days.stage, exact.exact_sum(days.investment))
                                    .group_by(days.stage)).all())
    assert totals["signed"]["investment"] == exactly["signed"]
    assert totals["signed"]["count"] == 4
    assert totals["capital"] == {"count": 1, "investment": Decimal(5) / 100,
                                 "capital": Decimal(5) / 100}
    engine.dispose()
