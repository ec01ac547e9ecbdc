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
