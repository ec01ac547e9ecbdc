"""Reads the spreadsheets a zone's investment office keeps — project ledgers (招商项目台账) and
visit logs, as CSV or .xlsx — into typed tables, reporting every header, cell and row it cannot
read exactly instead of guessing.

How a sheet is read, top to bottom:

* the file: a CSV in UTF-8 (with or without BOM) or GB18030/GBK, or an .xlsx whose sheets
  are streamed from their XML by `crm.text.xlsx_reader` — the values openpyxl's read-only mode
  gives (formulas as the values Excel or WPS last calculated — one never calculated is a
  problem, not an empty cell; merged cells read from the workbook's XML). What the file holds
  decides, not its name; one that is neither raises a `NotALedger` error saying how to save it;
* the header: within the first 15 rows, on one line or two (a merged group title over its
  columns: 协议投资 over 金额（万元） and 签约日期; under header cells merged down, the next
  row is the second line whatever its words, so 到位资金 over 本年 and 累计 names 本年 as a
  column to settle, not a row of data). Above it: a title, 填报 lines, a `单位：万元` line and
  a report date (填报日期：2021年6月30日) — never taken for a group title, even right above
  the header; a 填报日期 in a footer dates the table when none is above it;
* the columns: each header, normalised, is looked up in `_LEDGER_HEADERS` or `_VISIT_HEADERS`.
  Columns that only look alike are set aside by name (用地需求 is not 供地面积, 注册资本 is not
  到位资金, 预计签约时间 is not 签约日期); an unknown column that looks like money, a date, an
  area or a flag is a problem naming `--map` and `--ignore`, never dropped silently;
* amounts: each amount column's unit comes from its header, a merged group header above it,
  a `单位` line above the table, or `--unit`, in that order; none of them is a problem, never
  yuan by default. A cell's own unit (3.5亿 in a 万元 column) wins. Areas are in 亩; a column
  in 平方米 or 公顷 is converted (1亩 = 2000/3 m²) where the result is exact to 0.0001亩;
* the rows: titles, sections, totals, notes and blank rows are skipped and counted; every
  other cell is typed by its column's converter (built once per column), and every cell that
  cannot be read exactly (约2亿, 2-3亿, 3月5日, 3000万美元) is a problem naming the file, sheet,
  row (as Excel numbers it) and column. Rows with a problem are not in `Table.rows`.

Header synonyms (compared after NFKC, case-folded, without spaces, punctuation, line breaks
or units; a bracketed remark such as 投资方（企业名称） is also tried without it):

=================  ===========================================================================
field              headers
=================  ===========================================================================
name               项目名称 项目 项目全称 项目名 Project (name)
investor           投资方 投资主体 投资企业 投资单位 投资商 企业名称 企业 客商 客商名称 签约主体
                   签约企业 Investor Company
sector             产业 产业类别 产业类型 产业分类 产业方向 所属产业 行业 行业类别 所属行业
                   Sector Industry
planned            计划投资(额) 总投资 计划总投资 项目总投资 投资总额 预计(总)投资 拟投资 投资规模
                   Planned (investment) Total investment
framework_amount   框架协议投资(额) 框架协议金额 框架投资 Framework (investment)
framework_date     框架协议日期 框架协议时间 框架协议签订日期/时间 Framework date/agreed on
contracted         协议投资(额) 协议总投资(额) 签约金额 签约投资(额) 合同金额 合同投资(额)
                   Contracted (investment), Contract(ed) amount
signed_date        签约日期 签约时间 正式签约日期/时间 合同签订日期/时间 Signed on, Signing date
land_mu            供地面积 已供地面积 实际供地(面积) 供地 出让面积 出让土地面积 已出让土地(面积)
                   Land transferred, Land (mu)
land_date          供地日期/时间 土地出让日期/时间 出让日期/时间 摘牌日期/时间 Land date
capital            到位资金 实际到位资金 累计到位资金 资金到位 到位金额 实际到位
                   Capital arrived/in place
capital_date       到位日期/时间 资金到位日期/时间 Capital date, Capital arrived on
relocation         搬迁 是否搬迁 是否搬迁项目 是否为搬迁项目 搬迁项目 Relocation
owner              负责人 责任人 跟踪人 跟踪负责人 招商人员 招商责任人 项目负责人 Owner
channel            渠道 来源渠道 招商渠道 信息来源 项目来源 引荐渠道 Channel, Source
region             来源地 来源地区 地区 投资方所在地 投资方来源地 客商来源地 Region, Origin
note               备注 说明 项目进展(情况) 进展情况 推进情况 Note(s), Remarks
dropped_on         终止日期 终止时间 Dropped on
drop_reason        终止原因 Drop reason
contact_date       接洽日期/时间 首次接洽日期/时间 对接日期/时间 首次对接日期/时间 Contact date,
                   Contacted on, First contact
=================  ===========================================================================

A visit log: date 日期 活动日期/时间 走访日期/时间 接待日期/时间 时间 Date; kind 类型 活动类型
方式 活动方式 形式 活动形式 招商方式 Kind Type; projects 项目 项目名称 对接项目 涉及项目 洽谈项目
Project(s); participants 参加人员 参与人员 参加人 人员 带队领导 带队 With, Participants;
note 备注 内容 事由 活动内容 主要内容 洽谈内容 Note(s). Its projects cell may name several,
split on 、，,；;/ outside brackets (智能装备（一期、二期） is one name).

Choices made where a header is ambiguous: 联系人 (usually the investor's contact, not the
zone's owner), 对接人, 所在地 (where the project is built, not where the investor comes from),
投资额, 签订日期, 用地面积 and 土地面积 are not read: the textual ones are listed as unknown,
the ones that look like figures are problems until `--map` or `--ignore` settles them. Two
note columns (备注 and 项目进展) are joined with "；", two participant columns (带队领导 and
参加人员) with "、"; any other field named twice is a problem.

Look-alikes, set aside with a reason code in `Column.ignored`: 用地需求/拟用地/需用地/意向用地/
用地规模/规划用地 ("land_asked"), 注册资本/注册资金 ("registered_capital"), 预计/计划/拟 with a
date or a milestone — 预计签约时间, 计划开工, 预计投产 — ("expected_date"), 开工时间/开工日期
("start_date") and 投产时间/投产日期 ("production_date", both also a problem: not importable
yet), 序号/编号/No. ("serial").
"""
from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm.domain.errors import CrmError
from crm.domain.values import VISIT_KINDS, WAN, YI
from crm.text.errors import (
    ApproximateValue,
    DateWithoutYear,
    DuplicateColumn,
    InvalidValue,
    LegacyWorkbook,
    MissingValue,
    NoSuchSheet,
    NotAWorkbook,
    NotImportedYet,
    NoUnit,
    OtherCurrency,
    SavedAsWebPage,
    SharedCell,
    UncalculatedFormula,
    UnknownColumn,
    UnknownFileType,
    UnreadableText,
    Utf16Text,
    VagueDate,
    ValueRange,
)
from crm.text.messages import error_message, label
from crm.text.parsing import (
    AMOUNT_EXPECTED,
    AREA_EXPECTED,
    DATE_EXPECTED,
    MAX_AMOUNT,
    VISIT_KIND_ALIASES,
    multiline,
    parse_amount,
    parse_area,
    parse_name,
    parse_sector,
    parse_text,
    parse_visit_kind,
)
from crm.text.tables import revived  # a text cell the tool wrote behind a ' (`inert`)

if TYPE_CHECKING:
    from crm.text.xlsx_reader import Workbook

LEDGER, VISITS = "ledger", "visits"

