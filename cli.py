"""The `crm` command line: parse what was typed, call the application, render the answer.

Every failure becomes one line on stderr: exit 1 when a rule of the log refused the
command, 2 when the input or usage was wrong. Heavy modules are imported inside the
commands that need them, so logging a visit starts fast."""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _login_name() -> str:
    for var in ("CRM_USER", "USER", "LOGNAME", "USERNAME"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name at all: say so rather than fail
        return "unknown"


def _default_lang() -> str:
    lang = os.environ.get("CRM_LANG") or os.environ.get("LANG", "")
    return "zh" if lang.lower().startswith("zh") else "en"


#: What a command opened (applications, engines), closed when it ends: a process that runs
#: many commands (tests, scripts) must not keep a database connection per command.
_OPENED: list[Callable[[], Any]] = []


class Settings:
    """The global options, and the application opened on first use."""

    def __init__(self, store: str, user: str, lang: str, debug: bool):
        self.store, self.user, self.lang, self.debug = store, user, lang, debug
        self.as_of: Any = None  # --as-of: a business date
        self.known_on: Any = None  # --known-on: a record-time cut-off
        self._app: Any = None

    def app(self) -> Any:
        if self._app is None:
            from crm.application import ProjectLog

            self._app = ProjectLog(store=self.store, user=self.user)
            _OPENED.append(self._app.close)
        return self._app

    def label(self, key: str) -> str:
        from crm.messages import label

        return label(key, self.lang)

    def done(self, event: str, projects: list[Any], detail: str = "") -> None:
        """Confirm a write in one line: what was recorded, for which projects, and their stage."""
        parts = [f"{p.name} ({self.label(p.state.stage)})" for p in projects]
        what = self.label(event)
        if self.lang == "zh":
            click.echo(f"已记录{what}：{'，'.join(parts)}{detail}")
        else:
            click.echo(f"recorded {what}: {', '.join(parts)}{detail}")


@click.group(context_settings=CONTEXT)
@click.option("--store", envvar="CRM_STORE", default="events.sqlite", show_default=True,
              help="The event store: an SQLite file, or a postgresql:// URL. [env CRM_STORE]")
@click.option("--user", envvar="CRM_USER", default=_login_name,
              help="Who is recording; kept on every event. [env CRM_USER; default: login name]")
@click.option("--lang", envvar="CRM_LANG", type=click.Choice(["en", "zh"]),
              default=_default_lang, help="Language of labels and messages. [env CRM_LANG]")
@click.option("--debug", is_flag=True, envvar="CRM_DEBUG",
              help="Show a traceback when something unexpected fails.")
@click.pass_context
def cli(ctx: click.Context, store: str, user: str, lang: str, debug: bool) -> None:
    """Log a zone's investment-attraction work (招商) and report on it.

    Every piece of work is an event in an append-only log: nothing is updated in place
    or deleted. Amounts take 350000000, 3.5亿 or 35000万; dates 2021-08-03, 2021/8/3 or
    2021年8月3日.

    \b
    Example:
      crm contact 星河光伏 --investor 星河能源集团 --sector 新能源 --planned 2亿
      crm visit 星河光伏 --kind outbound
      crm show 星河光伏
    """
    ctx.obj = Settings(store, user, lang, debug)


def _date_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--date", "occurred_on", metavar="DATE",
                        help="When it happened (default today): 2021-08-03, 2021/8/3, 2021年8月3日.")(f)


def _note_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--note", help="A free-text note kept with the event.")(f)


# -- writing -------------------------------------------------------------------------


@cli.command()
@click.argument("name")
@click.option("--investor", required=True, help="The company behind the project (客商/投资方).")
@click.option("--sector", required=True, help="新材料, 新能源, 大健康, 数字经济 or 其他 (CRM_SECTORS).")
@click.option("--planned", required=True, metavar="AMOUNT", help="Planned investment, e.g. 2亿.")
@_date_option
@click.option("--channel", help="How the lead came in (e.g. 以商招商, 展会).")
@click.option("--region", help="Where the investor comes from.")
@click.option("--owner", help="The team member who follows the project.")
@click.option("--relocation", is_flag=True, help="It moves an existing local company (搬迁).")
@_note_option
@click.pass_obj
def contact(s: Settings, name: str, **options: Any) -> None:
    """Record the first contact with an investor; this creates the project (lead).

    \b
    Example:
      crm contact 星河光伏 --investor 星河能源集团 --sector 新能源 --planned 2亿 --date 2018-03-01
    """
    from crm.interface import ContactInput

    data = ContactInput.parse(name=name, **options)
    project = s.app().contact(**data.model_dump())
    s.done("ContactMade", [project])


