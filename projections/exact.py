"""Sums of money and area that stay exact whatever their size.

On SQLite the read models keep money as integer fen, and SQLite's own SUM fails on an
integer overflow (past 92,233,720,368,547,758.07 yuan: a million signings of the largest
amount the tool accepts, 10,000亿, make a hundred times that). So every sum goes through
`exact_sum`, which on SQLite is an aggregate of Python's unbounded integers (a total that
no longer fits 64 bits comes back as its decimal text), and on PostgreSQL is SUM over
NUMERIC, exact already. Daily totals added to in place use `exact_add` likewise."""
from __future__ import annotations

from typing import Any

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


def add_sql(dialect: str, left: str, right: str) -> str:
    """`exact_add` in hand-written SQL."""
    return f"crm_add({left}, {right})" if dialect == "sqlite" else f"{left} + {right}"