#: Every field a sheet may hold, and the kind of value it is.
FIELDS: dict[str, str] = {
    # a project ledger
    "name": "name", "investor": "text", "sector": "sector", "planned": "amount",
    "contact_date": "date", "framework_amount": "amount", "framework_date": "date",
    "contracted": "amount", "signed_date": "date", "land_mu": "area", "land_date": "date",
    "capital": "amount", "capital_date": "date", "started_date": "date",
    "produced_date": "date", "relocation": "flag", "owner": "text",
    "channel": "text", "region": "text", "note": "text", "dropped_on": "date",
    "drop_reason": "text",
    # a visit log
    "date": "date", "kind": "kind", "projects": "names", "participants": "text",
}

_LEDGER_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("项目名称", "项目", "项目全称", "项目名", "project", "projectname", "name"),
    "investor": ("投资方", "投资主体", "投资企业", "投资单位", "投资商", "企业名称", "企业", "客商",
                 "客商名称", "签约主体", "签约企业", "investor", "company"),
    "sector": ("产业", "产业类别", "产业类型", "产业分类", "产业方向", "所属产业", "行业", "行业类别",
               "所属行业", "sector", "industry"),
    "planned": ("计划投资", "计划投资额", "总投资", "计划总投资", "项目总投资", "投资总额", "预计投资",
                "预计总投资", "拟投资", "投资规模", "planned", "plannedinvestment", "totalinvestment"),
    "framework_amount": ("框架协议投资", "框架协议投资额", "框架协议金额", "框架投资", "framework",
                         "frameworkinvestment"),
    "framework_date": ("框架协议日期", "框架协议时间", "框架协议签订日期", "框架协议签订时间",
                       "frameworkdate", "frameworkagreedon"),
    "contracted": ("协议投资", "协议投资额", "协议总投资", "协议总投资额", "签约金额", "签约投资",
                   "签约投资额", "合同金额", "合同投资", "合同投资额", "contracted",
                   "contractedinvestment", "contractamount", "contractedamount"),
    "signed_date": ("签约日期", "签约时间", "正式签约日期", "正式签约时间", "合同签订日期",
                    "合同签订时间", "signedon", "signingdate", "signeddate", "dateofsigning"),
    "land_mu": ("供地面积", "已供地面积", "实际供地", "实际供地面积", "供地", "出让面积", "出让土地面积",
                "已出让土地", "已出让土地面积", "landtransferred", "land", "landmu"),
    "land_date": ("供地日期", "供地时间", "土地出让日期", "土地出让时间", "出让日期", "出让时间",
                  "摘牌日期", "摘牌时间", "landdate", "landtransferredon"),
    "capital": ("到位资金", "实际到位资金", "累计到位资金", "资金到位", "到位金额", "实际到位",
                "capital", "capitalarrived", "capitalinplace"),
    "capital_date": ("到位日期", "到位时间", "资金到位日期", "资金到位时间", "capitaldate",
                     "capitalarrivedon"),
    "relocation": ("搬迁", "是否搬迁", "是否搬迁项目", "是否为搬迁项目", "搬迁项目", "relocation",
                   "relocated"),
    "owner": ("负责人", "责任人", "跟踪人", "跟踪负责人", "招商人员", "招商责任人", "项目负责人", "owner"),
    "channel": ("渠道", "来源渠道", "招商渠道", "信息来源", "项目来源", "引荐渠道", "channel", "source"),
    "region": ("来源地", "来源地区", "地区", "投资方所在地", "投资方来源地", "客商来源地", "region",
               "origin"),
    "note": ("备注", "说明", "项目进展", "项目进展情况", "进展情况", "推进情况", "note", "notes",
             "remarks", "remark"),
    "dropped_on": ("终止日期", "终止时间", "droppedon", "dropdate"),
    "drop_reason": ("终止原因", "dropreason"),
    "started_date": ("开工日期", "开工时间", "实际开工日期", "实际开工时间", "开工", "startedon",
                     "constructionstarted", "constructionstartedon", "startdate"),
    "produced_date": ("投产日期", "投产时间", "实际投产日期", "实际投产时间", "投产", "producingsince",
                      "productionstarted", "productionstartedon", "productiondate"),
    "contact_date": ("接洽日期", "接洽时间", "首次接洽日期", "首次接洽时间", "对接日期", "对接时间",
                     "首次对接日期", "首次对接时间", "contactdate", "contactedon", "firstcontact"),
}
_VISIT_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "活动日期", "活动时间", "走访日期", "走访时间", "接待日期", "接待时间", "时间",
             "date"),
    "kind": ("类型", "活动类型", "方式", "活动方式", "形式", "活动形式", "招商方式", "kind", "type"),
    "projects": ("项目", "项目名称", "对接项目", "涉及项目", "洽谈项目", "projects", "project"),
    "participants": ("参加人员", "参与人员", "参加人", "人员", "带队领导", "带队", "with",
                     "participants"),
    "note": ("备注", "内容", "事由", "活动内容", "主要内容", "洽谈内容", "note", "notes"),
}
#: Fields several columns may feed, and what joins their texts.
_JOINED = {"note": "；", "participants": "、"}
#: An amount and the date it goes with, to read a generic sub-header (金额, 日期) by its group.
_PARTNER = {"contracted": "signed_date", "framework_amount": "framework_date",
            "land_mu": "land_date", "capital": "capital_date"}
_PARTNER.update({v: k for k, v in _PARTNER.items()})
#: Second-line headers that say only what kind of value stands under a group title.
_GENERIC = {"金额": "amount", "投资额": "amount", "投资": "amount", "额": "amount", "数额": "amount",
            "资金": "amount", "amount": "amount", "investment": "amount", "日期": "date",
            "时间": "date", "date": "date", "on": "date", "面积": "area", "area": "area"}
_SUB_WORDS = {"计划", "协议", "框架", "框架协议", "签约", "合同", "到位", "实际", "累计", "供地",
              "出让", "接洽", "首次接洽", "对接", "终止", "planned", "contracted", "arrived",
              "contact", "contacted", "signed", "framework", "land", "capital", "dropped",
              # under a running total: this period's figure beside the cumulative one
              "本年", "本年度", "当年", "本月", "当月", "本期", "本季度", "thisyear", "thismonth",
              "cumulative"}

# -- the data classes --------------------------------------------------------------------------


@dataclass
class Column:
    """A header column. `ignored` says why it is not read: "--ignore"; a look-alike
    ("land_asked", "registered_capital", "expected_date", "start_date", "production_date");
    "serial"; "unknown" (no field: a problem too when it looks like figures); "duplicate"
    (a second column for the same field: a problem)."""

    index: int  # 0-based column index in the sheet
    letter: str  # Excel's column letter ("A", "AB")
    header: str  # as the file shows it; a group header first ("协议投资 金额（万元）")
    field: str | None  # the field it is read as, or None
    unit: Decimal | None  # amounts: multiplier to yuan; areas: to 亩 (1 unless stated); else None
    unit_from: str | None  # "header", "group header", "unit line", "--unit"
    ignored: str | None  # why it is not read: "--ignore", a look-alike code, "unknown", ...


@dataclass
class Row:
    number: int  # as Excel shows it; CSV: the line the record starts on
    values: dict[str, Any]  # typed values; an empty or placeholder cell is absent


@dataclass
class Problem:
    where: str  # FILE:ROW, FILE[SHEET]:ROW, or FILE / FILE[SHEET] for a column
    error: CrmError

    def text(self, lang: str = "en") -> str:
        return f"{self.where}: {error_message(self.error, lang)}"


@dataclass
class Table:
    file: str
    sheet: str | None
    where: str  # FILE for CSV, FILE[SHEET] for xlsx
    kind: str  # LEDGER or VISITS
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason code)
    problems: list[Problem] = field(default_factory=list)
    report_date: date | None = None