@cli.command()
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("--kind", required=True,
              help="outbound (外出招商), reception (接待客商), pairing (山海协作), aftercare, online.")
@_date_option
@click.option("--with", "participants", help="Who took part.")
@_note_option
@click.pass_obj
def visit(s: Settings, names: tuple[str, ...], **options: Any) -> None:
    """Record one visit or activity; naming several projects still counts it once.

    \b
    Example:
      crm visit 星河光伏 --kind outbound --date 2018-03-20 --with "张三, 李四"
      crm visit 绿源生物 智造装备 --kind pairing
    """
    from crm.interface import VisitInput

    data = VisitInput.parse(names=names, **options)
    projects = s.app().log_visit(**data.model_dump())
    s.done("VisitLogged", projects, f" [{s.label(data.kind)}]")


def _amount_command(name: str, event: str, method: str, doc: str) -> None:
    @click.argument("name")
    @click.option("--amount", required=True, metavar="AMOUNT", help="e.g. 10亿, 9999万, 350000000.")
    @_date_option
    @_note_option
    @click.pass_obj
    def command(s: Settings, name: str, **options: Any) -> None:
        from crm.interface import AmountInput

        data = AmountInput.parse(name=name, **options)
        project = getattr(s.app(), method)(**data.model_dump())
        s.done(event, [project])

    command.__doc__ = doc
    cli.command(name)(command)


_amount_command("agree", "FrameworkAgreementSigned", "agree",
                """Record a framework agreement (框架协议) and its intended investment.

    \b
    Example:
      crm agree 华锂新材 --amount 8亿 --date 2019-04-01
    """)
_amount_command("sign", "ContractSigned", "sign",
                """Record the investment contract (签约); its amount is the contracted investment.

    \b
    Example:
      crm sign 华锂新材 --amount 10亿 --date 2019-10-18
    """)
_amount_command("capital", "CapitalArrived", "receive_capital",
                """Record capital arriving (资金到位), as an increment; needs a signed project.

    \b
    Example:
      crm capital 华锂新材 --amount 3亿 --date 2019-12-31
    """)


@cli.command()
@click.argument("name")
@click.option("--mu", required=True, metavar="AREA", help="Area transferred, in 亩, e.g. 120.5.")
@click.option("--parcel", help="The parcel's number or name.")
@click.option("--price", metavar="AMOUNT", help="The transfer price.")
@_date_option
@_note_option
@click.pass_obj
def land(s: Settings, name: str, **options: Any) -> None:
    """Record a land transfer (土地出让) to a signed project.

    \b
    Example:
      crm land 华锂新材 --mu 150 --parcel 2019-07号 --date 2019-11-30
    """
    from crm.interface import LandInput

    data = LandInput.parse(name=name, **options)
    project = s.app().transfer_land(**data.model_dump())
    s.done("LandTransferred", [project])


@cli.command()
@click.argument("name")
@click.option("--reason", required=True, help="Why the project stops.")
@_date_option
@_note_option
@click.pass_obj
def drop(s: Settings, name: str, **options: Any) -> None:
    """Record that a project was dropped (终止); it can be reopened.

    \b
    Example:
      crm drop 康宁医疗 --reason 投资方资金链紧张 --date 2018-10-10
    """
    from crm.interface import DropInput

    data = DropInput.parse(name=name, **options)
    project = s.app().drop(**data.model_dump())
    s.done("ProjectDropped", [project])


@cli.command()
@click.argument("name")
@_date_option
@_note_option
@click.pass_obj
def reopen(s: Settings, name: str, **options: Any) -> None:
    """Reopen a dropped project; it returns to the stage it had before.

    \b
    Example:
      crm reopen 康宁医疗 --date 2019-03-01
    """
    from crm.interface import ReopenInput

    data = ReopenInput.parse(name=name, **options)
    project = s.app().reopen(**data.model_dump())
    s.done("ProjectReopened", [project])


