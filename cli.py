"""The `crm` command line: each command parses what was typed, makes one call into
`crm.app`, and renders the answer; every failure becomes one line on stderr, its exit code
chosen by its type (1: a rule of the log refused it; 2: the input, usage or store was
wrong). Heavy modules are imported inside the commands that need them, so logging a visit
starts fast."""
from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable
from typing import Any

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: What a command opened (applications, engines), closed when it ends: a process that runs
#: many commands (tests, scripts) must not keep a database connection per command.
_OPENED: list[Callable[[], Any]] = []

#: The cycle collector as `main` left it for the command (`_start_up`): "paused" during
#: start-up, "frozen" once start-up is over; empty when `main` left it alone.
_COLLECTOR: list[str] = []


def _start_up() -> None:
    """Start-up (the modules a command imports, its click and pydantic definitions, opening
    the store) makes a great many objects that live as long as the process, and little
    garbage: the cycle collector, run every few hundred new objects, would walk them again
    and again, and once more as the interpreter exits. `main` pauses it until the store is
    open (`_started`); what start-up made is then set aside (`gc.freeze`), and the collector
    runs as usual on what the command itself makes."""
    gc.disable()
    _COLLECTOR[:] = ["paused"]


def _started() -> None:
    """The command's start-up is over: the collector runs again (see `_start_up`)."""
    if _COLLECTOR == ["paused"]:
        _COLLECTOR[:] = ["frozen"]
        gc.freeze()
        gc.enable()