@dataclass
class Reading:
    file: str
    tables: list[Table] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    other_sheets: list[str] = field(default_factory=list)


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`--map 表头=field` pairs as {header: field}."""
    mapping = {}
    for pair in pairs:
        header, _, name = pair.rpartition("=")
        header, name = unicodedata.normalize("NFKC", header).strip(), name.strip()
        if not header or name not in FIELDS:
            raise InvalidValue(option="--map", value=pair,
                               expected="HEADER=FIELD, FIELD one of " + ", ".join(FIELDS))
        mapping[header] = name
    return mapping


def parse_unit(text: str) -> Decimal:
    """`--unit 万元` (亿元, 元, 10k yuan …) as the multiplier to yuan."""
    unit = _amount_unit(text) if not _currency(text) else None
    if unit is None:
        raise InvalidValue(option="--unit", value=text, expected="万元, 亿元 or 元")
    return unit


def read(path: Path, *, mapping: dict[str, str] | None = None, ignore: Iterable[str] = (),
         unit: Decimal | None = None, sheet: str | None = None, kind: str | None = None) -> Reading:
    """Every ledger and visit log in a CSV or .xlsx file, each cell typed, each problem listed."""
    path = Path(path)
    if kind not in (None, LEDGER, VISITS):
        raise InvalidValue(option="--kind", value=str(kind), expected=f"{LEDGER} or {VISITS}")
    if unit is not None and not (isinstance(unit, Decimal) and unit > 0):
        raise InvalidValue(option="--unit", value=str(unit), expected="万元, 亿元 or 元")
    options = _Options(
        mapping={_key(header): name for header, name in (mapping or {}).items()},
        ignore={_key(header) for header in ignore}, unit=unit, kind=kind)
    grids, hidden = _load(path, sheet)
    reading = Reading(file=path.name, hidden=hidden)
    for grid in grids:
        table = _read_table(path.name, grid, options)
        if table is None:
            reading.other_sheets.append(grid.title or path.name)
        else:
            reading.tables.append(table)
    return reading


@dataclass
class _Options:
    mapping: dict[str, str]  # header key -> field
    ignore: set[str]  # header keys
    unit: Decimal | None
    kind: str | None


_Range = tuple[int, int, int, int]  # a merged range: top, left, bottom, right (1-based)
_Cell = tuple[int, int]  # row number, column index


@dataclass
class _Grid:
    """One sheet's cells as read, before any header is looked for."""

    title: str | None  # None for a CSV
    rows: list[tuple[int, Sequence[Any]]]  # (row number as shown, cells)
    merges: list[_Range] = field(default_factory=list)
    epoch: date = date(1899, 12, 30)  # day 0 of the workbook's date serials
    uncalculated: set[_Cell] = field(default_factory=set)  # formulas never calculated


# -- opening files -------------------------------------------------------------------------------

_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WEB_PAGE = re.compile(rb"<(?:!doctype|html|table|\?xml|meta|head|body)|mime-version:", re.IGNORECASE)


def _load(path: Path, sheet: str | None) -> tuple[list[_Grid], list[str]]:
    """A file's sheets, chosen by `sheet`, and the names of its hidden ones."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm", ".xls", ".et"):
        raise UnknownFileType(file=path.name, suffix=suffix or "(no extension)")
    if suffix == ".csv":
        if sheet is not None:
            raise NoSuchSheet(file=path.name, sheet=sheet, sheets="—")
        return [_Grid(None, _csv_rows(path))], []
    with path.open("rb") as f:
        start = f.read(1024)
    # What the file holds decides, not its name: a WPS or OA "export to Excel" is often a
    # web page named .xls, and a renamed .xlsx is still a workbook.
    if start.startswith(_OLE):
        raise LegacyWorkbook(file=path.name)
    if not start.startswith(_ZIP):
        if _WEB_PAGE.search(start.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]):
            raise SavedAsWebPage(file=path.name)
        raise NotAWorkbook(file=path.name)
    return _xlsx_grids(path, sheet)


def _csv_rows(path: Path) -> list[tuple[int, Sequence[Any]]]:
    """Each record with the line it starts on: a quoted cell may span several lines."""
    text = _decode(path.read_bytes(), path.name)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, Sequence[Any]]] = []
    start = 1
    try:
        for record in reader:
            rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error:
        raise UnreadableText(file=path.name) from None
    return rows


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM or not), else GB18030 — a superset of GBK and GB2312, what Excel and WPS
    on a Chinese Windows save as "CSV"."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise Utf16Text(file=name, encoding="UTF-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Utf16Text(file=name, encoding="UTF-16")
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM has a zero in every other byte of ASCII text.
        if head.count(b"\x00") * 3 >= len(head):
            raise Utf16Text(file=name, encoding="UTF-16")
        raise UnreadableText(file=name)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableText(file=name)


def _xlsx_grids(path: Path, chosen: str | None) -> tuple[list[_Grid], list[str]]:
    """A workbook's sheets: formulas as the values Excel or WPS last calculated."""
    from crm.text import xlsx_reader  # with openpyxl's number formats: not for a CSV

    # From an open file, not a path: what it holds decides, not its name (a renamed .xls).
    with path.open("rb") as stream:
        try:
            archive = zipfile.ZipFile(stream)
            book = xlsx_reader.Workbook(archive)
        except Exception:  # noqa: BLE001 - whatever it trips on, it cannot read the workbook
            raise NotAWorkbook(file=path.name) from None
        with archive:
            return _worksheets(book, path.name, chosen)


def _worksheets(book: Workbook, name: str, chosen: str | None
                ) -> tuple[list[_Grid], list[str]]:
    """The sheets to read — the one chosen, or every visible one — and the hidden ones' names."""
    sheets = book.sheets
    hidden = [s.title for s in sheets if s.state in ("hidden", "veryHidden")]
    if chosen is not None:
        wanted = _same_title(chosen)
        sheets = [s for s in sheets if _same_title(s.title) == wanted]
        if not sheets:
            raise NoSuchSheet(file=name, sheet=chosen, sheets=", ".join(s.title for s in book.sheets))
        hidden = []  # the sheet asked for is read, hidden or not; the others are not asked
        # for, which is no news
    else:
        sheets = [s for s in sheets if s.title not in hidden]
    epoch = book.epoch.date()
    grids = []
    for sheet in sheets:
        try:
            # Every row, whatever the file's own <dimension> says (some exporters write A1).
            xml = book.archive.read(sheet.part)
            rows = list(enumerate(book.rows(sheet, xml), start=1))
            merges, uncalculated = _sheet_parts(xml)
        except Exception:  # noqa: BLE001 - a part that does not parse: not a workbook we can read
            raise NotAWorkbook(file=name) from None
        grids.append(_Grid(sheet.title, rows, merges, epoch, uncalculated))
    return grids, hidden


def _same_title(title: str) -> str:
    return unicodedata.normalize("NFKC", title).strip().casefold()


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
_UNCALCULATED = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)'
                           rb'\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


def _sheet_parts(xml: bytes) -> tuple[list[_Range], set[_Cell]]:
    """A sheet's merged ranges as (top, left, bottom, right), and the cells holding a formula
    with no value beside it (written by a program, never calculated by Excel or WPS), which
    read as empty."""
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    ranges = []
    for first, last in _MERGE.findall(xml) if b"<mergeCell" in xml else ():
        left, top, right, bottom = range_boundaries(f"{first.decode()}:{last.decode()}")
        ranges.append((top, left, bottom, right))
    # Most sheets hold no formula at all: then there is no cell to look through for one.
    uncalculated = {(int(row), column_index_from_string(letters.decode()) - 1)
                    for letters, row in (_UNCALCULATED.findall(xml) if b"<f" in xml else ())}
    return ranges, uncalculated


# -- headers -------------------------------------------------------------------------------------

_UNIT_WORD = (r"万|亿|元|亩|平方米|平米|㎡|m2|公顷|人民币|rmb|cny|yuan|10k|100m|million|\bmu\b|sqm|"
              r"hectare|usd|美元|单位|unit")
_HAS_UNIT = re.compile(_UNIT_WORD)
_BRACKETED = re.compile(r"[(\[【〔{]([^)\]】〕}]*)[)\]】〕}]")
_BARE_UNITS = re.compile(r"万元|亿元|人民币|平方米|(?<![a-z])(?:yuan|rmb|cny)(?![a-z])")
_NON_WORD = re.compile(r"[\W_]+")