@cli.command()
@click.argument("name")
@click.argument("event", metavar="EVENT")
@click.option("--reason", required=True, help="Why the correction is made (kept with it).")
@click.option("--void", is_flag=True, help="The event should never have been recorded.")
@click.option("--date", "occurred_on", metavar="DATE", help="The right business date.")
@click.option("--amount", metavar="AMOUNT", help="The right amount (agreement, signing, capital).")
@click.option("--planned", metavar="AMOUNT", help="The right planned investment (contact).")
@click.option("--kind", help="The right kind of visit.")
@click.option("--mu", metavar="AREA", help="The right area (land transfer).")
@click.option("--parcel", help="The right parcel (land transfer).")
@click.option("--price", metavar="AMOUNT", help="The right transfer price (land transfer).")
@click.option("--investor", help="The right investor (contact).")
@click.option("--sector", help="The right sector (contact).")
@click.option("--channel", help="The right channel (contact).")
@click.option("--region", help="The right region (contact).")
@click.option("--owner", help="The right owner (contact).")
@click.option("--relocation/--no-relocation", default=None, help="Whether it is a relocation (contact).")
@click.option("--with", "participants", help="The right participants (visit).")
@click.option("--note", help="The right note.")
@click.pass_obj
def correct(s: Settings, name: str, event: str, **options: Any) -> None:
    """Correct event EVENT (its number in `crm history NAME`): supersede its wrong fields, or
    void it. The original stays in the log; views and reports use the corrected facts from
    now on, and `--known-on` still shows what was known before. A correction obeys the same
    rules as the original (a corrected date may not precede the contact).

    \b
    Example:
      crm correct 星河光伏 3 --amount 2.5亿 --reason "合同金额录入错误"
      crm correct 星河光伏 2 --kind reception --date 2021-03-21 --reason "实为来访接待"
      crm correct 星河光伏 5 --void --reason "重复录入"
    """
    from crm.interface import CorrectionInput
    from crm.parsing import parse_position

    data = CorrectionInput.parse(name=name, position=parse_position(event), **options)
    projects = s.app().correct(name=data.name, position=data.position, changes=data.changes(),
                               void=data.void, reason=data.reason)
    s.done("EventCorrected", projects, f" [{event}]")


# -- reading -------------------------------------------------------------------------


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--format for every read command."""
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
                        default="table", show_default=True, help="How to print the answer.")(f)


def _store_as_of(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from crm.parsing import parse_date

        ctx.find_object(Settings).as_of = parse_date(value, "--as-of")


def _store_known_on(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from projections.known import RecordCutoff

        ctx.find_object(Settings).known_on = RecordCutoff.parse(value)


def read_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of (business time) and --known-on (record time) for every view of the log."""
    f = click.option("--known-on", metavar="DATE|TIME", expose_value=False,
                     callback=_store_known_on,
                     help="Only what had been recorded by the end of that day (or that moment).")(f)
    return click.option("--as-of", metavar="DATE", expose_value=False, callback=_store_as_of,
                        help="The world as it stood at the end of that business day.")(f)


def _projector(s: Settings) -> Any:
    from projections.projector import Projector

    projector = Projector(s.app())
    _OPENED.append(projector.engine.dispose)
    return projector


def _read_models(s: Settings) -> tuple[Any, Any]:
    """The read models (an engine) and the log head they were computed from: the live ones
    brought up to the log's last event, or — with --known-on a past moment — ones made
    afresh from exactly what had been recorded by then."""
    from crm import clock
    from projections.known import known_models, live_head
    from projections.projector import engine_for

    if s.known_on is not None and s.known_on.moment < clock.now():
        source = engine_for(s.store)
        _OPENED.append(source.dispose)
        return known_models(s.app(), source, s.known_on)
    projector = _projector(s)
    projector.catch_up()
    return projector.engine, live_head(s.app(), projector.position())


@cli.command(name="list")
@read_options
@output_options
@click.pass_obj
def list_(s: Settings, fmt: str) -> None:
    """List every project with its stage and amounts.

    \b
    Example:
      crm list
      crm list --as-of 2021-06-30 --format json
    """
    from crm import clock, render
    from projections import views

    engine, _ = _read_models(s)
    with engine.connect() as conn:
        rows = views.project_rows(conn, today=clock.today(), as_of=s.as_of)
    click.echo(render.render_projects(rows, fmt, s.lang))


@cli.command()
@click.argument("name")
@read_options
@output_options
@click.pass_obj
def show(s: Settings, name: str, fmt: str) -> None:
    """Show one project: its stage, amounts, land, capital and key dates.

    \b
    Example:
      crm show 星河光伏
      crm show 星河光伏 --as-of 2019-06-30 --format json
    """
    from crm import clock, render
    from crm.domain.errors import ProjectNotFound
    from projections import views

    engine, _ = _read_models(s)
    with engine.connect() as conn:
        rows = views.project_rows(conn, today=clock.today(), as_of=s.as_of, name=name)
    if not rows:
        raise ProjectNotFound(name=name)
    row = rows[0]
    row.pop("investment")
    click.echo(render.render_project(row, fmt, s.lang))


