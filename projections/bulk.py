"""Many rows inserted, or read, straight through the driver, each value converted by its
column's SQLAlchemy type, without SQLAlchemy's per-row statement machinery."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter, methodcaller
from typing import Any

from sqlalchemy import Boolean, Date, select, text
from sqlalchemy.engine import Connection

from projections import schema


def bulk_insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]],
                suffix: str = "") -> None:
    """INSERT many rows straight through the driver, each value converted by its column's
    SQLAlchemy type (so reads through SQLAlchemy see exactly what it would have written),
    without SQLAlchemy's per-row statement machinery."""
    if rows:
        sql, pick, convert = _plan(conn, table, None, suffix)
        conn.exec_driver_sql(sql, convert(list(map(pick, rows))))


def insert_tuples(conn: Connection, table: Any, rows: Sequence[tuple[Any, ...]],
                  fields: Sequence[str]) -> None:
    """`bulk_insert` for rows given as tuples of the values named by `fields` (named tuples,
    say), which may name more than the table's columns: no dict made for each row."""
    if rows:
        sql, pick, convert = _plan(conn, table, tuple(fields), "")
        conn.exec_driver_sql(sql, convert(list(map(pick, rows))))


def _plan(conn: Connection, table: Any, fields: tuple[str, ...] | None, suffix: str
          ) -> tuple[str, Callable[[Any], tuple[Any, ...]], Callable[[list[tuple[Any, ...]]], list[Any]]]:
    """The INSERT for `table`, what picks a row's values in the table's column order (from a
    dict by name, or from a tuple of `fields` by place), and what converts them: made once
    for each table, dialect and shape of row."""
    dialect = conn.dialect
    key = (table.name, dialect.name, fields, suffix)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        columns = list(table.columns)
        names = [c.name for c in columns]
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
               f"VALUES ({', '.join(mark for _ in names)}){suffix}")
        keys = names if fields is None else [fields.index(name) for name in names]
        pick = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
        plan = _INSERT_PLANS[key] = (sql, pick, column_converter(
            [_processor(c.type, dialect) for c in columns]))
    return plan


def column_converter(processors: Sequence[Callable[[Sequence[Any]], Sequence[Any]] | None]
                     ) -> Callable[[list[tuple[Any, ...]]], list[Any]]:
    """What converts rows of values (one value for each processor, in order) a column at a
    time, for the driver or from it: the rows turned into columns, each column that has a
    processor converted by one call for all its values, and turned back into rows — every
    step but the conversions themselves done in C. (None for each: the rows as they are.)"""
    if not any(processors):
        return lambda rows: rows

    def convert(rows: list[tuple[Any, ...]]) -> list[Any]:
        if not rows:
            return rows
        return list(zip(*[values if process is None else process(values)
                          for values, process in zip(zip(*rows), processors)]))

    return convert


_INSERT_PLANS: dict[tuple[str, str, tuple[str, ...] | None, str], tuple[str, Any, Any]] = {}


def _processor(column_type: Any, dialect: Any) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """What converts a column's values for the driver: its bind processor; for SQLite's
    common types, a faster one writing the very text or integer SQLAlchemy itself would."""
    if dialect.name == "sqlite":
        if isinstance(column_type, schema.Scaled):
            return _sqlite_scaled(column_type)
        if isinstance(column_type, Date):
            return _sqlite_dates
        if isinstance(column_type, Boolean):
            return _sqlite_bools
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return None if process is None else _each(process)


def _each(process: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    return lambda values: [process(v) for v in values]


def _each_present(process: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    """`process` of each value but None, which stays None: mapped in C when there is none
    (a column that must hold a value, such as every fact's date, never has one)."""
    def convert(values: Sequence[Any]) -> list[Any]:
        if None in values:
            return [None if v is None else process(v) for v in values]
        return list(map(process, values))

    return convert


def _sqlite_scaled(column_type: schema.Scaled) -> Callable[[Sequence[Any]], list[int | None]]:
    """`Scaled.to_integer` of a column's values: a decimal that is a whole number (most
    amounts are) scaled here, in the loop; any other value through `to_integer` itself,
    which also refuses one finer than the column keeps."""
    unit, to_integer = column_type.unit, column_type.to_integer

    def convert(values: Sequence[Any]) -> list[int | None]:
        scaled: list[int | None] = []
        for value in values:
            if value.__class__ is Decimal:
                whole, part = value.as_integer_ratio()
                scaled.append(whole * unit if part == 1 else to_integer(value))
            else:
                scaled.append(None if value is None else to_integer(value))
        return scaled

    return convert


#: A date as SQLAlchemy writes it on SQLite: its ISO text.
_sqlite_dates = _each_present(methodcaller("isoformat"))


def _sqlite_bools(values: Sequence[Any]) -> list[int | None]:
    """A boolean as SQLAlchemy writes it on SQLite: 1 or 0."""
    if None in values:
        return [None if v is None else int(bool(v)) for v in values]
    return list(map(int, map(bool, values)))


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
    convert = column_converter([_sqlite_result(c.type, conn.dialect) for c in columns])
    result = conn.exec_driver_sql(f"SELECT {', '.join(names)} FROM {table.name} "
                                  f"ORDER BY {order_by}")
    for part in result.partitions(page):
        yield convert(part)


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