def _normal(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).lower()


def _key(text: Any) -> str:
    """A header as compared: NFKC, case-folded, its units and punctuation and spaces gone."""
    t = _BRACKETED.sub(lambda m: "" if _HAS_UNIT.search(m.group(1)) else m.group(0), _normal(text))
    return _NON_WORD.sub("", _BARE_UNITS.sub("", t))


def _keys(text: Any) -> list[str]:
    """The header's key, then the key without any bracketed remark (投资方（企业名称）)."""
    full = _key(text)
    bare = _NON_WORD.sub("", _BARE_UNITS.sub("", _BRACKETED.sub("", _normal(text))))
    return [full] if bare in (full, "") else [full, bare]


def _table(headers: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found = {_key(name): name for name in headers}  # our own export's headers
    found.update({_key(alias): name for name, aliases in headers.items() for alias in aliases})
    return found


_BY_KIND = {LEDGER: _table(_LEDGER_HEADERS), VISITS: _table(_VISIT_HEADERS)}
_KNOWN_KEYS = set(_BY_KIND[LEDGER]) | set(_BY_KIND[VISITS]) | set(_GENERIC) | _SUB_WORDS

_LOOK_ALIKES = (
    ("land_asked", re.compile(r"用地需求|需求用地|拟用地|需用地|拟供地|意向用地|用地意向|用地规模|规划用地|"
                              r"landasked|landrequested|landrequired|landdemand")),
    ("registered_capital", re.compile(r"注册资本|注册资金|registeredcapital")),
    ("expected_date", re.compile(r"(?:预计|计划|拟|预期|力争|expected|planned)\w*"
                                 r"(?:签约|开工|投产|竣工|落地|达产|日期|时间|date|start|production)"
                                 r"|(?:签约|开工|投产|日期|时间)\w*(?:预计|计划|预期)")),
    ("serial", re.compile(r"(?:项目)?(?:序号|编号)|序|no|number|sn")),
)
#: Look-alikes that are not imported yet although the ledger records them: a problem.
_NOT_YET: set[str] = set()
_MONEY = re.compile(r"万元|亿元|元|金额|投资|资金|资本|yuan|rmb|cny|amount|investment|capital|"
                    r"usd|美元")
_DATE = re.compile(r"日期|时间|date")
_AREA = re.compile(r"亩|面积|用地|平方米|㎡|\barea\b|\bmu\b")
_FLAG = re.compile(r"^\s*是否|^\s*is\s|yes/no|y/n|\?\s*$")


def _look_alike(display: str) -> str | None:
    for key in _keys(display):
        for code, pattern in _LOOK_ALIKES:
            if code == "serial":
                if pattern.fullmatch(key) or display.strip() in ("#", "№"):
                    return code
            elif pattern.search(key):
                return code
    return None


def _looks_like_figures(display: str) -> bool:
    """Whether an unknown column may hold what a ledger counts: money, dates, areas, flags."""
    text = _normal(display)
    return any(p.search(text) for p in (_MONEY, _DATE, _AREA, _FLAG))


def _field_of(group: str | None, sub: str, table: dict[str, str]) -> str | None:
    """The field a header names, its group title above it read in: 协议投资 + 金额, 供地 + 面积,
    and 到位资金 over a bare 日期 is capital_date."""
    display = f"{group} {sub}" if group else sub
    if _look_alike(display) not in (None, "serial"):
        return None  # 签约时间（预计） is not 签约时间
    texts = [group + sub, sub + group, sub] if group else [sub]
    for text in texts:
        for key in _keys(text):
            if key in table:
                return table[key]
    if group:
        wanted = _GENERIC.get(_key(sub))
        outer = next((table[k] for k in _keys(group) if k in table), None)
        if wanted and outer:
            if FIELDS[outer] == wanted:
                return outer
            partner = _PARTNER.get(outer)
            if partner and FIELDS[partner] == wanted:
                return partner
    return None


_FOREIGN = (
    (re.compile(r"港元|港币|hkd|hk\$"), "港元 (HKD)"), (re.compile(r"新台币|twd|nt\$"), "新台币 (TWD)"),
    (re.compile(r"美元|美金|usd|us\$|\$"), "美元 (USD)"), (re.compile(r"欧元|eur|€"), "欧元 (EUR)"),
    (re.compile(r"日元|jpy|円"), "日元 (JPY)"), (re.compile(r"英镑|gbp|£"), "英镑 (GBP)"),
)
_HEADER_UNITS = (
    (re.compile(r"亿|100m|hundredmillion"), YI),
    (re.compile(r"万|10k|10000|tenthousand"), WAN),
    (re.compile(r"billion"), Decimal(10) ** 9),
    (re.compile(r"million"), Decimal(10) ** 6),
    (re.compile(r"元|yuan|rmb|cny|¥"), Decimal(1)),
)
_AREA_UNITS = ((re.compile(r"平方米|平米|㎡|m2|sqm|squaremet"), Decimal("0.0015")),  # 1亩 = 2000/3 m²
               (re.compile(r"公顷|hectare"), Decimal(15)), (re.compile(r"亩|\bmu\b"), Decimal(1)))


def _currency(text: Any) -> str | None:
    t = _normal(text)
    return next((name for pattern, name in _FOREIGN if pattern.search(t)), None)


def _amount_unit(text: str | None) -> Decimal | None:
    if not text:
        return None
    t = re.sub(r"[\s,]", "", _normal(text))
    return next((unit for pattern, unit in _HEADER_UNITS if pattern.search(t)), None)


def _area_unit(text: str | None) -> Decimal | None:
    if not text:
        return None
    t = _normal(text)
    return next((unit for pattern, unit in _AREA_UNITS if pattern.search(t)), None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _display(value: Any) -> str:
    """A header cell as shown: the lines of a multi-line cell (Alt+Enter) joined by spaces."""
    return " ".join(line.strip() for line in str(value).splitlines() if line.strip())


def _header_word(value: Any) -> bool:
    """Whether a cell could be the second line of a header rather than the first data row."""
    if not isinstance(value, str) or len(value.strip()) > 40:
        return False
    if re.search(r"\d[年月日./-]\d|^\s*[\d,.]+\s*$", value):
        return False  # a date or a number: data
    squeezed = _squeezed(value)
    if _key(value) in _SUB_WORDS:
        return True  # 签约 under 日期: a header word, though a section could say it too
    if any(p.match(squeezed) for p in (_NUMBERED, _TOTAL, _FOOTER, _FILLED_BY, _SECTION_WORDS)):
        return False  # the first row under the header: a section, a total, a note
    keys = _keys(value)
    return (any(k in _KNOWN_KEYS for k in keys) or keys == [""] or _look_alike(value) is not None
            or _looks_like_figures(value))


@dataclass
class _Head:
    index: int
    group: str | None  # the group title over it, as shown
    sub: str  # its own header, as shown

    @property
    def display(self) -> str:
        return f"{self.group} {self.sub}" if self.group else self.sub

    @property
    def mentions(self) -> set[str]:
        """The keys `--map` and `--ignore` may name it by: all of it, or its own line."""
        return {_key(self.display), _key(self.sub), *_keys(self.display)}


@dataclass
class _Header:
    first: int  # index into the grid's rows of its first line
    last: int  # ... and of its last line (first + 1 for two lines)
    kind: str
    heads: list[_Head]


def _header_area(grid: _Grid, height: int = 16) -> tuple[list[list[Any]], set[tuple[int, int]]]:
    """The top rows with each merged cell's value in every cell it covers, and the cells that
    only repeat the one to their left (the rest of a merged group title)."""
    area = [list(cells) for _, cells in grid.rows[:height]]
    spread: set[tuple[int, int]] = set()
    for top, left, bottom, right in grid.merges:
        if top > len(area) or left > len(area[top - 1]) or _blank(area[top - 1][left - 1]):
            continue
        value = area[top - 1][left - 1]
        for y in range(top - 1, min(bottom, len(area))):
            row = area[y]
            row.extend([None] * (right - len(row)))
            for x in range(left - 1, right):
                row[x] = value
                if x != left - 1:
                    spread.add((y, x))
    return area, spread


def _single(row: Sequence[Any], y: int, spread: set[tuple[int, int]]) -> list[_Head]:
    return [_Head(x, None, _display(v)) for x, v in enumerate(row)
            if not _blank(v) and (y, x) not in spread]


def _continues(top: Sequence[Any], below: Sequence[Any], merged_down: bool = False) -> bool:
    """Whether `below` is a header's second line: it differs from `top` only by header words
    (金额（万元）, 签约日期, a unit), never by data — or, under a header with cells merged down
    over it, only by short texts that are not figures or dates."""
    differs = [v for x, v in enumerate(below)
               if not _blank(v) and (x >= len(top) or v != top[x])]
    if merged_down:
        return bool(differs) and all(_header_text(v) for v in differs)
    return bool(differs) and all(_header_word(v) for v in differs)


def _header_text(value: Any) -> bool:
    """Text that may head a column: short, and neither a figure nor a date."""
    return (isinstance(value, str) and 0 < len(value.strip()) <= 40
            and not re.search(r"\d[年月日./-]\d|^\s*[\d,.]+\s*$", value))


def _joined(top: Sequence[Any], below: Sequence[Any], y: int,
            spread: set[tuple[int, int]]) -> list[_Head]:
    """A two-line header as one: each column's group title (merged over it, or — in a CSV —
    written once over the first of its columns) and its own header."""
    heads, group = [], None
    for x in range(max(len(top), len(below))):
        t = top[x] if x < len(top) else None
        b = below[x] if x < len(below) else None
        if _blank(b) or b == t:  # nothing under it, or one cell merged down both lines
            group = None
            if not _blank(t) and (y, x) not in spread:
                heads.append(_Head(x, None, _display(t)))
        elif _blank(t):
            heads.append(_Head(x, group, _display(b)))
        else:
            group = _display(t)
            heads.append(_Head(x, group, _display(b)))
    return heads


def _fields(heads: Sequence[_Head], kind: str, options: _Options) -> list[str | None]:
    table = _BY_KIND[kind]
    found: list[str | None] = []
    for head in heads:
        keys = head.mentions
        mapped = next((options.mapping[k] for k in keys if k in options.mapping), None)
        if keys & options.ignore:
            found.append(None)
        else:
            found.append(mapped or _field_of(head.group, head.sub, table))
    return found


def _recognised(heads: Sequence[_Head], options: _Options) -> str | None:
    """Which table a header begins: a visit log names a date, a kind and projects; a ledger
    names projects and at least one more of a ledger's fields."""
    for kind in ((options.kind,) if options.kind else (VISITS, LEDGER)):
        names = set(_fields(heads, kind, options))
        if kind == VISITS and {"date", "projects"} <= names and (options.kind or "kind" in names):
            return kind
        if kind == LEDGER and "name" in names and names - {"name", "note", None}:
            return kind
    return None


def _find_header(grid: _Grid, options: _Options) -> _Header | None:
    """The first of the top 15 rows that begins a ledger or a visit log, on one line or two."""
    area, spread = _header_area(grid)
    for y, row in enumerate(area[:15]):
        single = _single(row, y, spread)
        if len(single) < 2 or _preamble(row):
            continue
        below = area[y + 1] if y + 1 < len(area) else []
        # A header cell merged down over the next row makes that row the header's second
        # line, whatever its words (到位资金 over 本年 and 累计): one of them read as no field
        # is then a problem, not a row of data.
        merged_down = any(top == y + 1 and bottom > top for top, _, bottom, _ in grid.merges)
        if _continues(row, below, merged_down):
            heads = _joined(row, below, y, spread)
            kind = _recognised(heads, options)
            if kind:
                return _Header(y, y + 1, kind, heads)
        kind = _recognised(single, options)
        if kind:
            return _Header(y, y, kind, single)
    return None


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _columns(header: _Header, options: _Options, unit_line: Decimal | None, where: str
             ) -> tuple[list[Column], list[Problem]]:
    """Every header column, what it is read as (or why not), and the problems of the header."""
    columns, problems = [], []
    first_of: dict[str, str] = {}
    names = _fields(header.heads, header.kind, options)
    for head, name in zip(header.heads, names):
        column = Column(head.index, _letter(head.index), head.display, name, None, None, None)
        columns.append(column)
        if head.mentions & options.ignore:
            column.ignored = "--ignore"
            continue
        if name is None:
            problem = _unread(column)
            if problem:
                problems.append(Problem(where, problem))
            continue
        if header.kind == VISITS and name == "name":
            column.field = name = "projects"  # a visit log's 项目名称 names its projects
        if name in first_of and name not in _JOINED:
            problems.append(Problem(where, DuplicateColumn(
                option=column.header, letter=column.letter, first=first_of[name], field=name)))
            column.field, column.ignored = None, "duplicate"
            continue
        first_of.setdefault(name, column.header)
        problem = _unit(column, head, unit_line, options.unit)
        if problem:
            problems.append(Problem(where, problem))
    return columns, problems


def _unread(column: Column) -> CrmError | None:
    """Why a column is not read, set on it, and the problem that is when it matters."""
    code = _look_alike(column.header)
    if code:
        column.ignored = code
        if code in _NOT_YET:
            return NotImportedYet(option=column.header, letter=column.letter)
        return None
    column.ignored = "unknown"
    if _looks_like_figures(column.header):
        return UnknownColumn(option=column.header, letter=column.letter)
    return None


def _unit(column: Column, head: _Head, unit_line: Decimal | None,
          unit_option: Decimal | None) -> CrmError | None:
    """An amount column's unit to yuan (or an area column's to 亩), and where it was stated."""
    assert column.field is not None
    kind = FIELDS[column.field]
    if kind == "area":
        for text, source in ((head.sub, "header"), (head.group, "group header")):
            unit = _area_unit(text)
            if unit is not None:
                column.unit, column.unit_from = unit, source
                return None
        column.unit = Decimal(1)  # land is counted in 亩 unless a header says otherwise
        return None
    if kind != "amount":
        return None
    currency = _currency(head.display)
    if currency:
        return OtherCurrency(option=column.header, value=column.header, currency=currency)
    for unit, source in ((_amount_unit(head.sub), "header"), (_amount_unit(head.group), "group header"),
                         (unit_line, "unit line"), (unit_option, "--unit")):
        if unit is not None:
            column.unit, column.unit_from = unit, source
            return None
    return NoUnit(option=column.header, letter=column.letter)


# -- the lines around a table ---------------------------------------------------------------------

_UNIT_LINE = re.compile(r"(?<![报送表制])单位\s*[:：]\s*(\S{1,20})|\bunits?\s*[:：]\s*([^;；]{1,30})",
                        re.IGNORECASE)
_REPORT_DATE = re.compile(r"(?:填报|填表|统计|报送|截止|截至|数据截止)(?:日期|时间)?\s*[:：]?\s*"
                          r"(\d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?)")
_FILLED_BY = re.compile(r"^(?:填报|填表|制表|报送单位|统计日期|截止|截至)")
_TOTAL = re.compile(r"^(?:合计|小计|总计|共计|累计|总合计|其中[:：]|total|subtotal|sum\b|grandtotal)")
_FOOTER = re.compile(r"^(?:注\d*|说明|备注|附注|审核|联系人|负责人|签发|核稿|note)[:：]|^注\d+[.、]"
                     r"|^(?:审核人|联系电话|单位负责人|分管领导|主要领导|统计人)")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]"
                       r"|第[一二三四五六七八九十]+[部类])")