@cli.command()
@click.argument("name")
@read_options
@output_options
@click.pass_obj
def history(s: Settings, name: str, fmt: str) -> None:
    """Every event of a project, oldest first: when it happened, when and by whom it was
    recorded, and what it said; a correction names the event it supersedes. With
    --known-on, only the events recorded by then; with --as-of, those dated by then.

    \b
    Example:
      crm history 星河光伏
      crm history 星河光伏 --known-on 2021-07-05 --format json
    """
    from crm import render

    rows = s.app().history(name)
    if s.known_on is not None:
        rows = [r for r in rows if r["recorded_at"] <= s.known_on.moment]
        kept = {r["position"] for r in rows}
        for r in rows:
            if "superseded_by" in r:
                r["superseded_by"] = [p for p in r["superseded_by"] if p in kept] or None
                if r["superseded_by"] is None:
                    del r["superseded_by"]
    if s.as_of is not None:
        rows = [r for r in rows if r["occurred_on"] <= s.as_of]
    click.echo(render.render_history(rows, fmt, s.lang))


@cli.command()
@click.option("--stage", "stage_names", multiple=True, metavar="STAGE",
              help="Only this stage (repeatable): lead, negotiating, framework, signed, land, "
                   "capital, dropped (or 在谈, 签约 …).")
@click.option("--sector", help="Only this sector.")
@click.option("--owner", help="Only projects this team member follows.")
@click.option("--totals", is_flag=True, help="Only the totals by stage and the two headlines.")
@read_options
@output_options
@click.pass_obj
def pipeline(s: Settings, stage_names: tuple[str, ...], sector: str | None, owner: str | None,
             totals: bool, fmt: str) -> None:
    """The pipeline: every live project by stage, with 在谈 (under negotiation) and 签约
    (signed) totals. Tables show money in 亿元; JSON and CSV give exact yuan.

    \b
    Example:
      crm pipeline
      crm pipeline --stage negotiating --stage framework --sector 新能源
      crm pipeline --as-of 2021-09-30 --totals
    """
    from crm import clock, render
    from crm.domain.values import DROPPED, FORWARD_STAGES, STAGES
    from crm.parsing import parse_sector, parse_stage
    from projections import views

    on = s.as_of
    chosen: list[str] = []
    for name in stage_names:
        chosen += [st for st in parse_stage(name) if st not in chosen]
    stages = chosen or list(FORWARD_STAGES)
    sector = parse_sector(sector) if sector else None
    filtered = bool(chosen or sector or owner)
    engine, _ = _read_models(s)
    with engine.connect() as conn:
        rows = [] if totals and not filtered else views.project_rows(
            conn, today=clock.today(), as_of=on, stages=stages, sector=sector, owner=owner)
        stage_totals = views.totals_of(rows) if filtered else views.stage_totals(conn, on)
    if not totals:
        for row in rows:
            row.pop("investment", None)
        if DROPPED not in stages:
            rows = [r for r in rows if r["stage"] != DROPPED]
    head = views.headline(stage_totals)
    shown = (chosen or list(STAGES)) if totals else stages
    click.echo(render.render_pipeline(rows, stage_totals, head, shown, fmt, s.lang,
                                      totals_only=totals, as_of=on))


REPORT_FORMATS = ["table", "json", "csv", "markdown", "narrative", "html", "xlsx"]
_BY_EXTENSION = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html", ".xlsx": "xlsx", ".txt": "table"}


@cli.group()
def report() -> None:
    """Reports for the county: the quarterly (or yearly) investment-attraction report.

    \b
    Example:
      crm report quarter 2021Q3
      crm --lang zh report quarter 2021Q3 --format narrative
    """


@report.command()
@read_options
@click.argument("quarter", required=False)
@click.option("--year", type=int, help="A whole year instead of a quarter.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default=None,
              help="table (default), json, csv, markdown, narrative, html or xlsx.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to this file (its extension picks the format).")
