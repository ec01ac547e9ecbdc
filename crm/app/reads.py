"""The read use cases: the read models live (brought up to the log first) or as recorded by
a past moment (`--known-on`), and every question asked of them — projects, one project,
its history, the pipeline, the report, the ledger — at a business date (`--as-of`)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from uuid import UUID

from crm.app import clock, collector
from crm.app.errors import NotYetContacted, ProjectNotFound
from crm.domain.values import DROPPED, FORWARD_STAGES, STAGES, name_key
from crm.store.chain import stamp_time
from crm.store.transcoding import as_text
from crm.text.parsing import RecordCutoff
from projections import views
from projections.exports import ledger_rows, visit_ids, visit_rows
from projections.projector import Projector, open_engine
from projections.reports import Period, contracted_by_quarter, quarter_report
from projections.rows import Stored


class LogSource:
    """The log as the read models read it: stored events in order, decoded by the
    application's own transcoder and mapper."""

    def __init__(self, app: Any):
        self.app = app

    def read(self, after: int, limit: int) -> list[Stored]:
        return list(map(Stored._make, self.app.recorder.read_events(after, limit)))

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def decode(self, state: bytes) -> dict[str, Any]:
        return self.app.mapper.transcoder.decode(state)

    #: A stored event's fields, typed ones as their text (a rebuild calls it for every event).
    fields = staticmethod(as_text)

    def to_event(self, stored: Stored) -> Any:
        from eventsourcing.persistence import Notification

        oid = stored.originator_id
        return self.app.mapper.to_domain_event(Notification(
            id=stored.position, originator_id=oid if isinstance(oid, UUID) else UUID(str(oid)),
            originator_version=stored.version, topic=stored.topic, state=bytes(stored.state)))


@dataclass(frozen=True)
class Head:
    """The last event a view was computed from: its position, chain link and record time."""

    position: int
    link: str
    recorded_at: datetime | None

    def __str__(self) -> str:
        return f"{self.position}:{self.link}"