def _login_name() -> str:
    for var in ("CRM_USER", "USER", "LOGNAME", "USERNAME"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        import getpass

        return getpass.getuser()
    except (KeyError, OSError):  # no login name at all: say so rather than fail
        return "unknown"


def _default_lang() -> str:
    lang = os.environ.get("CRM_LANG") or os.environ.get("LANG", "")
    return "zh" if lang.lower().startswith("zh") else "en"


#: Commands that only read the store (a copy reads its source): none of them makes a store.
_READS = frozenset({"alerts", "copy", "export", "history", "list", "pipeline", "projections",
                    "report", "show", "verify"})


class Settings:
    """The global options, and what they open on first use."""

    def __init__(self, store: str, user: str, lang: str, debug: bool):
        self.store, self.user, self.lang, self.debug = store, user, lang, debug
        self.as_of: Any = None  # --as-of: a business date
        self.known_on: Any = None  # --known-on: a record-time cut-off
        self._log: Any = None
        self.confirm = False  # --confirm: record what a guard refused
        self.into_closed: str | None = None  # --into-closed-period REASON
        self.command: str | None = None  # the command run, as typed after the options

    def log(self) -> Any:
        """The store's log of work (the application)."""
        if self._log is None:
            from crm.app.log import ProjectLog
            from crm.store.config import CREATE, LATER, READ, expect

            # a read finds a store or says there is none; a write makes it when it first
            # writes, so a refused command leaves no file behind; `init` makes it at once
            expect(CREATE if self.command == "init" else READ if self.command in _READS
                   else LATER)
            self._log = ProjectLog(store=self.store, user=self.user)
            _OPENED.append(self._log.close)
            _started()
        self._log.confirm = self.confirm
        self._log.into_closed = self.into_closed
        return self._log

    def reader(self) -> Any:
        from crm.app.reads import Reader

        return Reader(self.log(), as_of=self.as_of, known_on=self.known_on,
                      on_open=_OPENED.append,
                      on_notice=lambda message, **params: click.echo(
                          "crm: " + self.say(message, **params), err=True))

    def use_sectors(self) -> None:
        """Read the zone's sector list from the log before any input naming a sector."""
        from crm.text.parsing import ZONE_SECTORS, seed_sectors

        ZONE_SECTORS.set(self.log().sectors(seed=seed_sectors()))

    def say(self, message: str, /, **params: Any) -> str:
        from crm.text.messages import say

        return say(message, self.lang, **params)

    def done(self, event: str, projects: list[Any], detail: str = "") -> None:
        """Confirm a write in one line: what was recorded, for which projects, and their stage."""
        from crm.text.messages import label

        parts = [self.say("project_stage", name=p.name, stage=label(p.state.stage, self.lang))
                 for p in projects]
        click.echo(self.say("recorded", what=label(event, self.lang),
                            projects=self.say("list_separator").join(parts), detail=detail))


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
    ctx.obj.command = ctx.invoked_subcommand


def _out_folder(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--out FILE: its folder must be there and writable, said before anything is done."""
    if value:
        folder = os.path.dirname(os.path.abspath(value))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            raise click.UsageError(ctx.find_object(Settings).say("out_folder", path=value,
                                                                 folder=folder))
    return value


def _date_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--date", "occurred_on", metavar="DATE",
                        help="When it happened (default today): 2021-08-03, 2021/8/3, 2021年8月3日.")(f)


def _note_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--note", help="A free-text note kept with the event.")(f)


def _store_confirm(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_object(Settings).confirm = True


def _store_into_closed(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.find_object(Settings).into_closed = value


def _into_closed_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--into-closed-period REASON: record a fact dated inside a closed period, saying why."""
    return click.option("--into-closed-period", metavar="REASON", expose_value=False,
                        callback=_store_into_closed,
                        help="Record it although its date is inside a closed period, and why.")(f)


def _confirm_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--confirm: record what a guard against slips refused (an amount out of line, the same
    visit twice, a name like an existing one); and --into-closed-period."""
    f = _into_closed_option(f)
    return click.option("--confirm", is_flag=True, expose_value=False, callback=_store_confirm,
                        help="Record it even though a guard against slips refused it.")(f)


# -- writing -------------------------------------------------------------------------


@cli.command()
@click.argument("name", metavar="NAME")
@click.option("--investor", required=True, help="The company behind the project (客商/投资方).")
@click.option("--sector", required=True,
              help="One of the zone's sectors (`crm zone show`; by default 新材料, 新能源, "
                   "大健康, 数字经济, 其他).")
@click.option("--planned", required=True, metavar="AMOUNT", help="Planned investment, e.g. 2亿.")
@_date_option
@click.option("--channel", help="How the lead came in (e.g. 以商招商, 展会).")
@click.option("--region", help="Where the investor comes from.")
@click.option("--owner", help="The team member who follows the project.")
@click.option("--relocation", is_flag=True, help="It moves an existing local company (搬迁).")
@click.option("--short", help="The short name reports use, e.g. 合成 for 合成新材料.")
@_note_option
@_confirm_option
@click.pass_obj
def contact(s: Settings, name: str, **options: Any) -> None:
    """Record the first contact with an investor; this creates the project (lead).

    \b
    Example:
      crm contact 星河光伏 --investor 星河能源集团 --sector 新能源 --planned 2亿 --date 2018-03-01
    """
    from crm.text.inputs import ContactInput

    s.use_sectors()
    data = ContactInput.parse(name=name, **options)
    s.done("ContactMade", [s.log().contact(**data.model_dump())])


@cli.command()
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("--kind", required=True,
              help="outbound (外出招商), reception (接待客商), pairing (山海协作结对活动), "
                   "aftercare (走访服务), online (线上洽谈).")
@_date_option
@click.option("--with", "participants", help="Who took part.")
@_note_option
@_confirm_option
@click.pass_obj
def visit(s: Settings, names: tuple[str, ...], **options: Any) -> None:
    """Record one visit or activity; naming several projects still counts it once.

    \b
    Example:
      crm visit 星河光伏 --kind outbound --date 2018-03-20 --with "张三, 李四"
      crm visit 绿源生物 智造装备 --kind pairing
    """
    from crm.text.inputs import VisitInput
    from crm.text.messages import label

    data = VisitInput.parse(names=names, **options)
    s.done("VisitLogged", s.log().log_visit(**data.model_dump()),
           f" [{label(data.kind, s.lang)}]")


def _amount_command(name: str, event: str, method: str, doc: str) -> None:
    @click.argument("name", metavar="NAME")
    @click.option("--amount", required=True, metavar="AMOUNT", help="e.g. 10亿, 9999万, 350000000.")
    @_date_option
    @_note_option
    @_confirm_option
    @click.pass_obj
    def command(s: Settings, name: str, **options: Any) -> None:
        from crm.text.inputs import AmountInput

        data = AmountInput.parse(name=name, **options)
        s.done(event, [getattr(s.log(), method)(**data.model_dump())])

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
@click.argument("name", metavar="NAME")
@click.option("--mu", required=True, metavar="AREA", help="Area transferred, in 亩, e.g. 120.5.")
@click.option("--parcel", help="The parcel's number or name.")
@click.option("--price", metavar="AMOUNT", help="The transfer price.")
@_date_option
@_note_option
@_confirm_option
@click.pass_obj
def land(s: Settings, name: str, **options: Any) -> None:
    """Record a land transfer (土地出让) to a signed project.

    \b
    Example:
      crm land 华锂新材 --mu 150 --parcel 2019-07号 --date 2019-11-30
    """
    from crm.text.inputs import LandInput

    data = LandInput.parse(name=name, **options)
    s.done("LandTransferred", [s.log().transfer_land(**data.model_dump())])


def _milestone(command: str, event: str, method: str, doc: str) -> None:
    @click.argument("name", metavar="NAME")
    @_date_option
    @_note_option
    @_into_closed_option
    @click.pass_obj
    def milestone(s: Settings, name: str, **options: Any) -> None:
        from crm.text.inputs import MilestoneInput

        data = MilestoneInput.parse(name=name, **options)
        s.done(event, [getattr(s.log(), method)(**data.model_dump())])

    milestone.__doc__ = doc
    cli.command(command)(milestone)


_milestone("start", "ConstructionStarted", "start",
           """Record that construction started (开工); it needs the project's land.

    \b
    Example:
      crm start 华锂新材 --date 2021-10-08
    """)
_milestone("produce", "ProductionStarted", "produce",
           """Record that production started (投产); it needs 开工.

    \b
    Example:
      crm produce 华锂新材 --date 2022-06-30
    """)


@cli.command()
@click.argument("name", metavar="NAME")
@click.option("--start-by", metavar="DATE", help="开工 promised by this date.")
@click.option("--produce-by", metavar="DATE", help="投产 promised by this date.")
@click.option("--invest", metavar="AMOUNT", help="Capital promised in place (with --by).")
@click.option("--by", "invest_by", metavar="DATE", help="When the promised capital is due.")
@_date_option
@_note_option
@_into_closed_option
@click.pass_obj
def commit(s: Settings, name: str, **options: Any) -> None:
    """Record what the investor promised, with the signing or later: 开工 by, 投产 by, capital
    in place by a date. A later commitment replaces the earlier; `crm alerts` says when one
    is missed.

    \b
    Example:
      crm commit 华锂新材 --start-by 2021-12-31 --produce-by 2023-06-30 --invest 5亿 --by 2022-12-31
    """
    from crm.text.inputs import CommitInput

    data = CommitInput.parse(name=name, **options)
    s.done("CommitmentMade", [s.log().commit(**data.model_dump())])


@cli.command()
@click.argument("name", metavar="NAME")
@click.option("--to", "owner", required=True, metavar="PERSON", help="Who follows it from now.")
@_date_option
@_note_option
@_into_closed_option
@click.pass_obj
def handover(s: Settings, name: str, **options: Any) -> None:
    """Hand a project to another team member from a date; its history keeps who owned it
    when, and reports by owner use the owner at the time.

    \b
    Example:
      crm handover 华锂新材 --to 李娜 --date 2021-09-01
    """
    from crm.text.inputs import HandoverInput

    data = HandoverInput.parse(name=name, **options)
    s.done("OwnerChanged", [s.log().hand_over(**data.model_dump())])


@cli.command()
@click.argument("name", metavar="NAME")
@click.option("--reason", required=True, help="Why the project stops.")
@_date_option
@_note_option
@_into_closed_option
@click.pass_obj
def drop(s: Settings, name: str, **options: Any) -> None:
    """Record that a project was dropped (终止); it can be reopened.

    \b
    Example:
      crm drop 康宁医疗 --reason 投资方资金链紧张 --date 2018-10-10
    """
    from crm.text.inputs import DropInput

    data = DropInput.parse(name=name, **options)
    s.done("ProjectDropped", [s.log().drop(**data.model_dump())])


@cli.command()
@click.argument("name", metavar="NAME")
@_date_option
@_note_option
@_into_closed_option
@click.pass_obj
def reopen(s: Settings, name: str, **options: Any) -> None:
    """Reopen a dropped project; it returns to the stage it had before.

    \b
    Example:
      crm reopen 康宁医疗 --date 2019-03-01
    """
    from crm.text.inputs import ReopenInput

    data = ReopenInput.parse(name=name, **options)
    s.done("ProjectReopened", [s.log().reopen(**data.model_dump())])


@cli.command()
@click.argument("name", metavar="NAME")
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
@click.option("--short", help="The right short name (contact).")
@click.option("--with", "participants", help="The right participants (visit).")
@click.option("--note", help="The right note.")
@_into_closed_option
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
    from crm.text.inputs import CorrectionInput
    from crm.text.parsing import parse_position

    if options.get("sector"):
        s.use_sectors()
    data = CorrectionInput.parse(name=name, position=parse_position(event), **options)
    projects = s.log().correct(name=data.name, position=data.position, changes=data.changes(),
                               void=data.void, reason=data.reason)
    s.done("EventCorrected", projects, f" [{event}]")


@cli.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@_note_option
@_confirm_option
@click.pass_obj
def rename(s: Settings, old: str, new: str, note: str | None) -> None:
    """Give a project its right name (a typo, or a new name): in every view and report from
    now on, in all business time; reports printed before stay as printed (`--known-on`), and
    `crm history` shows both. Undo it with `crm correct NEW N --void`.

    \b
    Example:
      crm rename 普康生吴 普康生物
    """
    from crm.text.inputs import RenameInput

    data = RenameInput.parse(name=old, new=new, note=note)
    project = s.log().rename(name=data.name, new=data.new, note=data.note)
    click.echo(s.say("renamed", old=old, new=project.name))


@cli.command()
@click.argument("name", metavar="NAME")
@click.option("--reason", required=True, help="Why the project should never have been recorded.")
@_note_option
@click.pass_obj
def void(s: Settings, name: str, reason: str, note: str | None) -> None:
    """Void a project entered by mistake: it leaves every count, list and export from now on,
    stays in `crm history` and in `--known-on` views of before; its name is free again. Undo
    it with `crm correct NAME N --void`.

    \b
    Example:
      crm void 测试项目 --reason "录入测试"
    """
    from crm.text.inputs import VoidInput

    data = VoidInput.parse(name=name, reason=reason, note=note)
    project = s.log().void(name=data.name, reason=data.reason, note=data.note)
    click.echo(s.say("voided", name=project.name, reason=data.reason))


@cli.command()
@click.argument("duplicate", metavar="DUPLICATE")
@click.argument("into", metavar="INTO")
@click.option("--reason", required=True, help="Why they are one project.")
@_note_option
@click.pass_obj
def merge(s: Settings, duplicate: str, into: str, reason: str, note: str | None) -> None:
    """Merge two records of one project: DUPLICATE's facts (visits, agreements, signing,
    land, capital) become INTO's, each at its own date, and DUPLICATE is voided as merged.
    A rule the facts break together is refused, named. Undo it by voiding DUPLICATE's void:
    `crm correct DUPLICATE N --void`.

    \b
    Example:
      crm merge "合成 新材料" 合成新材料 --reason "重复录入"
    """
    from crm.text.inputs import MergeInput

    data = MergeInput.parse(name=duplicate, into=into, reason=reason, note=note)
    dup, survivor, moved = s.log().merge(duplicate=data.name, into=data.into,
                                         reason=data.reason, note=data.note)
    click.echo(s.say("merged", duplicate=dup.name, into=survivor.name, facts=moved))


@cli.command()
@click.argument("name", metavar="NAME")
@click.argument("flag", metavar="重点")
@click.option("--off", is_flag=True, help="Take the flag off.")
@_date_option
@_note_option
@_into_closed_option
@click.pass_obj
def flag(s: Settings, name: str, flag: str, off: bool, **options: Any) -> None:
    """Flag a project as one of the zone's key projects (重点), or take the flag off. With
    `crm zone set key-projects flag`, the report's 在谈重点项目 are the flagged ones.

    \b
    Example:
      crm flag 智造装备 重点
      crm flag 智造装备 重点 --off
    """
    from crm.domain.settings import FLAG
    from crm.text.inputs import FlagInput

    if flag.strip() not in (FLAG, "key"):
        raise click.UsageError(s.say("flag_only", flag=flag))
    data = FlagInput.parse(name=name, **options)
    project = s.log().flag(name=data.name, flag=FLAG, on=not off,
                           occurred_on=data.occurred_on, note=data.note)
    click.echo(s.say("unflagged" if off else "flagged", name=project.name, flag=FLAG))


@cli.group()
def zone() -> None:
    """The zone's own rules, kept in the log so that everyone sharing the store counts
    alike: its name, sectors, tiers, key projects, guards, stall thresholds, how counts
    and growth are written, and its targets."""


@zone.command(name="show")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
              default="table", show_default=True, help="How to print the answer.")
@click.pass_obj
def zone_show(s: Settings, fmt: str) -> None:
    """Show the zone's settings, each as set or by default.

    \b
    Example:
      crm zone show
      crm zone show --format json
    """
    from crm.text.tables import render_zone, to_json, zone_json

    settings = s.log().settings()
    click.echo(to_json(zone_json(settings)) if fmt == "json" else
               render_zone(settings, fmt, s.lang))


@zone.command(name="set")
@click.argument("key", metavar="KEY")
@click.argument("value", metavar="VALUE")
@click.pass_obj
def zone_set(s: Settings, key: str, value: str) -> None:
    """Record one of the zone's settings. Keys: name, sectors (comma-separated), tiers
    (10亿,1亿), key-projects (planned>=1亿 or flag), guard.min-amount, guard.max-ratio,
    guard.max-mu, stall.negotiating, stall.framework, stall.signed (days), counts (exact or
    approx: 20余次), yoy-digits, target.YEAR.projects|contracted|capital.

    \b
    Example:
      crm zone set name 经济开发区
      crm zone set sectors 新材料,新能源,大健康,数字经济,其他
      crm zone set tiers 10亿,1亿
      crm zone set key-projects planned>=1亿
      crm zone set target.2021.contracted 50亿
    """
    from crm.domain.settings import check
    from crm.text.parsing import parse_setting

    key = key.strip()
    typed = parse_setting(key, value)
    check(key, typed)  # refused before the store is opened: nothing is written
    changed = s.log().change_setting(key, typed)
    click.echo(s.say("zone_changed" if changed else "zone_unchanged", key=key, value=value))


@cli.command()
@click.argument("period", metavar="QUARTER")
@click.option("--reason", required=True, help="Why it is closed (e.g. the report was sent).")
@click.pass_obj
def close(s: Settings, period: str, reason: str) -> None:
    """Close a reported period (a quarter, or a whole year such as 2021): facts dated inside
    it are refused from now on, unless recorded with --into-closed-period REASON, which
    history and reports show. `crm reopen-period` opens it again; both are recorded.

    \b
    Example:
      crm close 2021Q3 --reason "三季度报告已报送"
    """
    _close(s, period, reason, closed=True)


@cli.command(name="reopen-period")
@click.argument("period", metavar="QUARTER")
@click.option("--reason", required=True, help="Why it is opened again.")
@click.pass_obj
def reopen_period(s: Settings, period: str, reason: str) -> None:
    """Open a closed period again (recorded, with its reason).

    \b
    Example:
      crm reopen-period 2021Q3 --reason "补录漏报项目"
    """
    _close(s, period, reason, closed=False)


def _close(s: Settings, period: str, reason: str, *, closed: bool) -> None:
    from crm.text.parsing import parse_period, parse_text

    label = parse_period(period)
    why = parse_text(reason, "--reason")
    if not why:
        raise click.UsageError(s.say("reason_needed"))
    if s.log().close_period(label, why, closed=closed):
        click.echo(s.say("period_closed" if closed else "period_reopened", period=label,
                         reason=why))
    else:
        click.echo(s.say("period_already_closed" if closed else "period_not_closed",
                         period=label))


# -- reading -------------------------------------------------------------------------


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--format for every read command."""
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
                        default="table", show_default=True, help="How to print the answer.")(f)