@click.pass_obj
def quarter(s: Settings, quarter: str | None, year: int | None, fmt: str | None,
            out: str | None) -> None:
    """The quarter's investment-attraction report: activities, signings with tiers and
    relocations, contracted investment with year-on-year growth, land, framework
    agreements, capital in place, by sector, and the pipeline at the quarter's end.

    \b
    Example:
      crm report quarter 2021Q3
      crm report quarter 2021Q3 --format json
      crm report quarter --year 2021 --out 2021.xlsx
      crm --lang zh report quarter 2021Q3 --format narrative
    """
    from crm.domain.errors import InvalidValue
    from crm.parsing import parse_quarter
    from projections.reports import Period

    if (quarter is None) == (year is None):
        raise click.UsageError("give a QUARTER such as 2021Q3, or --year 2021")
    if year is not None:
        if not 1900 <= year <= 2999:
            raise InvalidValue(option="--year", value=str(year), expected="a year such as 2021")
        period = Period(year)
    else:
        period = Period(*parse_quarter(quarter))
    if fmt is None:
        fmt = _BY_EXTENSION.get(os.path.splitext(out)[1].lower(), "table") if out else "table"
    _emit_report(s, period, fmt, out)


def _emit_report(s: Settings, period: Any, fmt: str, out: str | None) -> None:
    from crm import report_formats
    from projections.reports import contracted_by_quarter, quarter_report

    engine, head = _read_models(s)
    with engine.connect() as conn:
        data = quarter_report(conn, period, known_on=s.known_on.label if s.known_on else None,
                              as_of=s.as_of, head=head)
        history = contracted_by_quarter(conn, period) if fmt == "html" else None
    rendered = report_formats.render(data, fmt, s.lang, history=history)
    if out:
        mode = "wb" if isinstance(rendered, bytes) else "w"
        with open(out, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(rendered if isinstance(rendered, bytes) else rendered + "\n")
        click.echo(f"wrote {out}" if s.lang != "zh" else f"已写入 {out}", err=True)
    elif isinstance(rendered, bytes):
        _write_binary(rendered)
    else:
        click.echo(rendered)


def _write_binary(data: bytes) -> None:
    """A workbook goes to a file, or down a pipe (`> report.xlsx`), never onto a terminal."""
    if sys.stdout.isatty():
        raise click.UsageError("xlsx is a binary workbook: give --out FILE.xlsx")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


@cli.command()
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS[:-2]), default="table",
              show_default=True, help="How to print the latest quarter's report.")
@click.pass_obj
def demo(s: Settings, fmt: str) -> None:
    """Fill an empty store with two years (2024-2025) of a made-up zone's work — dozens of
    projects across the leading sectors, every kind of event, some drops — and print the
    latest quarter's report. It never touches a store that already holds events.

    \b
    Example:
      crm demo
      crm --store demo.sqlite --lang zh demo --format narrative
    """
    from crm.demo import fill
    from projections.reports import Period

    fill(s.app())
    _emit_report(s, Period(2025, 4), fmt, None)


@cli.command()
@click.option("--to", "target", required=True, metavar="STORE",
              help="The empty store to copy into: a postgresql:// URL or an SQLite file.")
@click.pass_obj
def copy(s: Settings, target: str) -> None:
    """Copy the whole log into another, empty store — every event exactly as stored, so
    business dates, recorders and original record times are kept — then verify the copy:
    the same events in the same order, and an intact hash chain.

    \b
    Example:
      crm copy --to postgresql://zhaoshang@db.example:5432/zone
    """
    from crm.application import ProjectLog
    from crm.store import describe
    from crm.transfer import copy_log

    source = s.app()
    destination = ProjectLog(store=target, user=s.user)
    _OPENED.append(destination.close)
    total = source.recorder.max_notification_id() or 0
    if sys.stderr.isatty() and total:
        with click.progressbar(length=total, label="copying", file=sys.stderr) as bar:
            done = copy_log(source, destination, progress=bar.update)
    else:
        done = copy_log(source, destination)
    same = done.source_head == done.target_head
    if s.lang == "zh":
        click.echo(f"已将 {done.events} 个事件从 {describe(s.store)} 复制到 {describe(target)}；"
                   f"副本校验通过，日志头 {done.target_head}"
                   + ("（与原日志相同）" if same else f"（原日志为 {done.source_head}）"))
    else:
        click.echo(f"copied {done.events} events from {describe(s.store)} to {describe(target)}; "
                   f"the copy verifies, head {done.target_head}"
                   + (" (the same as the original's)" if same
                      else f" (the original's is {done.source_head})"))


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--map", "pairs", multiple=True, metavar="HEADER=FIELD",
              help="Read a column the rules do not recognise, e.g. --map 客户=investor.")
@click.option("--kind", "sheet_kind", type=click.Choice(["ledger", "visits"]),
              help="What the file holds, when its headers do not say.")
@click.option("--skip-conflicts", is_flag=True,
              help="Import the rest when some rows differ from the log (they are listed).")
