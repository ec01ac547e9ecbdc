"""Sums of money and area that stay exact whatever their size.

On SQLite the read models keep money as integer fen, and SQLite's own SUM fails on an
integer overflow (past 92,233,720,368,547,758.07 yuan: a million signings of the largest
amount the tool accepts, 10,000亿, make a hundred times that). `exact_sum` is exact
whatever the size: on SQLite an aggregate of Python's unbounded integers (a total that no
longer fits 64 bits comes back as its decimal text), on PostgreSQL SUM over NUMERIC, exact
already. Daily totals added to in place use `exact_add` likewise.

That aggregate is a Python call for every row summed, so a sum is first asked of SQLite's
own SUM (`quick_sum`): exact as long as it fits 64 bits, and past them an error ("integer
overflow"), never a wrong total; so is any value not an integer, which SUM would add as a
float. Only then is the same statement run again with `exact_sum` (`summed`)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

_INT64 = 2 ** 63


def _fits(total: int) -> int | str:
    return total if -_INT64 <= total < _INT64 else str(total)


def _integer(value: Any) -> int:
    return value if isinstance(value, int) else int(value)


class _Sum:
    """SQLite aggregate: the exact sum of integers (or of totals kept as text)."""

    def __init__(self) -> None:
        self.total = 0
        self.seen = False

    def step(self, value: Any) -> None:
        if value is not None:
            self.total += _integer(value)
            self.seen = True

    def finalize(self) -> int | str | None:
        return _fits(self.total) if self.seen else None


def _add(a: Any, b: Any) -> int | str | None:
    if a is None or b is None:
        return b if a is None else a
    return _fits(_integer(a) + _integer(b))


def register(dbapi_connection: Any) -> None:
    """Give an SQLite connection the exact aggregate and addition."""
    dbapi_connection.create_aggregate("crm_sum", 1, _Sum)
    dbapi_connection.create_function("crm_add", 2, _add, deterministic=True)


class exact_sum(GenericFunction):  # noqa: N801 - an SQL function, named as SQL names them
    """SUM, exact: its result has the type of what it sums."""

    inherit_cache = True

    def __init__(self, column: Any, **kwargs: Any):
        kwargs.setdefault("type_", column.type)
        super().__init__(column, **kwargs)


@compiles(exact_sum)
def _sum(element: Any, compiler: Any, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(exact_sum, "sqlite")
def _sum_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"crm_sum({compiler.process(element.clauses, **kw)})"


def sum_sql(dialect: str, expression: str) -> str:
    """`exact_sum` in hand-written SQL."""
    return f"crm_sum({expression})" if dialect == "sqlite" else f"SUM({expression})"


class quick_sum(exact_sum):  # noqa: N801 - an SQL function, named as SQL names them
    """SUM, by the database itself: exact, or (SQLite, past 64 bits) an error for `summed`
    to catch. Its result has the type of what it sums."""

    inherit_cache = True


@compiles(quick_sum)
def _quick(element: Any, compiler: Any, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(quick_sum, "sqlite")
def _quick_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return quick_sql("sqlite", compiler.process(element.clauses, **kw))


def quick_sql(dialect: str, expression: str) -> str:
    """`quick_sum` in hand-written SQL. On SQLite, SUM fails past 64 bits; a value that is
    not an integer (a total past 64 bits, kept as text or, in an integer column, as SQLite
    makes it) is made to fail alike, rather than be summed as a float: `abs` of the least
    integer is SQLite's own "integer overflow"."""
    if dialect != "sqlite":
        return f"SUM({expression})"
    return (f"(SUM({expression}) + CASE WHEN MAX(typeof({expression}) "
            "NOT IN ('integer', 'null')) THEN abs(-9223372036854775807 - 1) ELSE 0 END)")


def sum_text(total: Any, dialect: str, expression: str) -> str:
    """`total` (`quick_sum` or `exact_sum`) in hand-written SQL."""
    return (quick_sql if total is quick_sum else sum_sql)(dialect, expression)


def summed(conn: Connection, run: Callable[[Any], Any]) -> Any:
    """`run(total)` with `quick_sum` as `total`, how it sums money or areas; if SQLite's
    SUM fails (past 64 bits, or on a value not an integer), again with `exact_sum` (the
    first try in a savepoint, so that a statement that writes leaves nothing of it)."""
    if conn.dialect.name != "sqlite":
        return run(quick_sum)
    try:
        with conn.begin_nested():
            return run(quick_sum)
    except OperationalError as error:
        if "integer overflow" not in str(error.orig):
            raise
    return run(exact_sum)


def add_sql(dialect: str, left: str, right: str) -> str:
    """`exact_add` in hand-written SQL."""
    return f"crm_add({left}, {right})" if dialect == "sqlite" else f"{left} + {right}"