_NUMERAL = re.compile(r"^(?:[一二三四五六七八九十]+|[(][一二三四五六七八九十]+[)])[、.]?$")
_SECTION_WORDS = re.compile(r"^(?:\d+[、.])?(?:已|新|拟)?(?:签约|在谈|储备|意向|洽谈|终止|续建|新建|"
                            r"重点|落地|开工)(?:项目)?(?:[(（].*[)）])?$")
_NO_SPACE = re.compile(r"\s+")


def _squeezed(value: Any) -> str:
    """A cell as its words, for telling kinds of rows apart: NFKC, no spaces (合　计 is 合计)."""
    return _NO_SPACE.sub("", _normal(value))


def _unit_in_line(cells: Sequence[Any]) -> Decimal | None:
    for value in cells:
        if isinstance(value, str):
            match = _UNIT_LINE.search(unicodedata.normalize("NFKC", value))
            if match:
                unit = _amount_unit(match.group(1) or match.group(2))
                if unit is not None:
                    return unit
    return None


def _report_date(cells: Sequence[Any]) -> date | None:
    for value in cells:
        if isinstance(value, str):
            match = _REPORT_DATE.search(unicodedata.normalize("NFKC", value))
            if match:
                try:
                    return _text_date(_NO_SPACE.sub("", match.group(1)), "")
                except CrmError:
                    return None
    return None