@click.pass_obj
def import_(s: Settings, file: str, pairs: tuple[str, ...], sheet_kind: str | None,
            skip_conflicts: bool) -> None:
    """Bring a project ledger (招商项目台账) or a visit log in from Excel or CSV — or a whole
    log exported with `crm export --format jsonl` into an empty store.

    Each ledger row becomes the events it implies (contact, framework agreement, signing,
    land, capital, drop) at the row's dates; each visit-log row, one visit. Headers are
    read in Chinese or English (项目名称, 投资方, 产业, 计划投资(万元), 协议投资, 签约日期,
    供地面积(亩), 到位资金 …). Every row is checked first; every bad row is reported as
    FILE:ROW and nothing is written. Importing the same file again adds nothing; a row that
    differs from the log is a conflict, not applied.

    \b
    Example:
      crm import 招商项目台账2021.xlsx
      crm import 走访记录.csv --map 走访日期=date
      crm --store new.sqlite import events.jsonl
    """
    from pathlib import Path

    from crm import importer, ledger
    from crm.domain import errors

    path = Path(file)
    app = s.app()
    if path.suffix.lower() == ".jsonl":
        _import_events(s, path)
        return
    sheets = ledger.read(path, ledger.parse_mapping(pairs), sheet_kind)
    if not sheets:
        raise click.UsageError(f"{path.name}: found no ledger or visit log: name its columns "
                               f"with --map HEADER=FIELD, or give --kind")
    plan = importer.plan(app, sheets, s.user)
    if plan.errors:
        raise errors.SheetError(lines="\n".join(
            [*plan.errors, f"{len(plan.errors)} problem(s) in {path.name}: nothing was imported"]))
    if plan.conflicts and not skip_conflicts:
        _conflicts(plan.conflicts, f"{len(plan.conflicts)} row(s) of {path.name} differ from "
                                   f"the log: nothing was imported (--skip-conflicts imports "
                                   f"the rest)")
    total = plan.events
    if sys.stderr.isatty() and total:
        with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
            written = importer.write(app, plan, progress=bar.update)
    else:
        written = importer.write(app, plan)
    if plan.conflicts:
        for line in plan.conflicts:
            click.echo(f"skipped: {line}", err=True)
    if not plan.new_rows:
        click.echo(f"nothing to import: all {plan.unchanged} rows of {path.name} are already "
                   f"in the log" if s.lang != "zh" else
                   f"无需导入：{path.name} 的 {plan.unchanged} 行均已在日志中")
        return
    click.echo(f"imported {plan.new_rows} rows of {path.name} as {written} events"
               f"{f'; {plan.unchanged} rows were already in the log' if plan.unchanged else ''}"
               if s.lang != "zh" else
               f"已导入 {path.name} 的 {plan.new_rows} 行，共 {written} 个事件"
               f"{f'；{plan.unchanged} 行已在日志中' if plan.unchanged else ''}")


