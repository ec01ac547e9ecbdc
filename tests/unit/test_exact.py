"""SQLite's SUM fails on an integer overflow; the read models' exact sum does not."""
from __future__ import annotations

import sqlite3

import pytest

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
