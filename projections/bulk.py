"""Many rows inserted, or read, straight through the driver, each value converted by its
column's SQLAlchemy type, without SQLAlchemy's per-row statement machinery."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Date, select, text
from sqlalchemy.engine import Connection

from projections import schema


def bulk_insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]],
                suffix: str = "") -> None:
    """INSERT many rows straight through the driver, each value converted by its column's
    SQLAlchemy type (so reads through SQLAlchemy see exactly what it would have written),
    without SQLAlchemy's per-row statement machinery."""
    if not rows:
        return
    dialect = conn.dialect
    key = (table.name, dialect.name, suffix)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        names, convert = _row_converter(list(table.columns), dialect)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
               f"VALUES ({', '.join(mark for _ in names)}){suffix}")
        plan = _INSERT_PLANS[key] = (sql, convert)
    sql, convert = plan
    conn.exec_driver_sql(sql, convert(rows))


def _row_converter(columns: Sequence[Any], dialect: Any
                   ) -> tuple[list[str], Callable[[Sequence[dict[str, Any]]], list[tuple[Any, ...]]]]:
    """The columns in the order the driver is given them, and a function turning row dicts
    into their values: first the columns taken as they are (picked in C), then those that
    convert, each converted a column at a time (one list for all the rows)."""
    processors = [(c.name, _processor(c.type, dialect)) for c in columns]
    kept = [name for name, process in processors if process is None]
    converted = [(name, process) for name, process in processors if process is not None]
    pick: Callable[[dict[str, Any]], tuple[Any, ...]] = (
        itemgetter(*kept) if len(kept) > 1 else
        (lambda row: (row[kept[0]],)) if kept else (lambda row: ()))

    def convert(rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        if not converted:
            return list(map(pick, rows))
        values = [process([row[name] for row in rows]) for name, process in converted]
        return [a + b for a, b in zip(map(pick, rows), zip(*values))]

    return kept + [name for name, _ in converted], convert


_INSERT_PLANS: dict[tuple[str, str, str], tuple[str, Any]] = {}


def _processor(column_type: Any, dialect: Any) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """What converts a column's values for the driver: its bind processor; for SQLite's
    common types, a faster one writing the very text or integer SQLAlchemy itself would."""
    if dialect.name == "sqlite":
        if isinstance(column_type, schema.Scaled):
            return _each_present(column_type.to_integer)
        if isinstance(column_type, Date):
            return _sqlite_dates
        if isinstance(column_type, Boolean):
            return _sqlite_bools
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return None if process is None else _each(process)


def _each(process: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    return lambda values: [process(v) for v in values]


def _each_present(process: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    return lambda values: [None if v is None else process(v) for v in values]


def _sqlite_dates(values: Sequence[date | None]) -> list[str | None]:
    return [None if v is None else v.isoformat() for v in values]


def _sqlite_bools(values: Sequence[Any]) -> list[int | None]:
    return [None if v is None else int(bool(v)) for v in values]


def read_rows(conn: Connection, table: Any, names: Sequence[str], order_by: str,
              page: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    """The `names` columns of every row of `table` in `order_by`, a page at a time, as a
    SELECT through SQLAlchemy gives them. On SQLite they are read straight through the
    driver and each column's values converted at once (a million rows of facts go through
    a rebuild); elsewhere through SQLAlchemy's own select."""
    columns = [table.c[name] for name in names]
    if conn.dialect.name != "sqlite":
        yield from conn.execute(select(*columns).order_by(text(order_by)),
                                execution_options={"stream_results": True}).partitions(page)
        return
    converters = [_sqlite_result(c.type, conn.dialect) for c in columns]
    result = conn.exec_driver_sql(f"SELECT {', '.join(names)} FROM {table.name} "
                                  f"ORDER BY {order_by}")
    for part in result.partitions(page):
        values = [list(column) if convert is None else convert(column)
                  for column, convert in zip(zip(*part), converters)]
        yield list(zip(*values))


def _sqlite_result(column_type: Any, dialect: Any) -> Callable[[Sequence[Any]], list[Any]] | None:
    """What turns a column's values as SQLite holds them into what SQLAlchemy gives for
    them (None: taken as they are): the read side of `_processor`."""
    if isinstance(column_type, schema.Scaled):
        return _each_present(column_type.from_integer)
    if isinstance(column_type, Date):
        return _each_present(date.fromisoformat)
    if isinstance(column_type, Boolean):
        return _each_present(bool)
    if column_type.dialect_impl(dialect).result_processor(dialect, None) is not None:
        raise TypeError(f"no quick read for {column_type!r}: add one here")
    return None