def _store_as_of(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from crm.text.parsing import parse_date

        ctx.find_object(Settings).as_of = parse_date(value, "--as-of")


def _store_known_on(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from crm.text.parsing import parse_known_on

        ctx.find_object(Settings).known_on = parse_known_on(value)


def read_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of (business time) and --known-on (record time) for every view of the log."""
    f = click.option("--known-on", metavar="DATE|TIME", expose_value=False,
                     callback=_store_known_on,
                     help="Only what had been recorded by the end of that day (or that moment).")(f)
    return click.option("--as-of", metavar="DATE", expose_value=False, callback=_store_as_of,
                        help="The world as it stood at the end of that business day.")(f)


@cli.command(name="list")
@click.option("--search", metavar="TEXT", help="Only projects whose name or investor holds TEXT.")
@click.option("--stage", "stage_names", multiple=True, metavar="STAGE",
              help="Only this stage (repeatable; 在谈 is negotiating and framework).")
@click.option("--sector", help="Only this sector.")
@click.option("--owner", help="Only this owner's projects.")
@click.option("--since", metavar="DATE", help="Only projects with activity on or after DATE.")
@click.option("--alerts", "with_alerts", is_flag=True, help="Only projects with an alert.")
@read_options
@output_options
@click.pass_obj
def list_(s: Settings, fmt: str, search: str | None, stage_names: tuple[str, ...],
          sector: str | None, owner: str | None, since: str | None, with_alerts: bool) -> None:
    """List every project with its stage and amounts; or those a search and filters find.

    \b
    Example:
      crm list
      crm list --search 合成
      crm list --stage 在谈 --sector 新能源 --since 2021-07-01
      crm list --as-of 2021-06-30 --format json
    """
    from crm.text.parsing import parse_date, parse_sector, parse_stage, parse_text
    from crm.text.tables import render_projects

    if sector:
        s.use_sectors()
    stages = [st for name in stage_names for st in parse_stage(name)]
    rows = s.reader().projects(
        search=parse_text(search, "--search") if search else None, stages=stages or None,
        sector=parse_sector(sector) if sector else None, owner=owner,
        since=parse_date(since, "--since") if since else None, alerted=with_alerts)
    click.echo(render_projects(rows, fmt, s.lang))


@cli.command()
@read_options
@output_options
@click.pass_obj
def alerts(s: Settings, fmt: str) -> None:
    """The projects that need a call (预警), severe first, each with the rule that raised it:
    idle land (no 开工 a year after the land transfer; two years: severe), a commitment
    missed, capital behind its promise, no activity for the stage's stall days, a framework
    agreement unsigned. Thresholds are zone settings. Exit 0 whether or not there are any.

    \b
    Example:
      crm alerts
      crm alerts --as-of 2021-12-31 --format json
    """
    from crm.text.tables import render_alerts

    click.echo(render_alerts(s.reader().alerts(), fmt, s.lang))


@cli.command()
@click.argument("name", metavar="NAME")
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
    from crm.text.tables import render_project

    click.echo(render_project(s.reader().project(name), fmt, s.lang))


@cli.command()
@click.argument("name", metavar="NAME")
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
    from crm.text.tables import render_history

    click.echo(render_history(s.reader().history(name), fmt, s.lang))


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
    from crm.text.parsing import parse_sector, parse_stage

    if sector:
        s.use_sectors()
    from crm.text.tables import render_pipeline

    stages = [stage for name in stage_names for stage in parse_stage(name)]
    answer = s.reader().pipeline(stages=stages, sector=parse_sector(sector) if sector else None,
                                 owner=owner, totals_only=totals)
    click.echo(render_pipeline(answer["rows"], answer["totals"], answer["headline"],
                               answer["stages"], fmt, s.lang, totals_only=totals,
                               as_of=answer["as_of"]))


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
@click.argument("quarter", required=False, metavar="[QUARTER]")
@click.option("--year", metavar="YEAR", help="A whole year instead of a quarter.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default=None,
              help="table (default), json, csv, markdown, narrative, html or xlsx.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              callback=_out_folder,
              help="Write the report to this file (its extension picks the format).")
@click.pass_obj
def quarter(s: Settings, quarter: str | None, year: str | None, fmt: str | None,
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
    from crm.text.parsing import parse_quarter, parse_year

    if (quarter is None) == (year is None):
        raise click.UsageError(s.say("quarter_needed"))
    period = (parse_year(year), None) if year is not None else parse_quarter(quarter)
    if fmt is None:
        fmt = _BY_EXTENSION.get(os.path.splitext(out)[1].lower(), "table") if out else "table"
    _emit_report(s, period, fmt, out)


def _emit_report(s: Settings, period: tuple[int, int | None], fmt: str, out: str | None,
                 first_year: int | None = None) -> None:
    from crm.text.formats import render

    data, chart = s.reader().report(*period, chart=fmt == "html", first_year=first_year)
    _emit(s, render(data, fmt, s.lang, history=chart), out)


@report.command()
@read_options
@click.argument("quarter", required=False, metavar="[QUARTER]")
@click.option("--year", metavar="YEAR", help="A whole year instead of a quarter.")
@output_options
@click.pass_obj
def team(s: Settings, quarter: str | None, year: str | None, fmt: str) -> None:
    """The team's quarter: per member (a project's owner at the time, a visit's participant)
    the activities by kind, new contacts, projects owned by stage, signings and contracted
    investment, and alerts on the projects they own.

    \b
    Example:
      crm report team 2021Q3
      crm report team --year 2021 --format json
    """
    from crm.text.parsing import parse_quarter, parse_year
    from crm.text.tables import render_team

    if (quarter is None) == (year is None):
        raise click.UsageError(s.say("quarter_needed"))
    period = (parse_year(year), None) if year is not None else parse_quarter(quarter)
    click.echo(render_team(s.reader().team(*period), fmt, s.lang))


@report.command()
@read_options
@click.argument("span", metavar="YEARS")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default=None,
              help="table (default), json, csv, markdown, narrative, html or xlsx.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              callback=_out_folder,
              help="Write the report to this file (its extension picks the format).")
@click.pass_obj
def years(s: Settings, span: str, fmt: str | None, out: str | None) -> None:
    """Whole years summed (五年来): one cumulative block with the same keys as the quarter's
    report, against the span as long before it, and the paragraph a work report writes.

    \b
    Example:
      crm report years 2017-2021
      crm --lang zh report years 2017-2021 --format narrative
    """
    from crm.text.parsing import parse_years

    first, last = parse_years(span)
    if fmt is None:
        fmt = _BY_EXTENSION.get(os.path.splitext(out)[1].lower(), "table") if out else "table"
    _emit_report(s, (last, None), fmt, out, first_year=first)


def _emit(s: Settings, rendered: str | bytes, out: str | None) -> None:
    """Text or a workbook, to a file (`--out`) or standard output."""
    if out:
        mode = "wb" if isinstance(rendered, bytes) else "w"
        with open(out, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(rendered if isinstance(rendered, bytes) else rendered + "\n")
        click.echo(s.say("wrote", path=out), err=True)
    elif isinstance(rendered, bytes):
        if sys.stdout.isatty():  # a workbook goes to a file or down a pipe, never a terminal
            raise click.UsageError(s.say("xlsx_needs_out"))
        sys.stdout.buffer.write(rendered)
        sys.stdout.flush()
    else:
        click.echo(rendered)


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
    from crm.app.demo import LAST_QUARTER, fill

    fill(s.log())
    _emit_report(s, LAST_QUARTER, fmt, None)


@contextlib.contextmanager
def _progress(label: str) -> Any:
    """A running count on a terminal's stderr (None elsewhere): `update(n)` adds n."""
    if not sys.stderr.isatty():
        yield None
        return
    seen = [0]

    class Counter:
        @staticmethod
        def update(n: int) -> None:
            seen[0] += n
            click.echo(f"\r{label} {seen[0]:,}", err=True, nl=False)

    try:
        yield Counter
    finally:
        if seen[0]:
            click.echo(err=True)


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
    from crm.app.copying import copy_to
    from crm.store.config import describe

    with _progress(s.say("progress.copying")) as bar:
        done = copy_to(s.log(), target, s.user, on_open=_OPENED.append,
                       progress=bar.update if bar else None)
    same = done.source_head == done.target_head
    click.echo(s.say("copied", events=done.events, source=describe(s.store),
                     target=describe(target), head=done.target_head)
               + (s.say("copied_same_head") if same
                  else s.say("copied_other_head", head=done.source_head)))


@cli.command(name="import")
@click.argument("file", metavar="FILE")
@click.option("--check", is_flag=True,
              help="Say what every column is read as, the rows skipped and the problems; "
                   "write nothing.")
@click.option("--map", "pairs", multiple=True, metavar="HEADER=FIELD",
              help="Read a column as a field, e.g. --map 客户=investor.")
@click.option("--ignore", "ignored", multiple=True, metavar="HEADER",
              help="Leave a column out, e.g. --ignore 用地需求.")
@click.option("--unit", metavar="UNIT", help="The unit of amount columns that state none "
                                              "(万元, 亿元 or 元).")
@click.option("--sheet", metavar="NAME", help="Read only this sheet.")
@click.option("--dated", metavar="DATE",
              help="The date of figures the ledger gives without a date column.")
@click.option("--kind", "sheet_kind", type=click.Choice(["ledger", "visits"]),
              help="What the file holds, when its headers do not say.")
@click.option("--skip-conflicts", is_flag=True,
              help="Import the rest when some figures differ from the log (they are listed).")
@click.option("--apply-corrections", is_flag=True,
              help="Record the figures that differ from the log as corrections (with --reason).")
@click.option("--reason", metavar="TEXT", help="Why the corrections are applied.")
@_confirm_option
@click.pass_obj
def import_(s: Settings, file: str, check: bool, pairs: tuple[str, ...],
            ignored: tuple[str, ...], unit: str | None, sheet: str | None, dated: str | None,
            sheet_kind: str | None, skip_conflicts: bool, apply_corrections: bool,
            reason: str | None) -> int | None:
    """Bring a project ledger (招商项目台账) or a visit log in from Excel or CSV — next
    month's ledger too — or a whole log exported with `crm export --format jsonl` into an
    empty store.

    Every column is known before anything is written: each header is read as a field
    (项目名称, 投资方（企业名称）, 总投资（万元）, 协议投资, 签约日期, 已供地面积（亩）, 到位资金 …)
    with its unit (from the header, a merged header above, a 单位：万元 line, or --unit);
    a column that looks like a figure but matches no field is a problem until --map or
    --ignore settles it. Each ledger row becomes the events it implies; a project already in
    the log gets only its new progress; a figure that differs from the log is a conflict,
    listed with the `crm correct` command that applies it. Every bad row is reported as
    FILE[SHEET]:ROW and nothing is written.

    \b
    Example:
      crm import 招商项目台账2021.xlsx --check
      crm import 招商项目台账2021.xlsx
      crm import 台账.csv --unit 万元 --ignore 联系人
      crm import 7月台账.xlsx --apply-corrections --reason 台账更正
      crm --store new.sqlite import events.jsonl
    """
    from pathlib import Path

    path = Path(file)
    if not path.is_file():
        raise click.UsageError(s.say("no_such_file", file=file))
    if path.suffix.lower() == ".jsonl":
        from crm.app.log_files import import_events

        with _progress(s.say("progress.importing")) as bar:
            events, head = import_events(s.log(), path, progress=bar.update if bar else None)
        click.echo(s.say("imported_events", events=events, file=path.name, head=head))
        return None
    if skip_conflicts and apply_corrections:
        raise click.UsageError(s.say("import.not_both"))
    if apply_corrections and not (reason and reason.strip()):
        raise click.UsageError(s.say("import.needs_reason"))
    if reason and not apply_corrections:
        raise click.UsageError(s.say("import.reason_alone"))
    from crm.app import imports
    from crm.text import import_report, ledgers
    from crm.text.parsing import parse_date

    s.use_sectors()

    options = imports.Options(
        mapping=ledgers.parse_mapping(pairs), ignore=ignored,
        unit=ledgers.parse_unit(unit) if unit else None, sheet=sheet, kind=sheet_kind,
        dated=parse_date(dated, "--dated") if dated else None, check=check,
        skip_conflicts=skip_conflicts,
        apply_corrections=reason.strip() if apply_corrections and reason else None, lang=s.lang)
    with _progress(s.say("progress.importing")) as bar:
        done = imports.import_sheets(s.log(), path, options, user=s.user,
                                     baseline=s.reader().import_baseline(),
                                     progress=bar.update if bar else None)
    if check:
        for line in import_report.check_lines(done, s.lang):
            click.echo(line)
        if done.conflicts:
            click.echo(s.say("import.conflicts_found", count=len(done.conflicts)))
            for c in done.conflicts:
                click.echo(imports.conflict_line(c, s.lang))
        if done.problems:
            click.echo(s.say("import.problems_found", count=len(done.problems)))
            for line in done.problems:
                click.echo(line)
        click.echo(s.say("import.check_ok"))
        return 2 if done.problems else 1 if done.conflicts else 0
    for line in import_report.summary_lines(done, s.lang):
        click.echo(line)
    if done.corrected:
        click.echo(s.say("import.corrected", count=done.corrected, reason=options.apply_corrections))
    elif done.conflicts:
        click.echo(s.say("import.conflicts_skipped", count=len(done.conflicts)), err=True)
        for c in done.conflicts:
            click.echo(imports.conflict_line(c, s.lang), err=True)
    return None


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "xlsx"]), default=None,
              help="jsonl: every event; csv and xlsx: the projects as a ledger (and visits).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              callback=_out_folder,
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
            raise click.UsageError(s.say("export_format"))
    if fmt == "jsonl":
        from crm.app.log_files import export_events

        lines = export_events(s.log())
        if out:
            with open(out, "w", encoding="utf-8") as f:
                for line in lines:
                    f.write(line + "\n")
        else:
            for line in lines:
                click.echo(line)
        return
    from crm.text.ledger_export import ledger_file

    projects, visits = s.reader().ledger(with_visits=fmt == "xlsx")
    rendered = ledger_file(projects, visits, fmt, s.lang)
    if fmt == "csv" and out:  # with a BOM, so Chinese Excel opens it as UTF-8
        with open(out, "w", encoding="utf-8-sig", newline="") as f:
            f.write(str(rendered))
        click.echo(s.say("wrote", path=out), err=True)
        return
    if fmt == "csv":
        click.echo(str(rendered), nl=False)
        return
    _emit(s, rendered, out)


