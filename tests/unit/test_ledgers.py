"""Reading the ledgers and visit logs a county zone really keeps (crm.text.ledgers): every
workbook and CSV here is built in code, as an investment office's staff would have made it."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm.domain.values import WAN, YI
from crm.text.errors import (
    ApproximateValue,
    DateWithoutYear,
    DuplicateColumn,
    InvalidValue,
    LegacyWorkbook,
    MissingValue,
    NoSuchSheet,
    NotALedger,
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
from crm.text.ledgers import FIELDS, LEDGER, VISITS, Problem, Table, parse_mapping, read
from crm.text.messages import error_message

# -- building files ----------------------------------------------------------------------------
from tests.workbooks import rewrite, write_csv, xlsx


def only(path: Path, **options) -> Table:
    reading = read(path, **options)
    assert len(reading.tables) == 1, reading
    return reading.tables[0]


def by_row(table: Table) -> dict[int, dict[str, Any]]:
    return {row.number: row.values for row in table.rows}


def problems(table: Table) -> list[tuple[str, type, dict[str, Any]]]:
    return [(p.where, type(p.error), p.error.params) for p in table.problems]


def column(table: Table, header: str):
    return next(c for c in table.columns if c.header == header)


LEDGER_HEADERS = ["序号", "项目名称", "投资方", "产业类别", "是否搬迁项目", "总投资", "签约日期", "协议投资",
                  "实际到位资金", "到位日期", "已供地面积（亩）", "供地日期", "负责人", "备注"]


# -- a county's ledger, as kept --------------------------------------------------------------------


@pytest.fixture
def county(tmp_path: Path) -> Path:
    width = len(LEDGER_HEADERS)
    rows: list[list[Any]] = [
        ["XX经济开发区2021年招商项目台账"] + [None] * (width - 1),
        ["填报单位：XX经济开发区招商局", None, None, None, None, None, None, "填报日期：2021年6月30日"],
        [None] * (width - 1) + ["单位：万元"],
        LEDGER_HEADERS,
        ["一、已签约项目"] + [None] * (width - 1),
        [1, "华锂新材料项目", "华锂集团有限公司", "新材料", "是", 35000, datetime(2021, 3, 5), 30000, 5000,
         datetime(2021, 5, 20), 120.5, datetime(2021, 4, 1), "张三", "首期已开工"],
        [2, "鼎盛光伏\n二期 项目", "鼎盛能源", "新能源", "否", "12,000", "2021/4/8", "1.2亿", None, None,
         None, None, "李四", None],
        ["（二）在谈项目", None, None, None, None, None, None, None, None, None, None, None, None, None],
        [3, "康养小镇", "  浙江康养投资  ", "大健康", "—", 80000, None, None, None, None, None, None, "王五",
         "  对方  考察两次  "],
        ["合　计", None, None, None, None, 127000, None, 42000, 5000],
        [],
        ["填表人：赵六", None, None, None, "审核人：钱七"],
        ["注：1. 金额单位为万元；2. 数据截至6月30日。"],
    ]
    return xlsx(tmp_path / "台账.xlsx", {"2021年": rows},
                merges={"2021年": ["A1:N1", "A5:N5", "A13:N13"]})


def test_a_county_ledger_is_read_with_its_title_lines_sections_totals_and_footer(county):
    reading = read(county)
    assert reading.file == "台账.xlsx" and reading.hidden == [] and reading.other_sheets == []
    table = reading.tables[0]
    assert (table.file, table.sheet, table.where, table.kind) == ("台账.xlsx", "2021年", "台账.xlsx[2021年]",
                                                                  LEDGER)
    assert table.report_date == date(2021, 6, 30)
    assert table.problems == []
    assert table.skipped == [(1, "title"), (2, "filled_by"), (3, "unit_line"), (5, "section"),
                             (8, "section"), (10, "total"), (11, "blank"), (12, "filled_by"),
                             (13, "note")]
    rows = by_row(table)
    assert list(rows) == [6, 7, 9]
    assert rows[6] == {
        "name": "华锂新材料项目", "investor": "华锂集团有限公司", "sector": "新材料", "relocation": True,
        "planned": Decimal(350_000_000), "signed_date": date(2021, 3, 5),
        "contracted": Decimal(300_000_000), "capital": Decimal(50_000_000),
        "capital_date": date(2021, 5, 20), "land_mu": Decimal("120.5"), "land_date": date(2021, 4, 1),
        "owner": "张三", "note": "首期已开工"}
    # A name's line break and spaces are one space; 12,000 is in the column's 万元; 1.2亿 says
    # its own unit.
    assert rows[7]["name"] == "鼎盛光伏 二期 项目"
    assert rows[7]["planned"] == Decimal(120_000_000) and rows[7]["contracted"] == Decimal(120_000_000)
    assert rows[7]["relocation"] is False and rows[7]["signed_date"] == date(2021, 4, 8)
    # Text is kept as written, but for the whitespace around it; a placeholder flag is empty.
    assert rows[9]["investor"] == "浙江康养投资" and rows[9]["note"] == "对方  考察两次"
    assert "relocation" not in rows[9] and "contracted" not in rows[9]


def test_the_county_ledgers_columns_say_what_each_is_read_as(county):
    table = only(county)
    assert [(c.letter, c.field) for c in table.columns] == [
        ("A", None), ("B", "name"), ("C", "investor"), ("D", "sector"), ("E", "relocation"),
        ("F", "planned"), ("G", "signed_date"), ("H", "contracted"), ("I", "capital"),
        ("J", "capital_date"), ("K", "land_mu"), ("L", "land_date"), ("M", "owner"), ("N", "note")]
    assert column(table, "序号").ignored == "serial"
    planned = column(table, "总投资")
    assert (planned.index, planned.unit, planned.unit_from) == (5, WAN, "unit line")
    assert column(table, "已供地面积（亩）").unit_from == "header"
    assert column(table, "签约日期").unit is None


def test_english_headers_with_units_in_words(tmp_path):
    path = write_csv(tmp_path / "ledger.csv", [
        ["Project name", "Investor", "Sector", "Planned investment (10k yuan)", "Contracted (CNY 100m)",
         "Signed on", "Capital in place (RMB 10,000)", "Framework investment (RMB 100 million)",
         "Land transferred (mu)"],
        ["Lithium plant", "Hua Li Group", "new materials", "35000", "3.5", "2021-03-05", "5000", "1.2",
         "60"],
    ])
    table = only(path)
    assert table.where == "ledger.csv" and table.sheet is None and table.problems == []
    assert [c.field for c in table.columns] == ["name", "investor", "sector", "planned", "contracted",
                                                "signed_date", "capital", "framework_amount", "land_mu"]
    assert [c.unit for c in table.columns if c.field and FIELDS[c.field] == "amount"] == [WAN, YI, WAN, YI]
    assert {c.unit_from for c in table.columns if c.unit} == {"header"}
    assert by_row(table)[2] == {
        "name": "Lithium plant", "investor": "Hua Li Group", "sector": "新材料",
        "planned": Decimal(350_000_000), "contracted": Decimal(350_000_000),
        "signed_date": date(2021, 3, 5), "capital": Decimal(50_000_000),
        "framework_amount": Decimal(120_000_000), "land_mu": Decimal(60)}


@pytest.mark.parametrize("header, unit", [
    ("计划投资（万元）", WAN), ("计划投资(万元)", WAN), ("计划投资万元", WAN), ("计划投资（亿元）", YI),
    ("计划投资（元）", Decimal(1)), ("Planned investment (10,000 yuan)", WAN),
    ("Planned investment (yuan)", Decimal(1)), ("Planned (CNY 100m)", YI),
])
def test_a_header_states_its_unit(tmp_path, header, unit):
    path = write_csv(tmp_path / "l.csv", [["项目名称", header], ["甲项目", "2"]])
    table = only(path)
    assert (column(table, header).unit, column(table, header).unit_from) == (unit, "header")
    assert by_row(table)[2]["planned"] == 2 * unit


def test_a_two_line_header_with_merged_group_titles(tmp_path):
    path = xlsx(tmp_path / "two.xlsx", {"台账": [
        ["序号", "项目名称", "投资方", "协议投资", None, "供地", None, "到位资金（万元）", None],
        [None, None, None, "金额（万元）", "签约日期", "面积（亩）", "日期", "金额", "日期"],
        [1, "华锂新材", "华锂集团", 30000, datetime(2021, 3, 5), 100, datetime(2021, 4, 1), 5000,
         datetime(2021, 6, 1)],
    ]}, merges={"台账": ["A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:G1", "H1:I1"]})
    table = only(path)
    assert [(c.header, c.field) for c in table.columns] == [
        ("序号", None), ("项目名称", "name"), ("投资方", "investor"),
        ("协议投资 金额（万元）", "contracted"), ("协议投资 签约日期", "signed_date"),
        ("供地 面积（亩）", "land_mu"), ("供地 日期", "land_date"),
        ("到位资金（万元） 金额", "capital"), ("到位资金（万元） 日期", "capital_date")]
    assert column(table, "协议投资 金额（万元）").unit_from == "header"
    assert column(table, "到位资金（万元） 金额").unit_from == "group header"
    assert table.skipped == [] and table.problems == []
    assert by_row(table)[3] == {
        "name": "华锂新材", "investor": "华锂集团", "contracted": Decimal(300_000_000),
        "signed_date": date(2021, 3, 5), "land_mu": Decimal(100), "land_date": date(2021, 4, 1),
        "capital": Decimal(50_000_000), "capital_date": date(2021, 6, 1)}


def test_a_two_line_header_in_a_csv_has_its_group_title_over_the_first_of_its_columns(tmp_path):
    path = write_csv(tmp_path / "two.csv", [
        ["项目名称", "投资方", "协议投资", "", "计划投资（万元）"],
        ["", "", "金额（万元）", "签约日期", ""],
        ["华锂新材", "华锂集团", "30000", "2021-03-05", "35000"],
    ])
    table = only(path)
    assert [c.field for c in table.columns] == ["name", "investor", "contracted", "signed_date", "planned"]
    assert by_row(table)[3]["contracted"] == Decimal(300_000_000)


def test_line_breaks_inside_header_cells(tmp_path):
    path = xlsx(tmp_path / "wrap.xlsx", {"Sheet1": [
        ["项目\n名称", "投资方\n（企业名称）", "计划投资\n（万元）", "签约\n日期", "协议投资\r\n(万元)"],
        ["华锂新材", "华锂集团", 35000, "2021.3.5", 30000],
    ]})
    table = only(path)
    assert [(c.header, c.field) for c in table.columns] == [
        ("项目 名称", "name"), ("投资方 （企业名称）", "investor"), ("计划投资 （万元）", "planned"),
        ("签约 日期", "signed_date"), ("协议投资 (万元)", "contracted")]
    assert by_row(table)[2]["signed_date"] == date(2021, 3, 5)


# -- sheets ----------------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return xlsx(tmp_path / "book.xlsx", {
        "说明": [["本表由招商局每月更新"], ["联系人：张三"]],
        "项目台账": [["项目名称", "投资方", "计划投资（万元）"], ["华锂新材", "华锂集团", 35000]],
        "已删除项目": [["项目名称", "投资方", "计划投资（万元）"], ["旧项目", "某公司", 100]],
        "走访记录": [["日期", "类型", "项目"], [datetime(2021, 3, 5), "外出招商", "华锂新材"]],
    }, hidden=("已删除项目",))


def test_every_visible_sheet_with_a_header_is_read_and_hidden_ones_are_listed(workbook):
    reading = read(workbook)
    assert [(t.sheet, t.kind) for t in reading.tables] == [("项目台账", LEDGER), ("走访记录", VISITS)]
    assert reading.hidden == ["已删除项目"] and reading.other_sheets == ["说明"]
    assert by_row(reading.tables[1])[2] == {"date": date(2021, 3, 5), "kind": "outbound",
                                            "projects": ["华锂新材"]}


def test_one_sheet_is_chosen_by_name_even_a_hidden_one(workbook):
    reading = read(workbook, sheet="已删除项目")
    assert [t.where for t in reading.tables] == ["book.xlsx[已删除项目]"]
    assert by_row(reading.tables[0])[2]["name"] == "旧项目"


def test_a_sheet_that_is_not_there_is_refused_with_the_sheets_that_are(workbook):
    with pytest.raises(NoSuchSheet) as e:
        read(workbook, sheet="2022年")
    assert e.value.params == {"file": "book.xlsx", "sheet": "2022年",
                              "sheets": "说明, 项目台账, 已删除项目, 走访记录"}


def test_a_sheet_is_read_as_the_kind_asked_for(workbook):
    reading = read(workbook, kind=LEDGER)
    assert [t.sheet for t in reading.tables] == ["项目台账"]
    assert reading.other_sheets == ["说明", "走访记录"]


# -- CSV files -------------------------------------------------------------------------------------


def test_a_gbk_csv(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [["项目名称", "投资方", "产业", "计划投资（万元）"],
                                            ["华锂新材", "华锂集团", "新材料", "35000"]],
                     encoding="gbk", newline="\r\n")
    assert by_row(only(path))[2] == {"name": "华锂新材", "investor": "华锂集团", "sector": "新材料",
                                     "planned": Decimal(350_000_000)}


def test_a_bom_csv_with_crlf_and_a_cell_over_two_lines_keeps_its_row_numbers(tmp_path):
    path = write_csv(tmp_path / "bom.csv", [
        ["项目名称", "投资方", "计划投资（万元）", "备注"],
        ["甲项目", "甲公司", "100", ""],
        ["乙项目", "乙公司", "200", "第一行\r\n第二行"],
        ["丙项目", "丙公司", "300", "x"],
        ["丁项目", "丁公司", "待定", "约3亿"],
    ], encoding="utf-8-sig", newline="\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = only(path)
    rows = by_row(table)
    assert list(rows) == [2, 3, 5, 6]
    assert rows[3]["note"] == "第一行\n第二行"
    assert "planned" not in rows[6] and rows[6]["note"] == "约3亿"  # a note is only text


def test_a_tab_separated_csv(tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text("项目名称\t投资方\t计划投资（万元）\n甲项目\t甲公司,有限\t100\n", encoding="utf-8")
    assert by_row(only(path))[2]["investor"] == "甲公司,有限"


# -- cells -----------------------------------------------------------------------------------------


def test_zh_cn_date_formats_arriving_as_serial_numbers(tmp_path):
    path = xlsx(tmp_path / "serial.xlsx", {"台账": [
        ["项目名称", "投资方", "签约日期", "到位日期", "供地日期", "框架协议日期"],
        ["华锂新材", "华锂集团", 44260, 44260.0, datetime(2021, 3, 5), 20210305],
    ]}, formats={"台账": {"C2": 'yyyy"年"m"月"d"日"', "D2": "General",
                          "E2": 'yyyy"年"m"月"d"日"'}})
    # Excel and WPS in zh-CN write their built-in date formats by number (31 is yyyy"年"m"月"d"日"),
    # which openpyxl does not know: the date reaches it as the serial number.
    rewrite(path, "xl/styles.xml", lambda xml: re.sub(r'numFmtId="16\d"', 'numFmtId="31"',
                                                      re.sub(r"<numFmts.*?</numFmts>", "", xml)))
    with zipfile.ZipFile(path) as archive:
        assert b"<numFmt " not in archive.read("xl/styles.xml")
    values = by_row(only(path))[2]
    assert values["signed_date"] == values["capital_date"] == values["land_date"] == date(2021, 3, 5)
    assert values["framework_date"] == date(2021, 3, 5)


def test_a_date_format_openpyxl_knows_gives_a_date(tmp_path):
    path = xlsx(tmp_path / "d.xlsx", {"台账": [["项目名称", "投资方", "签约日期"], ["甲", "乙", 44260]]},
                formats={"台账": {"C2": 'yyyy"年"m"月"d"日"'}})
    assert by_row(only(path))[2]["signed_date"] == date(2021, 3, 5)


@pytest.mark.parametrize("text", ["2021-03-05", "2021/3/5", "2021.3.5", "2021.03.05", "20210305",
                                  "2021-03-05 00:00:00", "2021/3/5 0:00", "2021年03月05日", "2021年3月5日",
                                  "２０２１年３月５日", " 2021 年 3 月 5 日 "])
def test_text_dates(tmp_path, text):
    path = write_csv(tmp_path / "d.csv", [["项目名称", "投资方", "签约日期"], ["甲", "乙", text]])
    assert by_row(only(path))[2]["signed_date"] == date(2021, 3, 5)


@pytest.mark.parametrize("text", ["—", "–", "-", "/", "无", "暂无", "待定", "未定", "", "  ", "0", "0.00"])
def test_placeholders_and_zero_are_empty(tmp_path, text):
    path = write_csv(tmp_path / "p.csv", [
        ["项目名称", "投资方", "计划投资（万元）", "签约日期", "供地面积（亩）", "是否搬迁"],
        ["甲", "乙", text, text if text not in ("0", "0.00") else "", text, text if text != "0.00" else ""]])
    table = only(path)
    assert table.problems == [] and by_row(table)[2] == {"name": "甲", "investor": "乙"} | (
        {"relocation": False} if text == "0" else {})


@pytest.mark.parametrize("text, yuan", [
    ("35,000", 350_000_000), ("３５０００", 350_000_000), ("35000.00", 350_000_000), (" 35000 ", 350_000_000),
    ("3.5亿", 350_000_000), ("3.5亿元", 350_000_000), ("350000000元", 350_000_000),
    ("2.5亿元人民币", 250_000_000), ("¥35,000", 350_000_000), ("人民币3.5亿元", 350_000_000),
    ("0.5", 5000), ("35000万元", 350_000_000),
])
def test_amounts_as_written(tmp_path, text, yuan):
    path = write_csv(tmp_path / "a.csv", [["项目名称", "投资方", "计划投资（万元）"], ["甲", "乙", text]])
    assert by_row(only(path))[2]["planned"] == Decimal(yuan)


def test_numbers_as_numbers_and_a_formulas_cached_value(tmp_path):
    path = xlsx(tmp_path / "f.xlsx", {"台账": [
        ["项目名称", "投资方", "计划投资（万元）", "协议投资（万元）", "到位资金（万元）", "到位日期"],
        ["甲", "乙", 0.1 + 0.2, "=C2*2", 35000.0, datetime(2021, 3, 5)],
    ]})
    # openpyxl writes a formula with no value; Excel writes the value it computed beside it.
    rewrite(path, "xl/worksheets/sheet1.xml",
            lambda xml: re.sub(r"(<f>C2\*2</f>)<v\s*/>", r"\1<v>0.6000000000000001</v>", xml))
    values = by_row(only(path))[2]
    assert values["planned"] == Decimal(3000) and values["contracted"] == Decimal(6000)
    assert values["capital"] == Decimal(350_000_000)


def test_a_formula_never_calculated_is_a_problem_not_an_empty_cell(tmp_path):
    path = xlsx(tmp_path / "f.xlsx", {"台账": [
        ["项目名称", "投资方", "计划投资（万元）", "协议投资（万元）", "联系电话"],
        ["甲", "乙", 100, "=C2*2", "=A1"],
        ["合计", None, "=SUM(C2:C2)", "=SUM(D2:D2)"],
    ]})
    table = only(path)
    assert problems(table) == [("f.xlsx[台账]:2", UncalculatedFormula, {"option": "协议投资（万元）",
                                                                      "cell": "D2"})]
    assert table.skipped == [(3, "total")]


@pytest.mark.parametrize("text, flag", [
    ("是", True), ("否", False), ("√", True), ("×", False), ("Y", True), ("N", False), ("yes", True),
    ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False),
])
def test_flags(tmp_path, text, flag):
    path = write_csv(tmp_path / "f.csv", [["项目名称", "投资方", "是否搬迁项目"], ["甲", "乙", text]])
    assert by_row(only(path))[2]["relocation"] is flag


def test_an_unclear_flag_is_a_problem_and_an_open_one_is_empty(tmp_path):
    path = write_csv(tmp_path / "f.csv", [["项目名称", "投资方", "是否搬迁"], ["甲", "乙", "部分"],
                                          ["丙", "丁", "待定"], ["戊", "己", "x"]])
    table = only(path)
    assert [(w, t) for w, t, _ in problems(table)] == [("f.csv:2", InvalidValue), ("f.csv:4", InvalidValue)]
    assert by_row(table) == {3: {"name": "丙", "investor": "丁"}}


def test_what_cannot_be_exact_is_refused_naming_the_form_and_the_row(tmp_path):
    path = xlsx(tmp_path / "bad.xlsx", {"台账": [
        ["XX开发区招商项目台账"],
        ["项目名称", "投资方", "计划投资（万元）", "签约日期"],
        ["甲", "甲公司", "约2亿", "2021-03-05"],
        ["乙", "乙公司", "2-3亿", "2021-03-05"],
        ["丙", "丙公司", "2～3亿", "3月5日"],
        ["丁", "丁公司", "3000万美元", "2021年上半年"],
        ["戊", "戊公司", "2亿左右", "2021-02-30"],
        ["己", "己公司", "USD 5000", "2021.3"],
        ["庚", "庚公司", "三千万", "明年"],
        ["辛", "辛公司", "35000", "2021-03-05"],
    ]})
    table = only(path)
    assert [(w, t) for w, t, _ in problems(table)] == [
        ("bad.xlsx[台账]:3", ApproximateValue), ("bad.xlsx[台账]:4", ValueRange),
        ("bad.xlsx[台账]:5", ValueRange), ("bad.xlsx[台账]:5", DateWithoutYear),
        ("bad.xlsx[台账]:6", OtherCurrency), ("bad.xlsx[台账]:6", VagueDate),
        ("bad.xlsx[台账]:7", ApproximateValue), ("bad.xlsx[台账]:7", InvalidValue),
        ("bad.xlsx[台账]:8", OtherCurrency), ("bad.xlsx[台账]:8", VagueDate),
        ("bad.xlsx[台账]:9", InvalidValue), ("bad.xlsx[台账]:9", InvalidValue)]
    assert table.problems[0].error.params == {"option": "计划投资（万元）", "value": "约2亿"}
    assert table.problems[4].error.params["currency"] == "美元 (USD)"
    assert list(by_row(table)) == [10]
    assert table.problems[0].text() == ("bad.xlsx[台账]:3: 计划投资（万元） '约2亿' is an estimate "
                                        "(约, 左右, 余 …): give the exact figure")
    assert table.problems[3].text("zh") == ("bad.xlsx[台账]:5: 签约日期 的值 '3月5日' 没有年份："
                                            "请填写完整日期，如 2021年3月5日")


def test_an_amount_column_with_no_unit_is_one_problem_never_yuan(tmp_path):
    path = write_csv(tmp_path / "nounit.csv", [["项目名称", "投资方", "计划投资"], ["甲", "乙", "35000"],
                                               ["丙", "丁", "3.5亿"]])
    table = only(path)
    assert problems(table) == [("nounit.csv", NoUnit, {"option": "计划投资", "letter": "C"})]
    assert column(table, "计划投资").unit is None
    assert by_row(table) == {2: {"name": "甲", "investor": "乙"},
                             3: {"name": "丙", "investor": "丁", "planned": Decimal(350_000_000)}}
    assert "--unit 万元" in table.problems[0].text()
    assert "--unit 万元" in error_message(table.problems[0].error, "zh")
    given = only(path, unit=WAN)
    assert given.problems == [] and by_row(given)[2]["planned"] == Decimal(350_000_000)
    assert column(given, "计划投资").unit_from == "--unit"


def test_a_unit_line_above_the_table_counts_and_a_header_unit_wins(tmp_path):
    path = write_csv(tmp_path / "u.csv", [["金额单位:亿元"],
                                          ["项目名称", "投资方", "计划投资", "协议投资（万元）"],
                                          ["甲", "乙", "3.5", "30000"]])
    table = only(path)
    assert table.skipped == [(1, "unit_line")]
    assert by_row(table)[3]["planned"] == Decimal(350_000_000)
    assert by_row(table)[3]["contracted"] == Decimal(300_000_000)


def test_an_area_in_square_metres_converts_only_exactly(tmp_path):
    path = write_csv(tmp_path / "m2.csv", [["项目名称", "投资方", "供地面积（平方米）"],
                                           ["甲", "乙", "80000"], ["丙", "丁", "1.5"], ["戊", "己", "60亩"]])
    table = only(path)
    assert column(table, "供地面积（平方米）").unit == Decimal("0.0015")
    assert by_row(table) == {2: {"name": "甲", "investor": "乙", "land_mu": Decimal(120)},
                             4: {"name": "戊", "investor": "己", "land_mu": Decimal(60)}}
    assert [(w, t) for w, t, _ in problems(table)] == [("m2.csv:3", InvalidValue)]


def test_a_column_in_another_currency_is_a_problem(tmp_path):
    path = write_csv(tmp_path / "usd.csv", [["项目名称", "投资方", "计划投资（万美元）"],
                                            ["甲", "乙", "100"]])
    table = only(path)
    assert problems(table) == [("usd.csv", OtherCurrency, {"option": "计划投资（万美元）",
                                                           "value": "计划投资（万美元）",
                                                           "currency": "美元 (USD)"})]
    assert by_row(table) == {2: {"name": "甲", "investor": "乙"}}


def test_sections_with_subtotals_repeated_headers_and_the_sheets_end(tmp_path):
    path = write_csv(tmp_path / "s.csv", [
        ["序号", "项目名称", "投资方", "计划投资（万元）"],
        ["一、签约项目（2个）", "", "", "300"],
        ["1", "甲", "甲公司", "100"],
        ["2", "乙", "乙公司", "200"],
        ["二", "在谈项目", "", ""],
        ["序号", "项目名称", "投资方", "计划投资（万元）"],
        ["3", "丙", "丙公司", "300"],
        ["小 计", "", "", "600"],
        ["其中：新材料", "", "", "100"],
        ["审核人 钱七", "", "联系电话 0571-1234567", ""],
        ["", "", "", ""],
        [],
    ])
    table = only(path)
    assert list(by_row(table)) == [3, 4, 7]
    assert table.skipped == [(2, "total"), (5, "section"), (6, "header"), (8, "total"), (9, "total"),
                             (10, "note")]


# -- columns that look alike -------------------------------------------------------------------------


def test_look_alike_columns_are_told_apart(tmp_path):
    path = write_csv(tmp_path / "alike.csv", [
        ["序号", "项目名称", "投资方（企业名称）", "用地需求（亩）", "已供地面积（亩）", "注册资本（万元）",
         "实际到位资金（万元）", "预计签约时间", "签约日期", "总投资（万元）", "是否搬迁项目", "开工时间",
         "项目简介", "联系电话", "投产日期"],
        ["1", "甲", "甲公司", "200", "120", "5000", "3000", "2021-06-30", "2021-03-05", "35000", "否",
         "2021-05-01", "年产10万吨", "0571-1234567", ""],
    ])
    table = only(path)
    assert [(c.header, c.field, c.ignored) for c in table.columns] == [
        ("序号", None, "serial"), ("项目名称", "name", None), ("投资方（企业名称）", "investor", None),
        ("用地需求（亩）", None, "land_asked"), ("已供地面积（亩）", "land_mu", None),
        ("注册资本（万元）", None, "registered_capital"), ("实际到位资金（万元）", "capital", None),
        ("预计签约时间", None, "expected_date"), ("签约日期", "signed_date", None),
        ("总投资（万元）", "planned", None), ("是否搬迁项目", "relocation", None),
        ("开工时间", "started_date", None), ("项目简介", None, "unknown"),
        ("联系电话", None, "unknown"), ("投产日期", "produced_date", None)]
    assert problems(table) == []
    assert by_row(table)[2] == {
        "name": "甲", "investor": "甲公司", "land_mu": Decimal(120), "capital": Decimal(30_000_000),
        "signed_date": date(2021, 3, 5), "planned": Decimal(350_000_000), "relocation": False,
        "started_date": date(2021, 5, 1)}
    quiet = only(path, ignore=["开工时间", "投产日期"])
    assert quiet.problems == [] and column(quiet, "开工时间").ignored == "--ignore"


def test_an_unknown_column_that_looks_like_money_is_a_problem_until_mapped_or_ignored(tmp_path):
    path = write_csv(tmp_path / "m.csv", [
        ["项目名称", "投资方", "奖励资金（万元）", "计划开工", "签约时间（预计）"],
        ["甲", "乙", "50", "2021-09-01", "2021-10-01"]])
    table = only(path)
    assert problems(table) == [("m.csv", UnknownColumn, {"option": "奖励资金（万元）", "letter": "C"})]
    assert [c.ignored for c in table.columns[2:]] == ["unknown", "expected_date", "expected_date"]
    message = table.problems[0].text()
    assert "--map '奖励资金（万元）=FIELD'" in message and "--ignore '奖励资金（万元）'" in message
    assert only(path, ignore={"奖励资金（万元）"}).problems == []
    assert only(path, ignore={"奖励资金"}).problems == []  # compared as headers are
    mapped = only(path, mapping=parse_mapping(["奖励资金(万元)=capital"]))
    assert mapped.problems == [] and by_row(mapped)[2]["capital"] == Decimal(500_000)


def test_a_field_named_twice_is_a_problem_but_notes_join(tmp_path):
    path = write_csv(tmp_path / "dup.csv", [
        ["项目名称", "投资方", "计划投资（万元）", "总投资（万元）", "备注", "项目进展"],
        ["甲", "乙", "100", "100", "重点项目", "已签约"]])
    table = only(path)
    assert problems(table) == [("dup.csv", DuplicateColumn, {
        "option": "总投资（万元）", "letter": "D", "first": "计划投资（万元）", "field": "planned"})]
    assert column(table, "总投资（万元）").ignored == "duplicate"
    assert by_row(table)[2]["note"] == "重点项目；已签约"


def test_a_row_with_figures_but_no_name_is_a_problem(tmp_path):
    path = write_csv(tmp_path / "n.csv", [["序号", "项目名称", "投资方", "计划投资（万元）"],
                                          ["1", "", "乙", "100"], ["2", "", "", ""]])
    table = only(path)
    assert problems(table) == [("n.csv:2", MissingValue, {"what": "项目名称"})]
    assert table.skipped == [(3, "blank")]  # a serial number alone


def test_merged_cells_down_the_data(tmp_path):
    path = xlsx(tmp_path / "m.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）"],
        ["甲", "甲公司", "新材料", 100],
        ["乙", "乙公司", None, 200],
        ["丙", "丙公司", "新能源", 300],
        ["丁", "丁公司", None, None],
    ]}, merges={"台账": ["C2:C3", "D4:D5"]})
    table = only(path)
    assert by_row(table)[3]["sector"] == "新材料"
    assert problems(table) == [("m.xlsx[台账]:4", SharedCell, {"option": "计划投资（万元）", "first": 4,
                                                              "last": 5})]


# -- visit logs ----------------------------------------------------------------------------------------


def test_a_visit_log_with_remarks_in_brackets_and_several_projects_in_a_cell(tmp_path):
    path = xlsx(tmp_path / "visits.xlsx", {"走访记录": [
        ["2021年走访记录"],
        ["日期", "活动类型", "对接项目", "带队领导", "参加人员", "备注"],
        [datetime(2021, 3, 5), "外出招商（上海）", "华锂新材、鼎盛光伏", "王主任", "张三、李四", "拜访总部"],
        ["2021/3/8", "接待客商(深圳考察团)", "华锂新材 鼎盛光伏", None, "张三", None],
        ["2021-03-09", "招商推介", "Tesla Gigafactory", None, None, None],
        ["2021-03-10", "走访服务企业", "华锂新材；鼎盛光伏/康养小镇", None, None, None],
        ["2021-03-11", "线上洽谈会", "ABC 新材料", None, None, None],
        ["2021-03-12", "山海协作结对活动", "华锂新材\n鼎盛光伏", None, None, None],
        ["2021-03-15", "online meeting", "华锂新材", None, None, None],
        ["2021-03-16", "考察", "华锂新材", None, None, None],
    ]})
    table = only(path)
    assert table.kind == VISITS and table.skipped == [(1, "title")]
    rows = by_row(table)
    assert rows[3] == {"date": date(2021, 3, 5), "kind": "outbound", "projects": ["华锂新材", "鼎盛光伏"],
                       "participants": "王主任、张三、李四", "note": "拜访总部；上海"}
    assert rows[4] == {"date": date(2021, 3, 8), "kind": "reception", "projects": ["华锂新材", "鼎盛光伏"],
                       "participants": "张三", "note": "深圳考察团"}
    assert rows[5]["kind"] == "outbound" and rows[5]["projects"] == ["Tesla Gigafactory"]
    assert rows[6]["kind"] == "aftercare" and rows[6]["projects"] == ["华锂新材", "鼎盛光伏", "康养小镇"]
    assert rows[7]["kind"] == "online" and rows[7]["projects"] == ["ABC 新材料"]
    assert rows[8]["kind"] == "pairing" and rows[8]["projects"] == ["华锂新材", "鼎盛光伏"]
    assert rows[9]["kind"] == "online"
    assert [(w, t) for w, t, _ in problems(table)] == [("visits.xlsx[走访记录]:10", InvalidValue)]


# -- files that are not ledgers ------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, error", [
    ("export.xls", "<html><body><table><tr><td>项目名称</td></tr></table></body></html>".encode(),
     SavedAsWebPage),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), LegacyWorkbook),
    ("random.xlsx", bytes(range(256)) * 4, NotAWorkbook),
    ("utf16.csv", "项目名称,投资方\r\n甲,乙\r\n".encode("utf-16"), Utf16Text),
    ("latin.csv", "项目名称,投资方\n".encode() + b"caf\xe9,\xff\xfe\xfa\n", UnreadableText),
    ("notes.txt", b"hello", UnknownFileType),
])
def test_files_that_are_not_ledgers_say_how_to_save_them(tmp_path, name, content, error):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as e:
        read(path)
    assert isinstance(e.value, NotALedger) and e.value.params["file"] == name
    for lang in ("en", "zh"):
        message = error_message(e.value, lang)
        assert "\n" not in message and name in message and not message.startswith(error.__name__)


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(NotAWorkbook):
        read(path)


def test_the_messages_for_files_name_the_fix(tmp_path):
    path = tmp_path / "台账.xls"
    path.write_bytes(b"\xef\xbb\xbf<html><table></table></html>")
    with pytest.raises(SavedAsWebPage) as e:
        read(path)
    assert error_message(e.value) == ("台账.xls is a web page (HTML) saved under a spreadsheet's name, "
                                      "not a workbook: open it in Excel or WPS and save it as .xlsx or .csv")
    assert error_message(e.value, "zh").startswith("台账.xls 是以表格文件名保存的网页（HTML）")


def test_a_renamed_xlsx_is_still_read(tmp_path):
    path = xlsx(tmp_path / "book.xlsx", {"S": [["项目名称", "投资方"], ["甲", "乙"]]})
    renamed = path.rename(tmp_path / "book.xls")
    assert by_row(only(renamed))[2] == {"name": "甲", "investor": "乙"}


def test_a_csv_has_no_sheets_to_choose(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["项目名称", "投资方"], ["甲", "乙"]])
    with pytest.raises(NoSuchSheet):
        read(path, sheet="Sheet1")


# -- the mapping option and the catalogue --------------------------------------------------------------


def test_parse_mapping():
    assert parse_mapping(["奖励资金（万元）=capital", " 对接人 = owner"]) == {
        "奖励资金(万元)": "capital", "对接人": "owner"}
    with pytest.raises(InvalidValue) as e:
        parse_mapping(["奖励资金=money"])
    assert e.value.params["option"] == "--map"


def test_every_field_has_a_kind_the_reader_converts():
    assert set(FIELDS.values()) == {"name", "text", "sector", "amount", "area", "date", "flag", "kind",
                                    "names"}


def test_every_new_error_has_both_languages(tmp_path):
    errors = [NoUnit(option="计划投资", letter="C"), UnknownColumn(option="奖励资金", letter="D"),
              NotImportedYet(option="开工时间", letter="E"),
              DuplicateColumn(option="总投资", letter="F", first="计划投资", field="planned"),
              SharedCell(option="计划投资", first=4, last=5), ValueRange(option="计划投资", value="2-3亿"),
              VagueDate(option="签约日期", value="2021年3月"),
              OtherCurrency(option="计划投资", value="3000万美元", currency="美元 (USD)"),
              NoSuchSheet(file="a.xlsx", sheet="x", sheets="a, b"),
              UnknownFileType(file="a.ods", suffix=".ods"), Utf16Text(file="a.csv", encoding="UTF-16"),
              UncalculatedFormula(option="协议投资", cell="D7"), NotALedger(file="a.xlsx")]
    for error in errors:
        en, zh = error_message(error, "en"), error_message(error, "zh")
        assert en != zh and not en.startswith(type(error).__name__) and "{" not in en + zh
    assert error_message(errors[0], "zh") == (
        "第 C 列「计划投资」是金额，但表头和表格上方都未注明单位：请在表头注明（如 计划投资（万元）），"
        "或加 --unit 万元（或 亿元、元）")


def test_a_problem_reads_as_one_line_in_either_language():
    problem = Problem("台账.xlsx[2021年]:7", InvalidValue(option="签约日期", value="明年",
                                                       expected="a date such as 2021-08-03, 2021/8/3 or "
                                                                "2021年8月3日"))
    assert problem.text() == ("台账.xlsx[2021年]:7: 签约日期 '明年' is not valid: expected a date such as "
                              "2021-08-03, 2021/8/3 or 2021年8月3日")
    assert problem.text("zh") == ("台账.xlsx[2021年]:7: 签约日期 的值 '明年' 无效：应为日期，如 2021-08-03、"
                                  "2021/8/3 或 2021年8月3日")