_LABELLED = re.compile(r"^(?:填报|填表|制表|报送|统计|截止|截至)[^:：]{0,6}[:：]"
                       r"|^[(\[【]?(?:金额|面积|计量)?单位[:：]")


def _preamble(cells: Sequence[Any]) -> bool:
    """Whether a row is one of the lines above a table — 填报单位：…  填报日期：…, or a title with
    单位：万元 in a cell of its own — which, having two cells, could pass for a header's group
    line. (A header cell that only mentions its unit, 计划投资（单位：万元）, is no such line.)"""
    return any(isinstance(v, str) and _LABELLED.match(_squeezed(v)) for v in cells)


def _above(cells: Sequence[Any]) -> str:
    """Why a row above the header is not data."""
    texts = [_squeezed(v) for v in cells if not _blank(v)]
    if not texts:
        return "blank"
    if any(_FILLED_BY.match(t) for t in texts):
        return "filled_by"
    if _unit_in_line(cells) is not None:
        return "unit_line"
    return "title"


def _below(cells: Sequence[Any], serial: set[int], header_cells: dict[int, str]) -> str | None:
    """Why a row under the header is not data (None: it is). Most rows are data, and most
    begin with a serial number or a name: the cheap tests come first."""
    first = next((x for x, v in enumerate(cells) if not _blank(v)), None)
    if first is None:
        return "blank"
    value = cells[first]
    if not isinstance(value, str):
        return None  # a number first (a serial number, say): data
    head = _squeezed(value)
    if _TOTAL.match(head):
        return "total"
    if _FILLED_BY.match(head):
        return "filled_by"
    if _FOOTER.match(head):
        return "note"
    if _NUMBERED.match(head) or (_NUMERAL.match(head) and first in serial):
        # A section's heading (一、已签约项目), or its subtotal when figures follow it.
        return "total" if _has_figures(cells[first + 1:]) else "section"
    if _SECTION_WORDS.match(head) or _UNIT_LINE.search(value):
        if len({_squeezed(v) for v in cells if not _blank(v)}) == 1:  # alone on its row
            return "section" if _SECTION_WORDS.match(head) else "unit_line"
    if header_cells.get(first) == value.strip() and sum(
            header_cells.get(x) == str(v).strip() for x, v in enumerate(cells)) >= 2:
        return "header"  # the header repeated (a second table below, a printed page)
    return None


_FIGURE = re.compile(r"\s*[+-]?[\d,]+(?:\.\d+)?\s*")


def _has_figures(cells: Sequence[Any]) -> bool:
    return any(isinstance(v, (int, float, Decimal, datetime)) or (isinstance(v, str) and _FIGURE.fullmatch(v))
               for v in cells)


# -- cells ---------------------------------------------------------------------------------------

_ABSENT = object()
_PLACEHOLDERS = {"无", "暂无", "待定", "未定", "n/a", "空"}
_DASHES = re.compile(r"[-—–/\\]+")
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_PLAIN = re.compile(r"\d{1,12}(?:\.\d{1,6})?")
_AMOUNT_TEXT = re.compile(rf"({_NUMBER})(亿元|亿|万元|万|元)?")
_AMOUNT_UNITS = {None: None, "元": Decimal(1), "万": WAN, "万元": WAN, "亿": YI, "亿元": YI}
_AREA_TEXT = re.compile(rf"({_NUMBER})(亩|平方米|平米|㎡|m2|公顷)?")
_AREA_CELL_UNITS = {None: None, "亩": Decimal(1), "平方米": Decimal("0.0015"), "平米": Decimal("0.0015"),
                    "㎡": Decimal("0.0015"), "m2": Decimal("0.0015"), "公顷": Decimal(15)}
_CURRENCY_MARKS = re.compile(r"^(?:人民币|rmb|cny|¥)|(?:人民币|rmb|cny)$|[(]人民币[)]$")
_RANGE = re.compile(rf"{_NUMBER}(?:亿元|亿|万元|万|元|亩|平方米|㎡)?(?:-|~|至|到|—|–)+{_NUMBER}\D*")
_APPROXIMATE = re.compile(r"^(?:约合?|大约|大概|近|将近|接近|超过?|逾|不低于|不少于|不超过|不到|≈|~)"
                          r"|(?:左右|以上|以下|上下|许)$|\d(?:余|多)|(?:余|多)(?:万元|亿元|万|亿|元|亩)?$")
_NUMERIC = (int, float, Decimal)


def _shown(raw: Any) -> str:
    return raw if isinstance(raw, str) else str(raw)


def _empty(text: str) -> bool:
    """A placeholder where a figure, a date or a flag would be: —, -, /, 无, 暂无, 待定, 未定."""
    t = text.strip()
    return not t or t.lower() in _PLACEHOLDERS or bool(_DASHES.fullmatch(t))


def _number(raw: Any, option: str, expected: str) -> Decimal:
    """A numeric cell as Excel shows it: 15 significant digits, past which a float is noise
    (0.1 + 0.2 is 0.3, not 0.30000000000000004)."""
    if isinstance(raw, bool) or not isinstance(raw, _NUMERIC):
        raise InvalidValue(option=option, value=_shown(raw), expected=expected)
    if isinstance(raw, float):
        try:
            return Decimal(format(raw, ".15g"))
        except InvalidOperation:
            raise InvalidValue(option=option, value=str(raw), expected=expected) from None
    return Decimal(raw)


def _refuse_inexact(text: str, raw: Any, option: str) -> None:
    """Figures that cannot be one exact number: another currency, a range, an estimate."""
    currency = _currency(text)
    if currency:
        raise OtherCurrency(option=option, value=_shown(raw), currency=currency)
    if _RANGE.fullmatch(text):
        raise ValueRange(option=option, value=_shown(raw))
    if _APPROXIMATE.search(text) and re.search(r"\d|[一二三四五六七八九十百千]", text):
        raise ApproximateValue(option=option, value=_shown(raw))


def _amount(raw: Any, option: str, unit: Decimal | None) -> Any:
    """Exact yuan from a cell: a number in the column's unit, or text with its own (3.5亿)."""
    if isinstance(raw, str):
        if _PLAIN.fullmatch(raw):  # the common case, quickly
            return _yuan(Decimal(raw), unit, raw, option)
        if _empty(raw):
            return _ABSENT
        text = _CURRENCY_MARKS.sub("", _squeezed(raw))
        _refuse_inexact(text, raw, option)
        match = _AMOUNT_TEXT.fullmatch(text)
        if match is None:
            raise InvalidValue(option=option, value=raw, expected=AMOUNT_EXPECTED)
        own = _AMOUNT_UNITS[match.group(2)]
        return _yuan(Decimal(match.group(1).replace(",", "")), own or unit, raw, option)
    return _yuan(_number(raw, option, AMOUNT_EXPECTED), unit, raw, option)


