"""Many rows inserted straight through the driver, each value converted by its column's
SQLAlchemy type, without SQLAlchemy's per-row statement machinery."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Date
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
        columns = list(table.columns)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
               f"VALUES ({', '.join(mark for _ in columns)}){suffix}")
        plan = _INSERT_PLANS[key] = (sql, _row_converter(columns, dialect))
    sql, convert = plan
    conn.exec_driver_sql(sql, [convert(r) for r in rows])


def _row_converter(columns: Sequence[Any], dialect: Any) -> Callable[[dict[str, Any]], tuple]:
    """A function turning a row dict into the driver's values, one column after another."""
    pick = itemgetter(*(c.name for c in columns))
    steps = [(i, p) for i, p in enumerate(_processor(c.type, dialect) for c in columns)
             if p is not None]

    def convert(row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(pick(row))
        for i, process in steps:
            values[i] = process(values[i])
        return tuple(values)

    return convert


_INSERT_PLANS: dict[tuple[str, str, str], tuple[str, Any]] = {}


def _processor(column_type: Any, dialect: Any) -> Any:
    """The column's bind processor; for SQLite's common types, a faster one writing the
    very text or integer SQLAlchemy itself would."""
    if dialect.name == "sqlite":
        if isinstance(column_type, schema.Scaled):
            return column_type.to_integer
        if isinstance(column_type, Date):
            return _sqlite_date
        if isinstance(column_type, Boolean):
            return _sqlite_bool
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: Any) -> int | None:
    return None if value is None else int(bool(value))
