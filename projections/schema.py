"""The read models' tables: a cache of the log that `crm projections rebuild` recreates.

Money is exact: integer fen on SQLite (its NUMERIC is a float), NUMERIC on PostgreSQL;
areas likewise in ten-thousandths of a 亩."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)

from crm.domain.values import canonical


class Scaled(TypeDecorator):
    """An exact decimal: a scaled integer on SQLite, NUMERIC elsewhere."""

    impl = Numeric
    cache_ok = True
    scale = 2
    unit = 100

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(24, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return self.to_integer(value)
        return None if value is None else Decimal(value)

    def to_integer(self, value: Any) -> int | None:
        """The scaled integer SQLite keeps."""
        if value is None:
            return None
        whole, part = (value if value.__class__ is Decimal else Decimal(value)).as_integer_ratio()
        if self.unit % part:
            raise ValueError(f"{value} is finer than this column keeps")
        return whole * (self.unit // part)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return self.from_integer(value)
        return canonical(Decimal(value))

    def from_integer(self, value: Any) -> Decimal:
        """The exact decimal of the scaled integer SQLite keeps (or of a total kept as its
        decimal text, past 64 bits)."""
        whole, part = divmod(int(value), self.unit)
        if not part:  # most amounts are whole yuan (or 亩): the quick way
            return Decimal(whole)
        return canonical(Decimal(int(value)).scaleb(-self.scale))


class Money(Scaled):
    """Yuan, exact to the fen."""

    cache_ok = True
    scale = 2
    unit = 100


class Area(Scaled):
    """亩, exact to a ten-thousandth."""

    cache_ok = True
    scale = 4
    unit = 10_000


#: A log position; on SQLite an INTEGER primary key is the row id itself (no second index).
Position = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

#: Every project as it stands now: one row each.
projects = Table(
    "rm_projects", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column("investor", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("channel", Text),
    Column("region", Text),
    Column("owner", Text),
    Column("relocation", Boolean, nullable=False),
    Column("short", Text),
    Column("key_flag", Boolean, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("stage_since", Date, nullable=False),
    Column("planned", Money),
    Column("framework", Money),
    Column("contracted", Money),
    Column("investment", Money, nullable=False),
    Column("capital", Money),
    Column("land_mu", Area),
    Column("land_parcels", Integer, nullable=False),
    Column("contact_date", Date, nullable=False),
    Column("framework_date", Date),
    Column("signed_date", Date),
    Column("dropped_on", Date),
    Column("last_activity", Date, nullable=False),
    Column("started_on", Date),  # 开工
    Column("producing_on", Date),  # 投产
    # the investor's standing commitment
    Column("start_by", Date),
    Column("produce_by", Date),
    Column("invest", Money),
    Column("invest_by", Date),
    Column("committed_on", Date),
    # the business date each stage was first entered
    Column("negotiating_on", Date),
    Column("land_on", Date),
    Column("capital_on", Date),
    Column("version", Integer, nullable=False),
    Index("rm_projects_stage", "stage"),
    # Reports as of a past day read the projects active since from the stage history, the
    # others as they stand: this index finds the first and holds every column the alerts
    # read of the second, so counting them reads it alone, not the wider table.
    Index("rm_projects_active", "last_activity", "stage", "land_on", "started_on",
          "producing_on", "framework_date", "start_by", "produce_by", "invest", "invest_by",
          "capital"),
    # The report's channels count the projects landed in a span from this index alone.
    Index("rm_projects_landed", "land_on", "channel"),
)

#: Every fact of every project, as it now stands (corrections applied): activities,
#: agreements, signings, land and capital, by business date.
facts = Table(
    "rm_facts", metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event", String(32), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("kind", String(16)),
    Column("visit_id", String(32)),
    Column("amount", Money),
    Column("mu", Area),
    Column("voided", Boolean, nullable=False),
    Column("counted", Boolean, nullable=False),  # false for the extra copies of a shared visit
    Column("data", Text),  # the contact's profile, a drop's reason, or a correction, as JSON
    # A project's facts in order; with the columns its last activity by a day is read
    # from (the alerts as of a past day), without visiting the table.
    Index("rm_facts_project", "project_id", "seq", "occurred_on", "voided", "event"),
)
#: A shared visit's copies, found by its id (only visits carry one).
FACTS_BY_VISIT = Index("rm_facts_visit", facts.c.visit_id,
                       sqlite_where=facts.c.visit_id.is_not(None))
#: Every framework agreement and signing standing now, with its project's name, sector and
#: relocation flag: the report's lists and sector figures, read without a join.
deals = Table(
    "rm_deals", metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=False),
    Column("event", String(32), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("amount", Money),  # an agreement's amount may be unknown
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("relocation", Boolean, nullable=False),
    Column("short", Text),
    Index("rm_deals_project", "project_id"),
)

#: Reports select facts and deals by kind and business date; these indexes hold every
#: column they read, so a report never visits the tables themselves. A rebuild adds them
#: once at the end (much cheaper than keeping them up to date row by row); every catch-up
#: makes sure they exist first. `metadata.create_all` leaves them out.
BY_DATE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS rm_facts_by_date ON rm_facts "
    "(event, occurred_on, voided, counted, kind, amount, mu)",
    "CREATE INDEX IF NOT EXISTS rm_deals_by_date ON rm_deals "
    "(event, occurred_on, amount, name, sector, relocation, short, project_id)",
)

#: Each project's stage history over business time, with the investment it stood for and
#: the capital that had arrived: one row from each change until the next.
history = Table(
    "rm_stage_history", metadata,
    Column("project_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date),
    Column("stage", String(16), nullable=False),
    Column("investment", Money, nullable=False),
    Column("capital", Money, nullable=False),
)

#: How each stage's count, investment and capital changed on each business day: summing up
#: to a date gives the pipeline's totals as of that date without touching every project.
#: Kept up to date page by page; a rebuild derives it once, at the end, from the history.
pipeline_days = Table(
    "rm_pipeline_days", metadata,
    Column("day", Date, primary_key=True),
    Column("stage", String(16), primary_key=True),
    Column("projects", Integer, nullable=False),
    Column("investment", Money, nullable=False),
    Column("capital", Money, nullable=False),
    # Every stage's totals as of a day are sums over the days up to it, read from here alone.
    Index("rm_pipeline_days_by_stage", "stage", "day", "projects", "investment", "capital"),
)

#: The zone's settings as recorded (a key absent here has its default): the report reads the
#: ones in force at its cut-off from the same read models as its figures.
settings = Table(
    "rm_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),  # JSON, the canonical form
    Column("position", Position, nullable=False),
)

#: How far into the log the read models have been brought, and their layout.
tracking = Table(
    "rm_tracking", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

READ_MODEL = "pipeline"
#: How far rm_pipeline_days agrees with the stage history (-1: to be recomputed).
DAYS_ROW = "pipeline_days"
#: The tables' layout. A store whose read models were made by another layout has them
#: dropped and rebuilt from the log on first use: they are a cache.
SCHEMA_VERSION = 14
SCHEMA_ROW = "schema"