def _yuan(number: Decimal, unit: Decimal | None, raw: Any, option: str) -> Any:
    if not number or unit is None:
        # 0 is how ledgers leave an amount empty; with no unit the column is one problem
        # (NoUnit), not one per row.
        return _ABSENT
    value = number * unit
    if value == value.to_integral_value() and abs(value) <= MAX_AMOUNT:
        return Decimal(int(value))  # whole yuan, the usual case: exact as it stands
    try:
        return parse_amount(format(value, "f"), option)
    except InvalidValue as e:
        raise InvalidValue(option=option, value=_shown(raw), expected=e.params["expected"]) from None


def _area(raw: Any, option: str, unit: Decimal | None) -> Any:
    """Exact 亩 from a cell; square metres and hectares convert only when the result is exact."""
    if isinstance(raw, str):
        if _PLAIN.fullmatch(raw):
            return _mu(Decimal(raw), unit, raw, option)
        if _empty(raw):
            return _ABSENT
        text = _squeezed(raw)
        _refuse_inexact(text, raw, option)
        match = _AREA_TEXT.fullmatch(text)
        if match is None:
            raise InvalidValue(option=option, value=raw, expected=AREA_EXPECTED)
        own = _AREA_CELL_UNITS[match.group(2)]
        return _mu(Decimal(match.group(1).replace(",", "")), own or unit, raw, option)
    return _mu(_number(raw, option, AREA_EXPECTED), unit, raw, option)


def _mu(number: Decimal, unit: Decimal | None, raw: Any, option: str) -> Any:
    if not number:
        return _ABSENT
    try:
        return parse_area(format(number * (unit or 1), "f"), option)
    except InvalidValue as e:
        raise InvalidValue(option=option, value=_shown(raw), expected=e.params["expected"]) from None


_TIME = re.compile(r"(?<=\d)(?:\s+|t)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")  # 2021-03-05 00:00:00
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE_DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NO_YEAR = re.compile(r"\d{1,2}月\d{1,2}[日号]?|\d{1,2}[-/.]\d{1,2}")
_VAGUE = re.compile(r"\d{4}(?:年(?:度|初|底|末|内|中)?|[-/.]\d{1,2}"
                    r"|年\d{1,2}月(?:份|初|底|末|中|上旬|中旬|下旬)?|年?(?:上半年|下半年|[一二三四1-4]季度|第[一二三四1-4]季度|q[1-4]))")


def _date(raw: Any, option: str, epoch: date) -> Any:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        if _ISO_DAY.fullmatch(raw):  # the common case, quickly
            with contextlib.suppress(ValueError):
                return date.fromisoformat(raw)
        if _empty(raw):
            return _ABSENT
        return _text_date(_squeezed(_TIME.sub("", _normal(raw).strip())), raw, option)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # zh-CN Excel's and WPS's built-in date formats (numFmt 27-36, 50-58) are not known to
        # openpyxl, so their dates arrive as serial numbers: 20000 is 1954, 80000 is 2119.
        if 20000 <= raw <= 80000:
            return epoch + timedelta(days=int(raw))
        if isinstance(raw, int) and 19000101 <= raw <= 29991231:
            return _text_date(str(raw), raw, option)  # 20210305 typed as a number
    raise InvalidValue(option=option, value=_shown(raw), expected=DATE_EXPECTED)


def _text_date(text: str, raw: Any, option: str = "") -> date:
    """2021-03-05, 2021/3/5, 2021.3.5, 20210305, 2021-03-05 00:00:00, 2021年3月5日; refusing,
    by name, a day without a year and a month, quarter or half year for a day."""
    for pattern, groups in ((_DAY, (1, 3, 4)), (_CHINESE_DAY, (1, 2, 3)), (_COMPACT_DAY, (1, 2, 3))):
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(match.group(g)) for g in groups))
            except ValueError:
                raise InvalidValue(option=option, value=_shown(raw),
                                   expected=DATE_EXPECTED + " that exists on the calendar") from None
    if _NO_YEAR.fullmatch(text):
        raise DateWithoutYear(option=option, value=_shown(raw))
    if _VAGUE.fullmatch(text):
        raise VagueDate(option=option, value=_shown(raw))
    raise InvalidValue(option=option, value=_shown(raw), expected=DATE_EXPECTED)


_YES = {"是", "√", "✓", "✔", "y", "yes", "true", "1"}
_NO = {"否", "×", "✗", "✘", "n", "no", "false", "0"}
FLAG_EXPECTED = "是 or 否 (yes or no, √ or ×), or nothing"


def _flag(raw: Any, option: str) -> Any:
    if isinstance(raw, bool):
        return raw
    text = _squeezed(raw if not isinstance(raw, float) or not raw.is_integer() else int(raw))
    if text in _YES:
        return True
    if text in _NO:
        return False
    if _empty(text):
        return _ABSENT  # 待定, —: not known yet, which is not "no"
    raise InvalidValue(option=option, value=_shown(raw), expected=FLAG_EXPECTED)


def _text(raw: Any, option: str, lines: bool | None = None) -> Any:
    """Text as written, only the surrounding whitespace gone (a CSV's CRLF in a cell is a line
    break, as Alt+Enter's is). `lines`: whether the column may hold line breaks (by default,
    what its header says)."""
    if isinstance(raw, str):
        raw = revived(raw)
        value = parse_text(raw.replace("\r\n", "\n").replace("\r", "\n"), option, lines)
    elif isinstance(raw, datetime):
        value = raw.date().isoformat() if raw.time() == time() else raw.isoformat(" ")
    elif isinstance(raw, float):
        value = format(Decimal(format(raw, ".15g")), "f")
    else:
        value = str(raw)
    return _ABSENT if value is None else value


def _name(raw: Any, option: str) -> Any:
    """A project name, its inner whitespace (Alt+Enter too) one space, as the command line
    takes it."""
    text = _NO_SPACE.sub(" ", _text(raw, option) if not isinstance(raw, str) else revived(raw)
                         ).strip()
    if not text or _DASHES.fullmatch(text):
        return _ABSENT
    return parse_name(text, option)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NAME_SEPARATORS = re.compile(r"[、，,；;/／]+")


_OPENING, _CLOSING = "(（[【〔{", ")）]】〕}"


def _split_outside_brackets(text: str) -> list[str]:
    """`text` split on 、，,；;/ except inside brackets: 智能装备（一期、二期） is one name."""
    parts, start, depth = [], 0, 0
    for match in re.finditer(rf"[{re.escape(_OPENING + _CLOSING)}]|{_NAME_SEPARATORS.pattern}",
                             text):
        found = match.group()
        if found in _OPENING:
            depth += 1
        elif found in _CLOSING:
            depth = max(depth - 1, 0)
        elif depth == 0:
            parts.append(text[start:match.start()])
            start = match.end()
    return [*parts, text[start:]]


def _names(raw: Any, option: str) -> Any:
    """Several projects in one cell, split on 、，,；;/ outside brackets — or, in a cell with
    none of those, on whitespace and line breaks when every part is then a plausible Chinese
    name (two characters or more, at least one of them Chinese), so that "Tesla Gigafactory"
    or "ABC 新材料" stays one name. A wrong split is not silent: the import refuses a project
    name it does not know."""
    text = revived(raw) if isinstance(raw, str) else _text(raw, option)
    if _empty(text):
        return _ABSENT
    names = []
    parts = _split_outside_brackets(text)
    for part in parts:
        words = part.split()
        if len(parts) == 1 and len(words) > 1 and all(len(w) >= 2 and _CJK.search(w)
                                                      for w in words):
            names += words
        elif words:
            names.append(" ".join(words))
    return [parse_name(n, option) for n in names] or _ABSENT