def _conflicts(lines: list[str], summary: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo(f"crm: {summary}", err=True)
    raise click.exceptions.Exit(1)


def _import_events(s: Settings, path: Any) -> None:
    from crm import importer
    from crm.domain import errors
    from crm.domain.errors import TargetNotEmpty

    app = s.app()
    held = app.recorder.max_notification_id() or 0
    if held:
        raise TargetNotEmpty(store=app.describe(), events=held)
    events, problems = importer.plan_events(path, app)
    if problems:
        raise errors.SheetError(lines="\n".join(
            [*problems, f"{len(problems)} problem(s) in {path.name}: nothing was imported"]))
    written = importer.write_events(app, events)
    from crm import audit

    checked = audit.verify(app.recorder)
    click.echo(f"imported {written} events from {path.name}; the log verifies, head {checked.head}"
               if s.lang != "zh" else
               f"已从 {path.name} 导入 {written} 个事件；日志校验通过，日志头 {checked.head}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "xlsx"]), default=None,
              help="jsonl: every event; csv and xlsx: the projects as a ledger (and visits).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file (its extension picks the format).")
@click.pass_obj
def export(s: Settings, fmt: str | None, out: str | None) -> None:
    """Get everything out in open formats: every event with its business date, record time,
    recorder and fields as JSON lines (which `crm import` reads back into an empty store,
    record times and all), or the projects as a ledger in CSV or Excel (with the visits, in
    Excel) — the layout `crm import` reads.

    \b
    Example:
      crm export --format jsonl --out events.jsonl
      crm export --out 项目台账.xlsx
    """
    if fmt is None:
        fmt = os.path.splitext(out)[1].lower().lstrip(".") if out else "jsonl"
        if fmt not in ("jsonl", "csv", "xlsx"):
            raise click.UsageError("give --format jsonl, csv or xlsx")
    if fmt == "jsonl":
        from crm import importer

        lines = importer.export_events(s.app())
        if out:
            with open(out, "w", encoding="utf-8") as f:
                for line in lines:
                    f.write(line + "\n")
        else:
            for line in lines:
                click.echo(line)
        return
    from crm import render
    from crm.ledger import HEADERS_ZH
    from projections.exports import LEDGER_FIELDS, VISIT_FIELDS, ledger_rows, visit_rows

    engine, _ = _read_models(s)
    with engine.connect() as conn:
        projects, visits = ledger_rows(conn), visit_rows(conn) if fmt == "xlsx" else []

    def header(field: str) -> str:
        return HEADERS_ZH[field] if s.lang == "zh" else field

    if fmt == "csv":
        text = render.to_csv([{header(k): v for k, v in r.items()} for r in projects],
                             [header(f) for f in LEDGER_FIELDS])
        if out:
            with open(out, "w", encoding="utf-8-sig" if s.lang == "zh" else "utf-8") as f:
                f.write(text + "\n")
        else:
            click.echo(text)
        return
    from crm.report_formats import workbook

    sheets = [("项目台账" if s.lang == "zh" else "Projects", [header(f) for f in LEDGER_FIELDS],
               [[r[f] for f in LEDGER_FIELDS] for r in projects]),
              ("走访记录" if s.lang == "zh" else "Visits", [header(f) for f in VISIT_FIELDS],
               [[r[f] for f in VISIT_FIELDS] for r in visits])]
    if out:
        with open(out, "wb") as f:
            f.write(workbook(sheets))
    else:
        _write_binary(workbook(sheets))


@cli.command()
@click.pass_obj
def init(s: Settings) -> None:
    """Create the store's tables (events, hash chain, read models) if they are missing.
    Every command also does this on first use; `init` checks a new shared database.

    \b
    Example:
      crm init
      crm --store postgresql://zhaoshang@db.example:5432/zone init
    """
    from crm.store import describe

    projector = _projector(s)
    projector.catch_up()
    events = projector.head()
    click.echo(f"{describe(s.store)}: ready, {events} events" if s.lang != "zh"
               else f"{describe(s.store)}：已就绪，共 {events} 个事件")


@cli.command()
@click.option("--head", "show_head", is_flag=True, help="Only print the log's head.")
@click.option("--extends", "published", metavar="HEAD",
              help="Also prove the log still holds this head (POSITION:HASH), unchanged.")
@click.pass_obj
def verify(s: Settings, show_head: bool, published: str | None) -> None:
    """Prove the log intact: recompute the hash chain over every stored event. Exits 0 when
    intact, 1 naming the first position where an event was edited, deleted, inserted or
    moved. Print the head (`--head`) with a report; `--extends` later proves the log still
    holds it, which catches a truncated log or one rewritten with every hash recomputed.

    \b
    Example:
      crm verify
      crm verify --head
      crm verify --extends 1234:9f2c…
    """
    from crm import audit
    from crm.domain.errors import InvalidValue

    recorder = s.app().recorder
    if show_head:
        click.echo(audit.current_head(recorder) or "")
        return
    if published is not None:
        head = audit.parse_head(published)
        if head is None:
            raise InvalidValue(option="--extends", value=published,
                               expected="a head POSITION:HASH as `crm verify --head` prints it")
        result = audit.extends(recorder, head)
    else:
        result = audit.verify(recorder)
    if not result.intact:
        raise click.exceptions.Exit(_broken(s, result))
    if s.lang == "zh":
        click.echo(f"日志完整：{result.events} 个事件，日志头 {result.head or '（空）'}"
                   + (f"，包含 {published}" if published else ""))
    else:
        click.echo(f"log intact: {result.events} events, head {result.head or '(empty)'}"
                   + (f"; it holds {published}" if published else ""))


_PROBLEMS = {
    "inserted": ("an event that is not in the chain was inserted",
                 "插入了不在哈希链中的事件"),
    "deleted": ("the event recorded here was deleted", "此处记录的事件已被删除"),
    "changed": ("the event here does not follow from the chain: it was edited or moved, or "
                "one before it was removed", "此处事件与哈希链不符：被修改、移动，或其前的事件被删除"),
    "truncated": ("the log no longer reaches this published head: it was truncated",
                  "日志已不包含此已发布的日志头：日志被截断"),
    "rewritten": ("the link here differs from the published head: the log was rewritten",
                  "此处链接与已发布的日志头不同：日志被改写"),
}


def _broken(s: Settings, result: Any) -> int:
    en, zh = _PROBLEMS[result.problem]
    if s.lang == "zh":
        click.echo(f"crm: 日志在第 {result.bad_position} 位不完整：{zh}", err=True)
    else:
        click.echo(f"crm: the log is broken at position {result.bad_position}: {en}", err=True)
    return 1


@cli.group()
def projections() -> None:
    """The read models: a cache of the log that can be rebuilt at any time.

    \b
    Example:
      crm projections status
      crm projections rebuild
    """


@projections.command()
@output_options
@click.pass_obj
def status(s: Settings, fmt: str) -> None:
    """How far the read models have come: tracked position against the log's head, and rows.

    \b
    Example:
      crm projections status
    """
    from crm import render

    info = _projector(s).status()
    if fmt == "json":
        click.echo(render.to_json(info))
        return
    rows = [{"what": "position", "value": info["position"]},
            {"what": "log head", "value": info["head"]},
            {"what": "behind", "value": info["behind"]},
            *({"what": f"rows in {table}", "value": n} for table, n in info["rows"].items())]
    click.echo(render.render_rows(rows, ["what", "value"], fmt, s.lang))


@projections.command()
@click.pass_obj
def rebuild(s: Settings) -> None:
    """Drop the read models and recreate them exactly from the log.

    \b
    Example:
      crm projections rebuild
    """

    projector = _projector(s)
    total = projector.head()
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="rebuilding", file=sys.stderr) as bar:
            applied = projector.rebuild(progress=bar.update)
    else:
        applied = projector.rebuild()
    click.echo(f"rebuilt the read models from {applied} events" if s.lang != "zh"
               else f"已根据 {applied} 个事件重建读模型")