@cli.command()
@click.option("--roles", is_flag=True,
              help="On PostgreSQL: create the zone's roles (owner, recorder, auditor).")
@click.pass_obj
def init(s: Settings, roles: bool) -> None:
    """Create the store's tables (events, hash chain, read models) if they are missing.
    Every command also does this on first use; `init` checks a new shared database.

    \b
    Example:
      crm init
      crm --store postgresql://zhaoshang@db.example:5432/zone init
      crm --store postgresql://admin@db.example:5432/zone init --roles
    """
    from crm.store.config import describe

    click.echo(s.say("ready", store=describe(s.store), events=s.reader().ready()))
    if roles:
        from crm.domain.settings import ZONE_ID
        from crm.store.config import is_postgres

        if not is_postgres(s.store):
            raise click.UsageError(s.say("roles_postgres_only"))
        from crm.store.postgres import create_roles

        click.echo(s.say("roles_ready", roles=", ".join(create_roles(s.store, ZONE_ID))))


@cli.command()
@click.option("--head", "show_head", is_flag=True, help="Only print the log's head.")
@click.option("--extends", "published", metavar="HEAD",
              help="Also prove the log still holds this head (POSITION:HASH), unchanged.")
@click.option("--deep", is_flag=True,
              help="Also rebuild the read models in memory and name every stored row that "
                   "differs from them.")
