"""Rows written and read straight through the driver: the values SQLAlchemy itself would
write and read, whatever shape the rows come in."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from projections import schema
from projections.bulk import bulk_insert, column_converter, insert_tuples, read_rows
from projections.projector import open_engine
from projections.rows import FactRow


def test_columns_are_converted_at_once_and_rows_kept_in_order():
    convert = column_converter([None, lambda values: [v * 10 for v in values], None])
    assert convert([(1, 2, "a"), (3, 4, "b")]) == [(1, 20, "a"), (3, 40, "b")]
    assert convert([]) == []
    rows = [(1, 2)]
    assert column_converter([None, None])(rows) is rows


def _rows() -> list[FactRow]:
    pid = "0123456789abcdef0123456789abcdef"
    return [
        FactRow(1, pid, 1, "ContactMade", date(2021, 3, 1), "2021-03-01T02:00:00+00:00", "李娜",
                None, None, Decimal("120000000.5"), None, False, True, '{"name": "星河"}'),
        FactRow(2, pid, 2, "LandTransferred", date(2021, 4, 2), "2021-04-02T02:00:00+00:00",
                "李娜", None, None, None, Decimal("60.1234"), False, True, None),
        FactRow(3, pid, 3, "VisitLogged", date(2021, 5, 3), "2021-05-03T02:00:00+00:00", "王芳",
                "outbound", "f" * 32, None, None, True, False, "{}"),
    ]


def _written(path, write) -> tuple[list, list, list]:
    """The rows of facts `write` stores in a new database: as SQLite keeps them, as
    SQLAlchemy reads them, and as `read_rows` reads them."""
    engine = open_engine(f"sqlite:///{path}")
    table = schema.facts
    with engine.connect() as conn, conn.begin():
        table.create(conn)
        write(conn)
        raw = conn.exec_driver_sql("SELECT * FROM rm_facts ORDER BY position").all()
        read = [tuple(r) for r in conn.execute(select(table).order_by(table.c.position))]
        quick = [tuple(v) for part in read_rows(conn, table, list(table.c.keys()), "position")
                 for v in part]
    engine.dispose()
    return raw, read, quick


def test_rows_as_tuples_are_written_as_the_same_rows_as_dicts(tmp_path):
    as_dicts = _written(tmp_path / "dicts.sqlite",
                        lambda conn: bulk_insert(conn, schema.facts, [r._asdict() for r in _rows()]))
    as_tuples = _written(tmp_path / "tuples.sqlite",
                         lambda conn: insert_tuples(conn, schema.facts, _rows(), FactRow._fields))
    assert as_dicts == as_tuples
    raw, read, quick = as_tuples
    assert read == quick
    assert raw[0][4] == "2021-03-01" and raw[0][7] == 12000000050  # a date's text, fen
    assert read[1][8] == Decimal("60.1234") and read[2][10] is False


def test_scaled_columns_are_the_integers_to_integer_makes():
    import pytest

    from projections.bulk import _sqlite_scaled

    for column in (schema.Money(), schema.Area()):
        values = [None, Decimal(0), Decimal("-0"), Decimal("1E+3"), Decimal("12.50"),
                  Decimal("-7.01"), Decimal(10**30), 5, "3.5", Decimal("64690000"),
                  *(Decimal(n).scaleb(-k) for n in (1, -99, 123456789) for k in range(3))]
        assert _sqlite_scaled(column)(values) == [None if v is None else column.to_integer(v)
                                                  for v in values]
        with pytest.raises(ValueError, match="finer"):
            _sqlite_scaled(column)([Decimal(1).scaleb(-column.scale - 1)])


def test_a_column_with_or_without_none_converts_alike():
    from projections.bulk import _each_present, _sqlite_bools, _sqlite_dates

    days = (date(2021, 3, 1), date(1999, 12, 31))
    assert _sqlite_dates(days) == ["2021-03-01", "1999-12-31"]
    assert _sqlite_dates((None, *days)) == [None, "2021-03-01", "1999-12-31"]
    assert _sqlite_bools((True, False, 1, 0)) == [1, 0, 1, 0]
    assert _sqlite_bools((True, None, False)) == [1, None, 0]
    assert _each_present(date.fromisoformat)(("2021-03-01",)) == [date(2021, 3, 1)]
    assert _each_present(bool)((None, 1)) == [None, True]