# -- global options work after the command too: `crm report quarter 2021Q3 --lang zh` ------


def _set(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None and value is not False:
            setattr(ctx.find_object(Settings), attribute, value)
    return callback


def _accept_global_options(group: click.Group) -> None:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _accept_global_options(command)
            continue
        command.params += [
            click.Option(["--store"], hidden=True, expose_value=False, callback=_set("store")),
            click.Option(["--user"], hidden=True, expose_value=False, callback=_set("user")),
            click.Option(["--lang"], type=click.Choice(["en", "zh"]), hidden=True,
                         expose_value=False, callback=_set("lang")),
            click.Option(["--debug"], is_flag=True, hidden=True, expose_value=False,
                         callback=_set("debug")),
        ]


_accept_global_options(cli)


# -- the edge: one line per error ------------------------------------------------------


def _early_lang(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return _default_lang()


def _fail(message: str, code: int) -> int:
    click.echo(f"crm: {message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _early_lang(argv)
    debug = "--debug" in argv or bool(os.environ.get("CRM_DEBUG"))
    from crm.domain.errors import CrmError, SheetError

    try:
        result = cli.main(args=argv, prog_name="crm", standalone_mode=False)
    except click.exceptions.UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError" and e.ctx is not None:
            click.echo(e.ctx.get_help())  # `crm` or `crm report` alone: the help, no error
            return 0
        where = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
        return _fail(e.format_message().replace("\n", " ") + where, 2)
    except click.exceptions.Abort:
        return _fail("aborted", 1)
    except CrmError as e:
        if isinstance(e, SheetError):  # one line a bad row, as FILE:ROW: message
            *rows, summary = e.lines(lang)
            for row in rows:
                click.echo(row, err=True)
            return _fail(summary, e.exit_code)
        return _fail(e.message(lang), e.exit_code)
    except click.ClickException as e:
        return _fail(e.format_message(), e.exit_code)
    except Exception as e:  # noqa: BLE001 - the edge: anything else is a bug or a broken store
        if debug:
            raise
        return _fail(_unexpected(e), 1)
    finally:
        _close_opened()
    return result if isinstance(result, int) else 0


def _close_opened() -> None:
    while _OPENED:
        with contextlib.suppress(Exception):
            _OPENED.pop()()


def _unexpected(e: Exception) -> str:
    from eventsourcing.persistence import PersistenceError

    if isinstance(e, PersistenceError):
        return f"the event store failed: {e} (run with --debug for details)"
    return f"unexpected {type(e).__name__}: {e} (run with --debug for the traceback)"


if __name__ == "__main__":
    sys.exit(main())