@click.pass_obj
def verify(s: Settings, show_head: bool, published: str | None, deep: bool) -> None:
    """Prove the log intact: walk every stored row beside the hash chain. Exits 0 when
    intact, 1 naming the first position where an event was edited, deleted, inserted or
    moved, its id rewritten or its record time changed. Print the head (`--head`) with a
    report; `--extends` later proves the log still holds it, which catches a truncated log
    or one rewritten with every hash recomputed.

    \b
    Example:
      crm verify
      crm verify --head
      crm verify --extends 1234:9f2c…
      crm verify --deep
    """
    from crm.app.audit import verify_log
    from crm.text.parsing import parse_head

    log = s.log()
    if show_head:
        from crm.app.audit import current_head

        click.echo(current_head(log.recorder) or "")
        return
    result = verify_log(log, parse_head(published) if published is not None else None, deep=deep)
    if not result.intact:
        click.echo("crm: " + s.say("broken", position=result.bad_position,
                                   problem=s.say(f"problem.{result.problem}")), err=True)
        raise click.exceptions.Exit(1)
    click.echo(s.say("verified", events=result.events, head=result.head or s.say("empty_head"))
               + (s.say("verified_holds", head=published) if published else ""))
    from crm.app.audit import look_alike_names

    for first, second in look_alike_names(log):  # an older version let these in
        click.echo("crm: " + s.say("look_alike_warning", a=first, b=second), err=True)
    if deep:
        found = s.reader().deep_check()
        for table, key, what in found:
            click.echo("crm: " + s.say("read_model_differs", table=table,
                                       key=", ".join(map(str, key)), what=what), err=True)
        if found:
            click.echo("crm: " + s.say("read_models_differ", count=len(found)), err=True)
            raise click.exceptions.Exit(1)
        click.echo(s.say("read_models_agree"))


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
    from crm.text.tables import render_status

    click.echo(render_status(s.reader().status(), fmt, s.lang))