def _kind_table() -> dict[str, str]:
    found = {_squeezed(k): v for k, v in VISIT_KIND_ALIASES.items()}
    for kind in VISIT_KINDS:  # every label the tool itself prints
        found[_squeezed(label(kind, "en"))] = found[_squeezed(label(kind, "zh"))] = kind
    for kind, words in {
        "outbound": ("招商推介", "招商推介会", "外出招商推介", "外出考察", "外出拜访", "上门招商", "登门招商",
                     "赴外招商", "驻点招商", "小分队招商", "outbound"),
        "reception": ("来访", "来访接待", "接待来访", "考察接待", "接待考察", "客商来访", "客商考察",
                      "来访考察", "接待客商考察"),
        "pairing": ("结对活动", "山海协作", "山海协作活动", "山海协作结对", "结对帮扶"),
        "aftercare": ("走访服务企业", "走访服务签约项目", "走访企业", "企业走访", "服务企业", "项目服务"),
        "online": ("线上洽谈", "线上洽谈会", "视频洽谈", "视频会议", "网上洽谈", "云招商", "云洽谈",
                   "线上会议", "线上招商"),
    }.items():
        found.update({_squeezed(w): kind for w in words})
    return found


_KINDS = _kind_table()
_REMARK = re.compile(r"(.+?)\s*[(（](.+)[)）]\s*")


def _kind(raw: Any, option: str) -> Any:
    """A visit's kind as the domain's code, and the remark in brackets after it, if any
    (外出招商（上海） is outbound, remark 上海)."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if _empty(text):
        return _ABSENT
    remark = None
    match = _REMARK.fullmatch(text)
    if match and _squeezed(match.group(1)) in _KINDS:
        text, remark = match.group(1), match.group(2).strip()
    kind = _KINDS.get(_squeezed(text)) or parse_visit_kind(text, option)
    return kind, remark


def _sector(raw: Any, option: str) -> Any:
    if isinstance(raw, str) and _empty(raw):
        return _ABSENT
    return parse_sector(revived(_shown(raw)).strip(), option)


def _converter(column: Column, epoch: date) -> Callable[[Any], Any]:
    """How this column's cells become values, decided once for the column."""
    assert column.field is not None
    option, unit = column.header, column.unit
    kind = FIELDS[column.field]
    # Dates, areas and people repeat down a column: each text is read once (a number from
    # Excel is read as it comes, quickly; amounts seldom repeat).
    if kind == "amount":
        return partial(_amount, option=option, unit=unit)
    if kind == "area":
        return _texts_remembered(partial(_area, option=option, unit=unit))
    if kind == "date":
        return _texts_remembered(partial(_date, option=option, epoch=epoch))
    if kind in ("sector", "flag", "kind"):
        # A few values, repeated down the column: each is read once.
        return _remembered(partial({"sector": _sector, "flag": _flag, "kind": _kind}[kind],
                                   option=option))
    if kind == "text":
        return _texts_remembered(partial(_text, option=option, lines=multiline(option)))
    return partial({"name": _name, "names": _names}[kind], option=option)


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def remembered(raw: Any) -> Any:
        try:
            return seen[raw]
        except KeyError:
            seen[raw] = value = convert(raw)  # an error is raised anew each time: every row
            return value

    return remembered


def _texts_remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, each text it is given read once (a number, a date or a flag from Excel is
    not looked up: 1, 1.0 and True are one key to a dict, not one value to a column)."""
    seen: dict[str, Any] = {}

    def remembered(raw: Any) -> Any:
        if type(raw) is not str:
            return convert(raw)
        try:
            return seen[raw]
        except KeyError:
            seen[raw] = value = convert(raw)  # an error is raised anew each time: every row
            return value

    return remembered


# -- a sheet -------------------------------------------------------------------------------------


def _read_table(file: str, grid: _Grid, options: _Options) -> Table | None:
    header = _find_header(grid, options)
    if header is None:
        return None
    where = file if grid.title is None else f"{file}[{grid.title}]"
    table = Table(file, grid.title, where, header.kind)
    unit_line = None
    for number, cells in grid.rows[:header.first]:
        table.skipped.append((number, _above(cells)))
        unit_line = unit_line or _unit_in_line(cells)
        table.report_date = table.report_date or _report_date(cells)
    table.columns, table.problems = _columns(header, options, unit_line, where)
    _read_rows(table, grid, header)
    return table


def _read_rows(table: Table, grid: _Grid, header: _Header) -> None:
    readers = [(c.index, c.field, _converter(c, grid.epoch)) for c in table.columns if c.field]
    serial = {c.index for c in table.columns if c.ignored == "serial"}
    header_cells = {h.index: h.sub for h in header.heads}
    name_column = next((c for c in table.columns if c.field == "name"), None)
    fills = _merged_down(table, grid, header)
    read_columns = {c.index for c in table.columns if c.field}
    uncalculated = {(n, x) for n, x in grid.uncalculated if x in read_columns}
    end = len(grid.rows)
    while end > header.last + 1 and all(_blank(v) for v in grid.rows[end - 1][1]):
        end -= 1  # the sheet's end, not blank rows of the table
    for number, cells in grid.rows[header.last + 1:end]:
        if number in fills:
            cells = list(cells) + [None] * (max(fills[number]) + 1 - len(cells))
            for x, value in fills[number].items():
                cells[x] = value
        reason = _below(cells, serial, header_cells)
        if reason is not None:
            table.skipped.append((number, reason))
            if reason in ("filled_by", "note"):  # 审核人：李四  填报日期：2021年7月5日 at the foot
                table.report_date = table.report_date or _report_date(cells)
            continue
        values, problems = _values(cells, readers)
        if uncalculated:
            problems += [UncalculatedFormula(option=c.header, cell=f"{c.letter}{number}")
                         for c in table.columns if (number, c.index) in uncalculated]
        if not values and not problems:
            table.skipped.append((number, "blank"))  # nothing in a column read: a serial number alone
            continue
        if name_column is not None and "name" not in values and not problems:
            problems.append(MissingValue(what=name_column.header))
        if problems:
            table.problems += [Problem(f"{table.where}:{number}", p) for p in problems]
        else:
            table.rows.append(Row(number, values))


def _values(cells: Sequence[Any], readers: list[tuple[int, Any, Callable[[Any], Any]]]
            ) -> tuple[dict[str, Any], list[CrmError]]:
    values: dict[str, Any] = {}
    problems: list[CrmError] = []
    width = len(cells)
    for index, name, convert in readers:
        raw = cells[index] if index < width else None
        if raw is None or raw == "":
            continue
        try:
            value = convert(raw)
        except CrmError as e:
            problems.append(e)
            continue
        if value is _ABSENT:
            continue
        if name in values and name in _JOINED:
            value = values[name] + _JOINED[name] + value
        values[name] = value
    if "kind" in values:
        values["kind"], remark = values["kind"]
        if remark:
            values["note"] = values["note"] + "；" + remark if "note" in values else remark
    return values, problems


def _merged_down(table: Table, grid: _Grid, header: _Header) -> dict[int, dict[int, Any]]:
    """Cells of the data merged down over several rows: the value of the top one for the rows
    below it (产业 merged over its projects, one date over a day's visits). An amount or an
    area merged so is a problem: one figure cannot be every row's."""
    if not grid.merges:
        return {}
    last_header = grid.rows[header.last][0]
    by_index = {c.index: c for c in table.columns}
    fills: dict[int, dict[int, Any]] = {}
    for top, left, bottom, _ in grid.merges:
        if top <= last_header or bottom == top or top > len(grid.rows):
            continue
        cells = grid.rows[top - 1][1]
        value = cells[left - 1] if left - 1 < len(cells) else None
        column = by_index.get(left - 1)
        if _blank(value) or column is None or column.field is None:
            continue
        if FIELDS[column.field] in ("amount", "area"):
            table.problems.append(Problem(f"{table.where}:{top}", SharedCell(
                option=column.header, first=top, last=bottom)))
            continue
        for number in range(top + 1, bottom + 1):
            fills.setdefault(number, {})[left - 1] = value
    return fills