class Reader:
    """Answers to read commands, from the read models of one store."""

    def __init__(self, app: Any, *, as_of: date | None = None,
                 known_on: RecordCutoff | None = None,
                 on_open: Callable[[Callable[[], Any]], None] | None = None,
                 on_notice: Callable[..., None] | None = None):
        self.app = app
        self.as_of = as_of
        self.known_on = known_on
        self._on_open = on_open or (lambda close: None)
        self._on_notice = on_notice or (lambda key, **params: None)
        self._models: tuple[Any, Head | None] | None = None
        self._projector: Projector | None = None

    # -- the read models ------------------------------------------------------------

    def projector(self) -> Projector:
        if self._projector is None:
            engine = open_engine(self.app.read_models_url)
            self._on_open(engine.dispose)
            self._projector = Projector(LogSource(self.app), engine)
        return self._projector

    def models(self) -> tuple[Any, Head | None]:
        """The read models (an engine) and the log head they were computed from: the live
        ones brought up to the log's last event, or — with --known-on a past moment — ones
        made afresh from exactly what had been recorded by then."""
        if self._models is None:
            if self.known_on is not None and self.known_on.moment < clock.now():
                from projections.memory import known_models

                engine, last = known_models(LogSource(self.app), self.known_on.moment)
                self._on_open(engine.dispose)
                self._models = (engine, self._head(last) if last else None)
            else:
                projector = self.projector()
                self._catch_up(projector)
                self._models = (projector.engine, self._live_head(projector.position()))
        return self._models

    def _catch_up(self, projector: Projector) -> None:
        # The cycle collector is held back while the read models are made: a page makes
        # thousands of objects, none of them in cycles, and a million-event rebuild spent a
        # sixth of its time collecting (peak memory the same without it).
        with collector.held_back():
            projector.catch_up()
        if projector.found_ahead:
            position, head = projector.found_ahead
            self._on_notice("read_models_ahead", position=position, head=head)

    def _head(self, event_position: int) -> Head | None:
        """The chain's head at the event stored at this position."""
        chain = self.app.recorder.chain_of_event(event_position)
        if chain is None:
            return None
        return Head(chain.position, chain.link.hex(), stamp_time(chain.stamped_at))

    def _live_head(self, position: int) -> Head | None:
        return self._head(position) if position else None

    def _query(self, ask: Callable[[Any], Any]) -> Any:
        engine, _ = self.models()
        with engine.connect() as conn:
            return ask(conn)

    # -- projects -----------------------------------------------------------------------

    def projects(self, *, search: str | None = None, stages: Sequence[str] | None = None,
                 sector: str | None = None, owner: str | None = None,
                 since: date | None = None, alerted: bool = False) -> list[dict[str, Any]]:
        """Every project, or those whose name or investor holds `search` (any part, case and
        width ignored) and that pass the pipeline's filters; `since`: last activity on or
        after that day; `alerted`: only those with an alert standing (see `alerts`)."""
        rows = self._query(lambda conn: views.project_rows(
            conn, today=clock.today(), as_of=self.as_of, stages=stages, sector=sector,
            owner=owner))
        if search:
            wanted = name_key(search)
            rows = [r for r in rows if wanted in name_key(r["name"])
                    or wanted in name_key(r["investor"] or "")]
        if since is not None:
            rows = [r for r in rows if r["last_activity"] and r["last_activity"] >= since]
        if alerted:
            raised = {a["project"] for a in self.alerts()}
            rows = [r for r in rows if r["name"] in raised]
        return rows

    def project(self, name: str) -> dict[str, Any]:
        rows = self._query(lambda conn: views.project_rows(
            conn, today=clock.today(), as_of=self.as_of, name=name))
        if not rows:
            self.not_found(name)
        row = rows[0]
        row.pop("investment")
        return row

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts standing at the end of --as-of (or of the --known-on day, or today)."""
        from projections.alerts import alerts
        from projections.reports import zone_settings

        on = self.as_of or (clock.local(self.known_on.moment).date() if self.known_on
                            else clock.today())

        def ask(conn: Any) -> list[dict[str, Any]]:
            return alerts(conn, on, zone_settings(conn), current=not self.as_of)

        return self._query(ask)

    def team(self, year: int, quarter: int | None = None) -> dict[str, Any]:
        """`crm report team`: per member, the period's work and the projects they own."""
        from projections.reports import zone_settings
        from projections.team import team_report

        period = Period(year, quarter)
        end = min(period.end, self.as_of) if self.as_of else period.end
        today = clock.local(self.known_on.moment).date() if self.known_on else clock.today()
        members = self._query(lambda conn: team_report(conn, period.start, end, today,
                                                       zone_settings(conn)))
        return {"period": {"label": period.label, "start": period.start, "end": period.end},
                "members": members}

    def not_found(self, name: str) -> None:
        """Why a name finds nothing: not contacted yet at --as-of, or no such name (with the
        nearest names)."""
        from crm.domain.naming import near

        contacted = self._query(lambda conn: views.contact_date_of(conn, name))
        if contacted is not None and self.as_of is not None and contacted > self.as_of:
            raise NotYetContacted(name=name, as_of=self.as_of, contact_date=contacted)
        names = self._query(views.names)
        raise ProjectNotFound(name=name, suggestions="、".join(near(name, names)))

    def history(self, name: str) -> list[dict[str, Any]]:
        """Every event of the project as recorded, oldest first; with --known-on only those
        recorded by then, with --as-of only those dated by then."""
        rows = self.app.history(name)
        if self.known_on is not None:
            rows = [r for r in rows if r["recorded_at"] <= self.known_on.moment]
            kept = {r["position"] for r in rows}
            for r in rows:
                if "superseded_by" in r:
                    r["superseded_by"] = [p for p in r["superseded_by"] if p in kept] or None
                    if r["superseded_by"] is None:
                        del r["superseded_by"]
        if self.as_of is not None:
            rows = [r for r in rows if r["occurred_on"] <= self.as_of]
        return rows

    def pipeline(self, *, stages: Sequence[str] = (), sector: str | None = None,
                 owner: str | None = None, totals_only: bool = False) -> dict[str, Any]:
        """The live projects by stage (dropped ones only when asked for), the totals of each
        stage and the two headlines; filtered totals are summed from the listed projects."""
        chosen = list(dict.fromkeys(stages))
        listed = chosen or list(FORWARD_STAGES)
        filtered = bool(chosen or sector or owner)

        def ask(conn: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
            rows = [] if totals_only and not filtered else views.project_rows(
                conn, today=clock.today(), as_of=self.as_of, stages=listed, sector=sector,
                owner=owner)
            totals = views.totals_of(rows) if filtered else views.stage_totals(conn, self.as_of)
            return rows, totals

        rows, totals = self._query(ask)
        if not totals_only:
            for row in rows:
                row.pop("investment", None)
            if DROPPED not in listed:
                rows = [r for r in rows if r["stage"] != DROPPED]
        return {"rows": rows, "totals": totals, "headline": views.headline(totals),
                "stages": (chosen or list(STAGES)) if totals_only else listed,
                "as_of": self.as_of}

    # -- reports ------------------------------------------------------------------------

    def report(self, year: int, quarter: int | None = None, *, chart: bool = False,
               first_year: int | None = None) -> tuple[dict[str, Any], list[Any] | None]:
        """The report of SPEC §5 for a quarter (or a whole year, or whole years summed),
        with its cut-off; and the contracted investment of the last quarters, for the html
        report's chart."""
        period = Period(year, quarter, first_year)
        engine, head = self.models()
        with engine.connect() as conn:
            data = quarter_report(conn, period,
                                  known_on=self.known_on.label if self.known_on else None,
                                  as_of=self.as_of, head=head,
                                  today=clock.local(self.known_on.moment).date()
                                  if self.known_on else clock.today())
            history = contracted_by_quarter(conn, period) if chart else None
        return data, history

    def ledger(self, with_visits: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The projects as a ledger, and the visits as a visit log."""
        return self._query(lambda conn: (ledger_rows(conn),
                                         visit_rows(conn) if with_visits else []))

    def import_baseline(self) -> tuple[list[dict[str, Any]], set[Any]]:
        """What an import compares a ledger with: every project's ledger row (with its id),
        and the ids of the visits already logged."""
        return self._query(lambda conn: (ledger_rows(conn), visit_ids(conn)))

    # -- the read models themselves -----------------------------------------------------------

    def status(self) -> dict[str, Any]:
        info = self.projector().status()
        if info["rebuilt_from_ahead"]:
            position, head = info["rebuilt_from_ahead"]
            self._on_notice("read_models_ahead", position=position, head=head)
        return info

    def deep_check(self) -> list[tuple[str, tuple, str]]:
        """Every row where the stored read models differ from read models made afresh, in
        memory, from the same events: edited rows, deleted ones, forged ones."""
        from projections.memory import known_models

        projector = self.projector()
        self._catch_up(projector)
        position = projector.position()
        fresh, _ = known_models(LogSource(self.app), datetime.max.replace(tzinfo=timezone.utc),
                                upto=position)
        self._on_open(fresh.dispose)
        with projector.engine.connect() as stored, fresh.connect() as rebuilt:
            return views.differences(views.table_rows(stored), views.table_rows(rebuilt))

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        with collector.held_back():
            return self.projector().rebuild(progress=progress)

    def ready(self) -> int:
        """Bring the read models up to the log; returns the log's event count."""
        projector = self.projector()
        self._catch_up(projector)
        return projector.head()



def projector_for(app: Any) -> Projector:
    """The projector of a store's read models (its engine is the caller's to dispose)."""
    return Projector(LogSource(app), open_engine(app.read_models_url))