@projections.command()
@click.pass_obj
def rebuild(s: Settings) -> None:
    """Drop the read models and recreate them exactly from the log.

    \b
    Example:
      crm projections rebuild
    """
    with _progress(s.say("progress.rebuilding")) as bar:
        applied = s.reader().rebuild(progress=bar.update if bar else None)
    click.echo(s.say("rebuilt", events=applied))


# -- global options work after the command too: `crm report quarter 2021Q3 --lang zh` ------


def _set(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None and value is not False:
            setattr(ctx.find_object(Settings), attribute, value)
    return callback


def _accept_global_options(group: click.Group, options: list[click.Option]) -> None:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _accept_global_options(command, options)
            continue
        command.params += options


# One set of the hidden options, shared by every command: an option keeps nothing of a
# command line it parsed (that goes to the context), and the CLI starts faster.
_accept_global_options(cli, [
    click.Option(["--store"], hidden=True, expose_value=False, callback=_set("store")),
    click.Option(["--user"], hidden=True, expose_value=False, callback=_set("user")),
    click.Option(["--lang"], type=click.Choice(["en", "zh"]), hidden=True,
                 expose_value=False, callback=_set("lang")),
    click.Option(["--debug"], is_flag=True, hidden=True, expose_value=False,
                 callback=_set("debug")),
])


# -- the edge: one line per error, its exit code by type ------------------------------------


def _speak(lang: str, argv: list[str]) -> None:
    """Make the command speak `lang`: click's own words through the catalogue, and — when
    help will be printed — every command's and option's help and metavar."""
    from crm.text.i18n import use_language

    use_language(lang)
    if lang == "zh" or _TRANSLATED:  # usage lines and errors name arguments too
        from crm.text.i18n import tr

        def walk(command: click.Command) -> None:
            for owner, attribute in ((command, "help"), (command, "short_help"),
                                     (command, "epilog"),
                                     *((p, name) for p in command.params
                                       for name in ("help", "metavar"))):
                originals = _TRANSLATED.setdefault(id(owner), {})
                english = originals.setdefault(attribute, getattr(owner, attribute, None))
                if english:
                    text = inspect.cleandoc(english) if owner is command else english
                    setattr(owner, attribute, tr(text, lang, "help") if lang == "zh" else english)
            for owner, attribute in ((command, "options_metavar"),
                                     *(((command, "subcommand_metavar"),)
                                       if isinstance(command, click.Group) else ())):
                originals = _TRANSLATED.setdefault(id(owner), {})
                english = originals.setdefault(attribute, getattr(owner, attribute))
                setattr(owner, attribute, tr(english, lang, "help") if lang == "zh" else english)
            for param in command.params:
                if isinstance(param, click.Option) and not param.is_flag and \
                        _TRANSLATED[id(param)]["metavar"] is None and \
                        not isinstance(param.type, click.Choice):
                    param.metavar = tr(param.type.name.upper(), lang, "help") \
                        if lang == "zh" else None
            if isinstance(command, click.Group):
                for sub in command.commands.values():
                    walk(sub)

        import inspect

        walk(cli)


#: The English help texts of commands and options translated for this process, by object.
_TRANSLATED: dict[int, dict[str, Any]] = {}


def _early_lang(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return _default_lang()


def exit_code(error: Exception) -> int:
    """1 when a rule of the log refused the command; 2 when the input, usage or store was
    wrong."""
    from crm.domain.errors import InputError, RuleViolation
    from crm.store.errors import StoreFailed, StoreUnavailable

    if isinstance(error, RuleViolation):
        return 1
    if isinstance(error, (InputError, StoreUnavailable, StoreFailed)):
        return 2
    return 1


def _fail(message: str, code: int) -> int:
    """One line on stderr, whatever a value in it holds: a control or invisible character
    (a URL typed with an ESC or a record separator in it, say) is escaped, never sent raw."""
    if not message.isprintable():
        from crm.text.tables import shown

        message = shown(message, line_break="\\n")
    click.echo(f"crm: {message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the process's own command line, or `argv` for a caller that goes on afterwards
    (tests, scripts)."""
    if gc.isenabled():
        _start_up()
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        if _COLLECTOR == ["paused"]:  # the command opened no store
            gc.enable()
        elif _COLLECTOR and argv is not None:  # the caller goes on: all may be collected again
            gc.unfreeze()
        _COLLECTOR.clear()


def _main(argv: list[str]) -> int:
    lang = _early_lang(argv)
    _speak(lang, argv)
    for arg in argv:  # bytes the terminal's encoding could not decode (GBK on a UTF-8 system)
        if any("\udc80" <= c <= "\udcff" for c in arg):
            from crm.text.messages import say

            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return _fail(say("argv_not_utf8", lang, value=shown), 2)
    debug = "--debug" in argv or bool(os.environ.get("CRM_DEBUG"))
    from eventsourcing.persistence import PersistenceError

    from crm.domain.errors import CrmError
    from crm.text.messages import error_message, say

    try:
        result = cli.main(args=argv, prog_name="crm", standalone_mode=False)
    except click.exceptions.UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError" and e.ctx is not None:
            click.echo(e.ctx.get_help())  # `crm` or `crm report` alone: the help, no error
            return 0
        where = say("see_help", lang, command=e.ctx.command_path) if e.ctx is not None else ""
        return _fail(e.format_message().replace("\n", " ") + where, 2)
    except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C: what was under way was
        return _fail(say("interrupted", lang), 130)  # rolled back, as if never begun
    except CrmError as e:
        if "lines" in e.params:  # an import: one line a bad row, as FILE:ROW: message
            for line in e.params["lines"]:
                click.echo(line, err=True)
            return _fail(say(e.params["summary"], lang, count=e.params["count"],
                             file=e.params["file"]), exit_code(e))
        return _fail(error_message(e, lang), exit_code(e))
    except click.ClickException as e:
        return _fail(e.format_message(), e.exit_code)
    except PersistenceError as e:  # the store could not do it: one plain line, no SQL
        if debug:
            raise
        from crm.store.errors import failure

        return _fail(error_message(failure(e), lang), 2)
    except OSError as e:  # a file named on the command line could not be written or read
        if debug or not e.filename:
            raise
        return _fail(say("os_error", lang, path=e.filename, reason=e.strerror or type(e).__name__),
                     2)
    except ModuleNotFoundError as e:
        if debug:
            raise
        if (e.name or "").split(".")[0] in ("psycopg", "psycopg_pool"):
            return _fail(say("postgres_extra", lang), 2)
        return _fail(_unexpected(e, lang), 1)
    except Exception as e:  # noqa: BLE001 - the edge: anything else is a bug
        if debug:
            raise
        return _fail(_unexpected(e, lang), 1)
    finally:
        _close_opened()
        parsing = sys.modules.get("crm.text.parsing")
        if parsing is not None:  # the zone's sectors were this command's only
            parsing.ZONE_SECTORS.set(None)
    return result if isinstance(result, int) else 0


def _close_opened() -> None:
    while _OPENED:
        with contextlib.suppress(Exception):
            _OPENED.pop()()


def _unexpected(e: Exception, lang: str) -> str:
    from crm.text.messages import say

    return say("unexpected", lang, kind=type(e).__name__, detail=e)


if __name__ == "__main__":
    sys.exit(main())
