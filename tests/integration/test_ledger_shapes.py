"""`crm import` on the ledgers (招商项目台账) and visit logs a county zone's investment office
really keeps, in every shape they come in: each workbook and CSV is built here, in code, as the
office's staff would have made it, imported in-process, and checked to the yuan, to the message
and to the row number — and, when it is refused, to nothing written."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import log_digest

# -- building files ------------------------------------------------------------------------------
from tests.workbooks import rewrite, write_csv, xlsx


def show(run, name: str) -> dict[str, Any]:
    return run("show", name, "--format", "json").json()


def events(run, name: str) -> list[tuple[str, str]]:
    """A project's history as (date, event) pairs."""
    return [(e["occurred_on"], e["event"]) for e in
            run("history", name, "--format", "json").json()]


# -- the shapes of a ledger ----------------------------------------------------------------------

COUNTY = [
    ["XX县经济开发区2021年招商引资项目台账"],
    ["填报单位：XX县经济开发区招商办", None, None, None, None, None, "填报日期：2021年6月30日"],
    ["单位：万元"],
    ["序号", "项目名称", "投资方（企业名称）", "产业类别", "总投资", "协议投资", "签约日期",
     "到位资金", "是否搬迁项目", "责任人", "备注"],
    ["一、已签约项目"],
    [1, "星河光伏", "星河能源集团", "新能源", 20000, 22000, datetime(2021, 3, 18), 5000, "否",
     "张伟", "重点项目"],
    [2, "华锂新材", "华锂集团有限公司", "新材料", "80,000", "100000", "2021.5.6", "—", "是",
     "李娜", None],
    ["二、在谈项目"],
    [3, "云栖数据", "云栖科技", "数字经济", 12000, None, None, None, None, "王芳", "在谈"],
    ["合　计", None, None, None, 112000, 122000, None, 5000],
    ["填表人：王芳", None, None, "联系电话：0571-12345678"],
    ["注：1.到位资金为累计数。"],
]


def county_ledger(path: Path) -> Path:
    return xlsx(path, {"2021年台账": COUNTY}, merges={"2021年台账": ["A1:K1"]})


def test_a_county_ledger_with_its_title_unit_line_sections_total_and_footers(run, tmp_path,
                                                                             store):
    path = county_ledger(tmp_path / "招商项目台账2021.xlsx")
    run("init")
    before = log_digest(store)
    checked = run("import", str(path), "--check")
    assert checked.out.splitlines() == [
        "招商项目台账2021.xlsx[2021年台账]: ledger, 10 column(s) read, 1 ignored, 3 row(s), 8 "
        "row(s) skipped",
        "  A 序号: not read: a serial number",
        "  B 项目名称 → name",
        "  C 投资方（企业名称） → investor",
        "  D 产业类别 → sector",
        "  E 总投资 → planned, in 10k yuan (万元) (from the 单位 line above the table)",
        "  F 协议投资 → contracted, in 10k yuan (万元) (from the 单位 line above the table)",
        "  G 签约日期 → signed_date",
        "  H 到位资金 → capital, in 10k yuan (万元) (from the 单位 line above the table)",
        "  I 是否搬迁项目 → relocation",
        "  J 责任人 → owner",
        "  K 备注 → note",
        "  rows skipped: 1 (title); 2, 11 (填报 line); 3 (unit line); 5, 8 (section); 10 (total); "
        "12 (note or footer)",
        "  report date: 2021-06-30 (填报日期)",
        "would import: 3 new, 0 updated, 0 unchanged; 6 event(s)",
        "招商项目台账2021.xlsx[2021年台账]: figures without a date column dated 2021-06-30 "
        "(填报日期 above the table)",
        "3 new project(s) with no 接洽日期: contacted on the earliest date the import knows for "
        "each",
        "nothing written (--check)"]
    assert log_digest(store) == before
    out = run("import", str(path)).out
    assert out.splitlines() == [
        "招商项目台账2021.xlsx[2021年台账]: ledger, 10 column(s) read, 1 ignored, 3 row(s), 8 "
        "row(s) skipped",
        "imported 招商项目台账2021.xlsx: 3 new, 0 updated, 0 unchanged; 6 event(s)",
        "招商项目台账2021.xlsx[2021年台账]: figures without a date column dated 2021-06-30 "
        "(填报日期 above the table)",
        "3 new project(s) with no 接洽日期: contacted on the earliest date the import knows for "
        "each"]
    star = show(run, "星河光伏")
    assert (star["planned_investment"], star["contracted_investment"], star["capital_arrived"]) \
        == ("200000000", "220000000", "50000000")
    assert (star["contact_date"], star["signed_date"], star["owner"], star["relocation"]) == \
        ("2021-03-18", "2021-03-18", "张伟", False)
    assert events(run, "星河光伏") == [("2021-03-18", "ContactMade"),
                                      ("2021-03-18", "ContractSigned"),
                                      ("2021-06-30", "CapitalArrived")]
    lithium = show(run, "华锂新材")
    assert (lithium["planned_investment"], lithium["contracted_investment"],
            lithium["capital_arrived"], lithium["relocation"], lithium["signed_date"]) == \
        ("800000000", "1000000000", None, True, "2021-05-06")
    cloud = show(run, "云栖数据")  # no date of its own: a lead contacted on the report's date
    assert (cloud["stage"], cloud["contact_date"], cloud["planned_investment"]) == \
        ("lead", "2021-06-30", "120000000")
    assert run("import", str(path)).out.splitlines()[-1] == (
        "nothing to import: 招商项目台账2021.xlsx holds nothing the log does not (3 row(s) "
        "unchanged)")


def test_english_headers_with_their_units_in_words(run, tmp_path):
    path = write_csv(tmp_path / "projects.csv", [
        ["No.", "Project name", "Investor", "Industry", "Total investment (10k yuan)",
         "Framework investment (yuan)", "Framework date", "Contracted investment (CNY 100m)",
         "Signing date", "Capital arrived (RMB 10,000)", "Capital date",
         "Land transferred (mu)", "Land date", "Relocation", "Owner", "Remarks"],
        ["1", "Alpha Solar", "Alpha Energy Co.", "new energy", "35,000", "300000000",
         "2021-04-01", "3.5", "2021-05-01", "12000", "2021-07-01", "120.5", "2021-06-01", "N",
         "Li Na", "key project"],
        ["2", "Beta Health", "Beta Group", "big health", "5000", "", "", "", "", "", "", "", "",
         "Y", "", ""],
    ])
    checked = run("import", str(path), "--check", "--dated", "2021-03-31")
    assert checked.out.splitlines() == [
        "projects.csv: ledger, 15 column(s) read, 1 ignored, 2 row(s), 0 row(s) skipped",
        "  A No.: not read: a serial number",
        "  B Project name → name",
        "  C Investor → investor",
        "  D Industry → sector",
        "  E Total investment (10k yuan) → planned, in 10k yuan (万元) (from the header)",
        "  F Framework investment (yuan) → framework_amount, in yuan (from the header)",
        "  G Framework date → framework_date",
        "  H Contracted investment (CNY 100m) → contracted, in 100m yuan (亿元) (from the header)",
        "  I Signing date → signed_date",
        "  J Capital arrived (RMB 10,000) → capital, in 10k yuan (万元) (from the header)",
        "  K Capital date → capital_date",
        "  L Land transferred (mu) → land_mu, in 亩 (from the header)",
        "  M Land date → land_date",
        "  N Relocation → relocation",
        "  O Owner → owner",
        "  P Remarks → note",
        "would import: 2 new, 0 updated, 0 unchanged; 6 event(s)",
        "projects.csv: figures without a date column dated 2021-03-31 (--dated)",
        "2 new project(s) with no 接洽日期: contacted on the earliest date the import knows for "
        "each",
        "nothing written (--check)"]
    run("import", str(path), "--dated", "2021-03-31")
    alpha = show(run, "Alpha Solar")
    assert (alpha["planned_investment"], alpha["framework_investment"],
            alpha["contracted_investment"], alpha["capital_arrived"], alpha["land_mu"]) == \
        ("350000000", "300000000", "350000000", "120000000", "120.5")
    assert (alpha["contact_date"], alpha["stage"], alpha["owner"], alpha["relocation"]) == \
        ("2021-04-01", "capital", "Li Na", False)
    beta = show(run, "Beta Health")
    assert (beta["stage"], beta["contact_date"], beta["relocation"], beta["sector"]) == \
        ("lead", "2021-03-31", True, "大健康")


def test_a_two_line_header_with_merged_group_titles(run, tmp_path):
    """协议投资 merged over 金额（万元） and 签约日期; 到位资金（万元） — the unit on the group —
    merged over 金额 and 日期; Alt+Enter inside headers."""
    path = xlsx(tmp_path / "推进表.xlsx", {"推进表": [
        ["2021年重点招商项目推进表"],
        ["序号", "项目名称", "投资主体", "所属行业", "计划总投资\n（万元）", "协议投资", None,
         "实际到位资金（万元）", None, "跟踪人"],
        [None, None, None, None, None, "金额（万元）", "签约日期", "金额", "日期", None],
        [1, "星河光伏", "星河能源集团", "新能源", 50000, 52000, datetime(2021, 4, 2), 8000,
         datetime(2021, 8, 9), "张伟"],
        [2, "蓝海医疗", "蓝海医疗器械有限公司", "大健康", 30000, None, None, None, None, "李娜"],
    ]}, merges={"推进表": ["A1:J1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:G2",
                        "H2:I2", "J2:J3"]})
    checked = run("import", str(path), "--check", "--dated", "2021-09-30")
    assert checked.out.splitlines()[:12] == [
        "推进表.xlsx[推进表]: ledger, 9 column(s) read, 1 ignored, 2 row(s), 1 row(s) skipped",
        "  A 序号: not read: a serial number",
        "  B 项目名称 → name",
        "  C 投资主体 → investor",
        "  D 所属行业 → sector",
        "  E 计划总投资 （万元） → planned, in 10k yuan (万元) (from the header)",
        "  F 协议投资 金额（万元） → contracted, in 10k yuan (万元) (from the header)",
        "  G 协议投资 签约日期 → signed_date",
        "  H 实际到位资金（万元） 金额 → capital, in 10k yuan (万元) (from the merged header "
        "above)",
        "  I 实际到位资金（万元） 日期 → capital_date",
        "  J 跟踪人 → owner",
        "  rows skipped: 1 (title)"]
    run("import", str(path), "--dated", "2021-09-30")
    star = show(run, "星河光伏")
    assert (star["planned_investment"], star["contracted_investment"], star["capital_arrived"],
            star["signed_date"], star["owner"]) == \
        ("500000000", "520000000", "80000000", "2021-04-02", "张伟")
    assert events(run, "星河光伏")[-1] == ("2021-08-09", "CapitalArrived")
    assert show(run, "蓝海医疗")["contact_date"] == "2021-09-30"  # no date of its own: --dated


def test_a_running_total_beside_this_years_figure_under_a_merged_title(run, tmp_path, store):
    """到位资金（万元） over 本年 and 累计: 累计 is the running total the tool keeps; 本年 is
    no field and, looking like money, is a problem until --ignore (or --map) settles it."""
    path = xlsx(tmp_path / "台账.xlsx", {"Sheet1": [
        ["项目名称", "投资方", "产业", "计划总投资（万元）", "接洽日期", "协议投资（万元）", None,
         "到位资金（万元）", None],
        [None, None, None, None, None, "金额", "签约时间", "本年", "累计"],
        ["星河光伏", "星河能源", "新能源", 20000, "2021-01-05", 21000, "2021-02-01", 500, 800],
    ]}, merges={"Sheet1": ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:G1", "H1:I1"]})
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), "--dated", "2021-06-30", check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.xlsx[Sheet1]: column H '到位资金（万元） 本年' looks like amounts, dates, areas or "
        "yes/no, but no field the tool knows: --map '到位资金（万元） 本年=FIELD' reads it as a "
        "field, --ignore '到位资金（万元） 本年' leaves it out",
        "crm: 1 problem(s) in 台账.xlsx: nothing was imported"])
    assert log_digest(store) == before
    run("import", str(path), "--dated", "2021-06-30", "--ignore", "本年")
    star = show(run, "星河光伏")
    assert (star["contracted_investment"], star["capital_arrived"], star["signed_date"]) == \
        ("210000000", "8000000", "2021-02-01")


def test_a_two_line_header_in_a_csv_names_each_group_once(run, tmp_path):
    """Saved from Excel as CSV the merges are gone: 协议投资 stands over the first of its columns
    only, and the columns after it are its own until the next title."""
    path = write_csv(tmp_path / "两行.csv", [
        ["序号", "项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资", "",
         "供地", "", "到位资金（万元）", ""],
        ["", "", "", "", "", "", "金额（万元）", "签约日期", "面积（亩）", "日期", "累计", "本年"],
        ["1", "星河光伏", "星河能源", "新能源", "20000", "2021-01-05", "21000", "2021-02-01", "50",
         "2021-03-01", "800", "500"],
    ], encoding="gbk", newline="\r\n")
    checked = run("import", str(path), "--check", "--ignore", "本年", "--dated", "2021-06-30")
    assert checked.out.splitlines()[7:13] == [
        "  G 协议投资 金额（万元） → contracted, in 10k yuan (万元) (from the header)",
        "  H 协议投资 签约日期 → signed_date",
        "  I 供地 面积（亩） → land_mu, in 亩 (from the header)",
        "  J 供地 日期 → land_date",
        "  K 到位资金（万元） 累计 → capital, in 10k yuan (万元) (from the merged header above)",
        "  L 到位资金（万元） 本年: not read: --ignore"]
    run("import", str(path), "--ignore", "本年", "--dated", "2021-06-30")
    assert events(run, "星河光伏") == [("2021-01-05", "ContactMade"),
                                      ("2021-02-01", "ContractSigned"),
                                      ("2021-03-01", "LandTransferred"),
                                      ("2021-06-30", "CapitalArrived")]
    star = show(run, "星河光伏")
    assert (star["contracted_investment"], star["land_mu"], star["capital_arrived"]) == \
        ("210000000", "50", "8000000")


def test_relocation_flags_and_total_investment(run, tmp_path):
    rows = [["项目名称", "投资方（企业名称）", "产业", "总投资（万元）", "接洽日期",
             "是否搬迁项目"]]
    for i, flag in enumerate(["是", "否", "√", "×", "Y", "N", "y", "待定", None]):
        rows.append([f"项目{i + 1}", f"企业{i + 1}", "其他", 1000 + i, "2021-03-01", flag])
    path = xlsx(tmp_path / "搬迁.xlsx", {"台账": rows})
    run("import", str(path))
    shown = [show(run, f"项目{i + 1}") for i in range(9)]
    got = [(p["relocation"], p["planned_investment"]) for p in shown]
    assert got == [(True, "10000000"), (False, "10010000"), (True, "10020000"),
                   (False, "10030000"), (True, "10040000"), (False, "10050000"),
                   (True, "10060000"), (False, "10070000"), (False, "10080000")]
    assert run("report", "quarter", "2021Q1", "--format", "json").json()["quarter"]["contacts"] == 9


def test_look_alike_columns_are_told_apart(run, tmp_path):
    """用地需求 is land asked for, 已供地面积 land transferred; 注册资本 is not 到位资金;
    预计签约时间 is not 签约日期; 开工时间 cannot be imported yet and says so."""
    path = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）",
         "签约日期", "用地需求（亩）", "已供地面积（亩）", "供地日期", "注册资本（万元）",
         "实际到位资金（万元）", "到位日期", "预计签约时间", "预计开工时间"],
        ["华锂新材", "华锂集团", "新材料", 30000, "2021-01-06", 30000, "2021-03-01", 200, 85.5,
         "2021-04-01", 10000, 6000, "2021-05-01", None, "2021年10月"],
        ["蓝海医疗", "蓝海医疗", "大健康", 5000, "2021-01-07", None, None, 80, None, None, 2000,
         None, None, "2021年12月", None],
    ]})
    checked = run("import", str(path), "--check")
    assert checked.out.splitlines()[8:16] == [
        "  H 用地需求（亩）: not read: land asked for (用地需求), not land transferred",
        "  I 已供地面积（亩） → land_mu, in 亩 (from the header)",
        "  J 供地日期 → land_date",
        "  K 注册资本（万元）: not read: registered capital (注册资本), not capital arrived",
        "  L 实际到位资金（万元） → capital, in 10k yuan (万元) (from the header)",
        "  M 到位日期 → capital_date",
        "  N 预计签约时间: not read: an expected date, not a recorded one",
        "  O 预计开工时间: not read: an expected date, not a recorded one"]
    assert checked.code == 0
    run("import", str(path))
    lithium = show(run, "华锂新材")
    assert (lithium["land_mu"], lithium["capital_arrived"], lithium["stage"]) == \
        ("85.5", "60000000", "capital")
    assert show(run, "蓝海医疗")["stage"] == "lead"  # its 2021年12月 is only expected
    started = xlsx(tmp_path / "开工.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）", "签约日期",
         "供地面积（亩）", "供地日期", "开工时间", "投产日期"],
        ["云栖数据", "云栖科技", "数字经济", 100000, "2021-01-08", 100000, "2021-02-01", 30,
         "2021-03-01", "2021-06-01", "2022-01-05"],
        ["早开工", "某公司", "数字经济", 100000, "2021-01-08", 100000, "2021-02-01", 30,
         "2021-03-01", "2021-02-15", ""]]})
    refused = run("import", str(started), check=False)
    assert refused.err.splitlines() == [
        "开工.xlsx[台账]:3: date 2021-02-15 is before '早开工' got its land on 2021-03-01: check "
        "the date",
        "crm: 1 problem(s) in 开工.xlsx: nothing was imported"]
    fixed = xlsx(tmp_path / "开工2.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）", "签约日期",
         "供地面积（亩）", "供地日期", "开工时间", "投产日期"],
        ["云栖数据", "云栖科技", "数字经济", 100000, "2021-01-08", 100000, "2021-02-01", 30,
         "2021-03-01", "2021-06-01", "2022-01-05"],
        ["早开工", "某公司", "数字经济", 100000, "2021-01-08", 100000, "2021-02-01", 30,
         "2021-03-01", "2021-03-15", ""]]})
    run("import", str(fixed))
    cloud = show(run, "云栖数据")
    assert (cloud["stage"], cloud["started_on"], cloud["producing_on"]) == \
        ("producing", "2021-06-01", "2022-01-05")
    assert show(run, "早开工")["stage"] == "started"




SECTIONED_HEADER = ["序号", "项目名称", "投资方", "产业", "计划投资（亿元）", "接洽日期",
                    "协议投资（亿元）", "签约日期", "累计到位资金（亿元）"]


def test_sections_numbered_in_the_serial_column_subtotals_and_a_report_date_at_the_foot(
        run, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["2021年招商项目台账"],
        SECTIONED_HEADER,
        ["一", "签约项目（2个）"],
        [1, "星河光伏", "星河能源", "新能源", 1.1, "2021-01-05", 0.35, "2021-02-01", 0.12],
        [2, "华锂新材", "华锂集团", "新材料", 2.2, "2021-01-06", 2.2, "2021-02-02", None],
        ["小　计", None, None, None, 3.3, None, 2.55, None, 0.12],
        ["二", "在谈项目"],
        [1, "蓝海医疗", "蓝海医疗", "大健康", 0.5, "2021-01-07"],
        [2],
        ["（三）储备项目"],
        ["3", "云栖数据", "云栖科技", "数字经济", "0.8", "2021-01-08"],
        SECTIONED_HEADER,  # the header again, printed at the top of page 2
        [4, "天成机械", "天成集团", "其他", 0.2, "2021-01-09"],
        ["总  计", None, None, None, 4.6, None, 2.55, None, 0.12],
        ["审核人：李四", None, "填报日期：2021-07-05"],
        ["注：1.投资额单位为亿元；2.到位资金为累计数。"],
    ]})
    checked = run("import", str(path), "--check")
    assert checked.out.splitlines()[10:13] == [
        "  rows skipped: 1 (title); 3, 7, 10 (section); 6, 14 (total); 12 (header repeated); 15–16 "
        "(note or footer)",
        "  report date: 2021-07-05 (填报日期)",
        "would import: 5 new, 0 updated, 0 unchanged; 8 event(s)"]
    run("import", str(path))
    star = show(run, "星河光伏")
    assert (star["planned_investment"], star["contracted_investment"], star["capital_arrived"]) \
        == ("110000000", "35000000", "12000000")
    assert events(run, "星河光伏")[-1] == ("2021-07-05", "CapitalArrived")
    planned = {p["name"]: p["planned_investment"] for p in run("list", "--format", "json").json()}
    assert planned == {"星河光伏": "110000000", "华锂新材": "220000000", "蓝海医疗": "50000000",
                       "云栖数据": "80000000", "天成机械": "20000000"}


def test_cells_merged_down_over_several_rows(run, tmp_path, store):
    """产业 merged over two projects, one date over a day's visits: the top cell's value is every
    row's. An amount merged so cannot be every row's: refused."""
    path = xlsx(tmp_path / "台账.xlsx", {
        "台账": [["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期"],
                 ["星河光伏", "星河能源", "新能源", 100, "2021-01-05"],
                 ["华锂新材", "华锂集团", None, 100, "2021-01-06"],
                 ["蓝海医疗", "蓝海", "大健康", 100, "2021-01-06"]],
        "走访": [["日期", "类型", "项目", "参加人员"],
                 [datetime(2021, 2, 1), "外出招商", "星河光伏", "张伟"],
                 [None, "接待客商", "华锂新材", None],
                 [None, "线上洽谈", "蓝海医疗", None],
                 [datetime(2021, 2, 2), "外出招商", "星河光伏", None]],
    }, merges={"台账": ["C2:C3"], "走访": ["A2:A4", "D2:D3"]})
    run("import", str(path))
    assert show(run, "华锂新材")["sector"] == "新能源"
    visit = run("history", "华锂新材", "--format", "json").json()[-1]
    assert (visit["occurred_on"], visit["kind"], visit["participants"]) == \
        ("2021-02-01", "reception", "张伟")
    assert run("history", "蓝海医疗", "--format", "json").json()[-1]["occurred_on"] == "2021-02-01"
    shared = xlsx(tmp_path / "合并.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期"],
        ["天成一期", "天成集团", "其他", 5000, "2021-01-05"],
        ["天成二期", "天成集团", "其他", None, "2021-01-05"]]}, merges={"台账": ["D2:D3"]})
    before = log_digest(store)
    refused = run("import", str(shared), check=False)
    assert refused.err.splitlines()[0] == (
        "合并.xlsx[台账]:2: rows 2-3 share one merged '计划投资（万元）' cell: unmerge it and give "
        "each row its own figure")
    assert log_digest(store) == before


def test_the_check_in_chinese(run, tmp_path):
    path = county_ledger(tmp_path / "台账.xlsx")
    checked = run("--lang", "zh", "import", str(path), "--check")
    assert checked.out.splitlines() == [
        "台账.xlsx[2021年台账]：项目台账，读取 10 列，忽略 1 列，数据 3 行，跳过 8 行",
        "  A 序号：不读取：序号",
        "  B 项目名称 → 项目名称（name）",
        "  C 投资方（企业名称） → 投资方（investor）",
        "  D 产业类别 → 产业（sector）",
        "  E 总投资 → 计划投资（planned），单位万元（来自表上方的“单位”行）",
        "  F 协议投资 → 协议投资（contracted），单位万元（来自表上方的“单位”行）",
        "  G 签约日期 → 签约日期（signed_date）",
        "  H 到位资金 → 到位资金（capital），单位万元（来自表上方的“单位”行）",
        "  I 是否搬迁项目 → 搬迁（relocation）",
        "  J 责任人 → 负责人（owner）",
        "  K 备注 → 备注（note）",
        "  跳过的行：1（标题）；2、11（填报行）；3（单位行）；5、8（分类行）；10（合计）；12（注释"
        "或表尾）",
        "  填报日期：2021-06-30",
        "将导入：新增 3 行，更新 0 行，无变化 0 行；共 6 个事件",
        "台账.xlsx[2021年台账]：无日期列的数字按表上方填报日期 2021-06-30 记",
        "3 个新项目没有接洽日期：按导入所知的最早日期记为接洽",
        "未写入任何内容（--check）"]



def test_units_wherever_the_header_states_them(run, tmp_path):
    path = write_csv(tmp_path / "台账.csv", [
        ["项目名称", "投资方", "产业", "计划投资万元", "接洽日期", "框架协议金额(亿元)",
         "框架协议日期", "合同金额/亿元", "签约日期", "实际到位资金（元）", "到位日期",
         "出让面积（平方米）", "出让日期"],
        ["星河光伏", "星河能源", "新能源", "12345.67", "2021-01-05", "1.5", "2021-02-01", "2",
         "2021-03-01", "1,234,567.89", "2021-05-01", "10000", "2021-04-01"],
        ["华锂新材", "华锂集团", "新材料", "0.5", "2021-01-05", "", "", "", "", "", "", "", ""],
    ])
    checked = run("import", str(path), "--check", "--confirm")  # 0.5万 planned: a slip? no
    assert [line for line in checked.out.splitlines() if " in " in line] == [
        "  D 计划投资万元 → planned, in 10k yuan (万元) (from the header)",
        "  F 框架协议金额(亿元) → framework_amount, in 100m yuan (亿元) (from the header)",
        "  H 合同金额/亿元 → contracted, in 100m yuan (亿元) (from the header)",
        "  J 实际到位资金（元） → capital, in yuan (from the header)",
        "  L 出让面积（平方米） → land_mu, in square metres (from the header)"]
    run("import", str(path), "--confirm")
    star = show(run, "星河光伏")
    assert (star["planned_investment"], star["framework_investment"],
            star["contracted_investment"], star["capital_arrived"], star["land_mu"]) == \
        ("123456700", "150000000", "200000000", "1234567.89", "15")  # 10000 m² is 15 亩
    assert show(run, "华锂新材")["planned_investment"] == "5000"


# -- sheets and files ----------------------------------------------------------------------------

LEDGER_HEADER = ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期"]


def workbook_with_sheets(path: Path) -> Path:
    return xlsx(path, {
        "填表说明": [["本表由招商办每月更新"], ["请勿修改表头"]],
        "在谈项目": [LEDGER_HEADER,
                     ["星河光伏", "星河能源", "新能源", 20000, datetime(2021, 3, 1)]],
        "已签约项目": [LEDGER_HEADER + ["协议投资（万元）", "签约日期"],
                      ["华锂新材", "华锂集团", "新材料", 30000, datetime(2021, 1, 5), 30000,
                       datetime(2021, 2, 8)]],
        "已删除项目": [LEDGER_HEADER, ["旧项目", "旧公司", "其他", 100, datetime(2020, 1, 1)]],
    }, hidden=("已删除项目",))


def test_every_visible_ledger_sheet_is_read_and_a_hidden_one_is_skipped_and_said(run, tmp_path):
    path = workbook_with_sheets(tmp_path / "台账.xlsx")
    out = run("import", str(path)).out
    assert out.splitlines() == [
        "台账.xlsx[在谈项目]: ledger, 5 column(s) read, 0 ignored, 1 row(s), 0 row(s) skipped",
        "台账.xlsx[已签约项目]: ledger, 7 column(s) read, 0 ignored, 1 row(s), 0 row(s) skipped",
        "台账.xlsx: hidden sheet 已删除项目 skipped (show it in Excel, or give --sheet, to read "
        "it)",
        "台账.xlsx: sheet 填表说明 holds no ledger or visit log (not read)",
        "imported 台账.xlsx: 2 new, 0 updated, 0 unchanged; 3 event(s)"]
    assert [p["name"] for p in run("list", "--format", "json").json()] == ["华锂新材", "星河光伏"]
    assert show(run, "华锂新材")["signed_date"] == "2021-02-08"


def test_sheet_picks_one_sheet_even_a_hidden_one(run, tmp_path):
    path = workbook_with_sheets(tmp_path / "台账.xlsx")
    out = run("import", str(path), "--sheet", "已删除项目").out
    assert out.splitlines() == [
        "台账.xlsx[已删除项目]: ledger, 5 column(s) read, 0 ignored, 1 row(s), 0 row(s) skipped",
        "imported 台账.xlsx: 1 new, 0 updated, 0 unchanged; 1 event(s)"]
    assert [p["name"] for p in run("list", "--format", "json").json()] == ["旧项目"]
    out = run("import", str(path), "--sheet", "在谈项目").out
    assert out.splitlines()[-2:] == [
        "imported 台账.xlsx: 1 new, 0 updated, 0 unchanged; 1 event(s)",
        "1 project(s) of the log not in this ledger, left as they are"]
    wrong = run("import", str(path), "--sheet", "2022年", check=False)
    assert (wrong.code, wrong.err.splitlines()) == (2, [
        "crm: 台账.xlsx has no sheet named '2022年'; its sheets are: 填表说明, 在谈项目, "
        "已签约项目, 已删除项目"])


CSV_ROWS = [
    ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "备注"],
    ["星河光伏", "星河能源集团", "新能源", "20,000", "2021/3/1", "市长带队考察"],
    ["华锂新材", "华锂集团", "新材料", "8亿", "2021年3月2日", ""],
]


@pytest.mark.parametrize("encoding, newline", [("gbk", "\r\n"), ("gb18030", "\n"),
                                               ("utf-8-sig", "\r\n"), ("utf-8", "\n")])
def test_a_csv_in_every_encoding_excel_and_wps_save(run, tmp_path, encoding, newline):
    path = write_csv(tmp_path / "台账.csv", CSV_ROWS, encoding=encoding, newline=newline)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert run("import", str(path)).out.splitlines() == [
        "台账.csv: ledger, 6 column(s) read, 0 ignored, 2 row(s), 0 row(s) skipped",
        "imported 台账.csv: 2 new, 0 updated, 0 unchanged; 2 event(s)"]
    star = show(run, "星河光伏")
    assert (star["investor"], star["planned_investment"], star["contact_date"]) == \
        ("星河能源集团", "200000000", "2021-03-01")
    assert run("history", "星河光伏", "--format", "json").json()[0]["note"] == "市长带队考察"
    assert show(run, "华锂新材")["planned_investment"] == "800000000"


def test_a_csv_record_spanning_lines_is_one_row_numbered_by_its_first_line(run, tmp_path, store):
    """The header spans lines 1-2 (项目进展 Alt+Enter 情况), 星河光伏's record lines 3-5, 蓝海医疗's
    7-8 (a CRLF inside its cell): the rows after them keep the numbers of their lines."""
    path = write_csv(tmp_path / "台账.csv", [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "项目进展\n情况"],
        ["星河光伏", "星河能源", "新能源", "20000", "2021-03-01", "3月考察\n4月谈判\n5月待签约"],
        ["华锂新材", "华锂集团", "新材料", "约3亿", "2021-03-02", ""],
        ["蓝海医疗", "蓝海医疗", "大健康", "5000", "3月5日", "多次\r\n对接"],
        ["云栖数据", "云栖科技", "数字经济", "5000", "2021-02-30", ""],
    ], encoding="utf-8-sig", newline="\r\n")
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.csv:6: 计划投资（万元） '约3亿' is an estimate (约, 左右, 余 …): give the exact "
        "figure",
        "台账.csv:7: 接洽日期 '3月5日' has no year: write the whole date, e.g. 2021年3月5日",
        "台账.csv:9: 接洽日期 '2021-02-30' is not valid: expected a date such as 2021-08-03, "
        "2021/8/3 or 2021年8月3日 that exists on the calendar",
        "crm: 3 problem(s) in 台账.csv: nothing was imported"])
    assert log_digest(store) == before
    fixed = write_csv(tmp_path / "台账.csv", [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "项目进展\n情况"],
        ["星河光伏", "星河能源", "新能源", "20000", "2021-03-01", "3月考察\n4月谈判\n5月待签约"],
    ], encoding="utf-8-sig", newline="\r\n")
    run("import", str(fixed))
    assert run("history", "星河光伏", "--format", "json").json()[0]["note"] == \
        "3月考察\n4月谈判\n5月待签约"


# -- cells ----------------------------------------------------------------------------------------

DATE_FORMS = [
    ("甲", datetime(2021, 3, 5)),  # an Excel date
    ("乙", datetime(2021, 3, 5, 14, 30)),  # a date-time
    ("丙", 44260),  # a date in zh-CN's built-in format 31: openpyxl sees the serial number
    ("丁", "2021.3.5"), ("戊", "2021.03.05"), ("己", "20210305"), ("庚", 20210305),
    ("辛", "2021-03-05 00:00:00"), ("壬", "2021年03月05日"), ("癸", "２０２１年３月５日"),
    ("子", "2021/3/5"), ("丑", " 2021 年 3 月 5 日 "),
]


def test_every_form_of_a_date_a_ledger_holds(run, tmp_path):
    rows = [["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）",
             "签约日期"]]
    rows += [[name, f"{name}公司", "其他", 100, "2021-01-04", 100, when]
             for name, when in DATE_FORMS]
    path = xlsx(tmp_path / "日期.xlsx", {"台账": rows},
                formats={"台账": {"G4": 'yyyy"年"m"月"d"日"'}})
    # Excel and WPS in zh-CN write their built-in date formats by number (31 is yyyy"年"m"月"d"日"),
    # which openpyxl does not know: the date reaches it as the serial number.
    rewrite(path, "xl/styles.xml", lambda xml: re.sub(
        r'numFmtId="16\d"', 'numFmtId="31"', re.sub(r"<numFmts.*?</numFmts>", "", xml)))
    assert load_workbook(path)["台账"]["G4"].value == 44260
    assert run("import", str(path)).out.splitlines()[-1] == \
        "imported 日期.xlsx: 12 new, 0 updated, 0 unchanged; 24 event(s)"
    signed = {p["name"]: p["signed_date"] for p in run("list", "--format", "json").json()}
    assert signed == {name: "2021-03-05" for name, _ in DATE_FORMS}


def test_placeholders_and_zero_leave_a_figure_empty(run, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）",
         "签约日期", "供地面积（亩）", "供地日期", "到位资金（万元）", "到位日期", "是否搬迁"],
        ["甲", "甲公司", "其他", "１２，０００", "2021-03-01", "—", "-", "/", "无", "暂无", "待定",
         "√"],
        ["乙", "乙公司", "其他", "12,000.5", "2021-03-01", 0, None, 0, "", "0", " ", "×"],
        ["丙", "丙公司", "其他", "3.5亿", "2021-03-01", "12000", "2021-04-01", "50.25",
         "2021-05-01", " 3000 ", "2021-06-01", "—"],
        ["丁", "丁公司", "其他", "4500万元", "2021-03-01", "/", "—", "—", "—", "—", "—", "无"],
    ]})
    assert run("import", str(path)).out.splitlines()[-1] == \
        "imported 台账.xlsx: 4 new, 0 updated, 0 unchanged; 7 event(s)"
    figures = {p["name"]: (p["stage"], p["planned_investment"], p["contracted_investment"],
                           p["land_mu"], p["capital_arrived"], p["relocation"])
               for p in run("list", "--format", "json").json()}
    assert figures == {
        "甲": ("lead", "120000000", None, None, None, True),  # full-width digits and comma
        "乙": ("lead", "120005000", None, None, None, False),
        # 3.5亿 in a 万元 column: the cell's own unit wins
        "丙": ("capital", "350000000", "120000000", "50.25", "30000000", False),
        "丁": ("lead", "45000000", None, None, None, False),
    }


def formulas(path: Path, cached: dict[str, str]) -> None:
    """Give each formula cell the value Excel or WPS would have calculated and saved with it."""
    def calculate(xml: str) -> str:
        for ref, value in cached.items():
            xml, n = re.subn(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>',
                             rf"\1<v>{value}</v>", xml)
            assert n == 1, ref
        return xml
    rewrite(path, "xl/worksheets/sheet1.xml", calculate)


def test_formulas_are_read_as_the_values_excel_calculated(run, tmp_path, store):
    rows = [["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）",
             "签约日期", "到位资金（万元）", "到位日期"],
            ["星河光伏", "星河能源", "新能源", 12000, "2021-03-01", "=D2*2", "2021-04-01",
             "=1000+2000", "2021-06-01"],
            ["华锂新材", "华锂集团", "新材料", "=D2/4", "2021-03-02", None, None, None, None],
            ["合计", None, None, "=SUM(D2:D3)", None, "=SUM(F2:F3)", None, "=SUM(H2:H3)", None]]
    never = xlsx(tmp_path / "公式.xlsx", {"台账": rows})
    run("init")
    before = log_digest(store)
    refused = run("import", str(never), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "公式.xlsx[台账]:2: 协议投资（万元） in F2 is a formula whose value was never calculated "
        "(the file was not saved by Excel or WPS): open it in Excel or WPS and save it again",
        "公式.xlsx[台账]:2: 到位资金（万元） in H2 is a formula whose value was never calculated "
        "(the file was not saved by Excel or WPS): open it in Excel or WPS and save it again",
        "公式.xlsx[台账]:3: 计划投资（万元） in D3 is a formula whose value was never calculated "
        "(the file was not saved by Excel or WPS): open it in Excel or WPS and save it again",
        "crm: 3 problem(s) in 公式.xlsx: nothing was imported"])
    assert log_digest(store) == before
    saved = xlsx(tmp_path / "公式2.xlsx", {"台账": rows})
    formulas(saved, {"F2": "24000", "H2": "3000", "D3": "3000", "D4": "15000", "F4": "24000",
                     "H4": "3000"})
    out = run("import", str(saved)).out
    assert out.splitlines() == [
        "公式2.xlsx[台账]: ledger, 9 column(s) read, 0 ignored, 2 row(s), 1 row(s) skipped",
        "imported 公式2.xlsx: 2 new, 0 updated, 0 unchanged; 4 event(s)"]
    star = show(run, "星河光伏")
    assert (star["contracted_investment"], star["capital_arrived"]) == ("240000000", "30000000")
    assert show(run, "华锂新材")["planned_investment"] == "30000000"


def test_figures_that_are_not_one_exact_number_or_day_are_refused_by_name(run, tmp_path, store):
    path = xlsx(tmp_path / "台账.xlsx", {"1-6月": [
        ["2021年1-6月招商项目台账"],
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）",
         "签约日期", "供地面积（亩）", "供地日期"],
        ["好项目", "甲公司", "其他", 100, "2021-03-01", None, None, None, None],
        ["约数", "甲公司", "其他", "约2亿", "2021-03-01", None, None, None, None],
        ["范围", "甲公司", "其他", "2-3亿", "2021-03-01", None, None, None, None],
        ["无年份", "甲公司", "其他", 100, "3月5日", None, None, None, None],
        ["美元", "甲公司", "其他", "3000万美元", "2021-03-01", None, None, None, None],
        ["季度", "甲公司", "其他", 100, "2021年一季度", None, None, None, None],
        ["左右", "甲公司", "其他", "5000万左右", "2021-03-01", "1亿以上", "2021年3月", "约50",
         None],
        ["合　计", None, None, "约5亿", None, None, None, None, None],
    ]})
    run("contact", "已有", "--investor", "I", "--sector", "其他", "--planned", "1亿", "--date",
        "2021-01-04")
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    assert refused.code == 2
    assert refused.err.splitlines() == [
        "台账.xlsx[1-6月]:4: 计划投资（万元） '约2亿' is an estimate (约, 左右, 余 …): give the "
        "exact figure",
        "台账.xlsx[1-6月]:5: 计划投资（万元） '2-3亿' is a range: give one exact figure",
        "台账.xlsx[1-6月]:6: 接洽日期 '3月5日' has no year: write the whole date, e.g. "
        "2021年3月5日",
        "台账.xlsx[1-6月]:7: 计划投资（万元） '3000万美元' is in 美元 (USD), not yuan: convert it "
        "to yuan (人民币) and write that",
        "台账.xlsx[1-6月]:8: 接洽日期 '2021年一季度' is not one day: give the exact date, e.g. "
        "2021-03-05",
        "台账.xlsx[1-6月]:9: 计划投资（万元） '5000万左右' is an estimate (约, 左右, 余 …): give "
        "the exact figure",
        "台账.xlsx[1-6月]:9: 协议投资（万元） '1亿以上' is an estimate (约, 左右, 余 …): give the "
        "exact figure",
        "台账.xlsx[1-6月]:9: 签约日期 '2021年3月' is not one day: give the exact date, e.g. "
        "2021-03-05",
        "台账.xlsx[1-6月]:9: 供地面积（亩） '约50' is an estimate (约, 左右, 余 …): give the exact "
        "figure",
        "crm: 9 problem(s) in 台账.xlsx: nothing was imported"]
    assert log_digest(store) == before
    checked = run("import", str(path), "--check", check=False)
    assert checked.code == 2 and log_digest(store) == before
    assert checked.out.splitlines()[-12:] == [
        "1 project(s) of the log not in this ledger, left as they are",
        "9 problem(s): the import would be refused:",
        *refused.err.splitlines()[:-1],
        "nothing written (--check)"]


def test_an_amount_column_without_a_unit_is_refused_with_the_fix(run, tmp_path, store):
    path = write_csv(tmp_path / "台账.csv", [
        ["项目名称", "投资方", "产业", "计划投资", "接洽日期", "协议投资额", "签约日期"],
        ["星河光伏", "星河能源", "新能源", "20000", "2021-03-01", "3.5亿", "2021-04-01"]])
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.csv: column D '计划投资' holds amounts but no unit is stated, in its header or in a "
        "单位 line above the table: write it in the header (计划投资（万元）) or give --unit 万元 "
        "(or 亿元, 元)",
        "台账.csv: column F '协议投资额' holds amounts but no unit is stated, in its header or in "
        "a 单位 line above the table: write it in the header (计划投资（万元）) or give --unit "
        "万元 (or 亿元, 元)",
        "crm: 2 problem(s) in 台账.csv: nothing was imported"])
    assert log_digest(store) == before
    checked = run("import", str(path), "--check", "--unit", "万元")
    assert checked.out.splitlines()[4] == \
        "  D 计划投资 → planned, in 10k yuan (万元) (from --unit)"
    run("import", str(path), "--unit", "万元")
    star = show(run, "星河光伏")  # a cell's own unit wins over --unit
    assert (star["planned_investment"], star["contracted_investment"]) == \
        ("200000000", "350000000")


def test_a_column_that_looks_like_figures_but_is_no_field_is_a_problem(run, tmp_path, store):
    path = xlsx(tmp_path / "台账.xlsx", {"重点项目": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "首次洽谈时间", "投资额（万元）",
         "联系人", "所在地"],
        ["星河光伏", "星河能源", "新能源", 20000, datetime(2021, 3, 1), 100, "王经理", "开发区"]]})
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.xlsx[重点项目]: column E '首次洽谈时间' looks like amounts, dates, areas or yes/no, "
        "but no field the tool knows: --map '首次洽谈时间=FIELD' reads it as a field, --ignore "
        "'首次洽谈时间' leaves it out",
        "台账.xlsx[重点项目]: column F '投资额（万元）' looks like amounts, dates, areas or "
        "yes/no, but no field the tool knows: --map '投资额（万元）=FIELD' reads it as a field, "
        "--ignore '投资额（万元）' leaves it out",
        "台账.xlsx[重点项目]:2: 星河光伏: no contacted on, and no 填报日期 above the table to date "
        "it by: fill it in, or give --dated DATE",
        "crm: 3 problem(s) in 台账.xlsx: nothing was imported"])
    assert log_digest(store) == before
    checked = run("import", str(path), "--check", "--map", "首次洽谈时间=contact_date", "--ignore",
                  "投资额（万元）")
    assert checked.out.splitlines()[5:9] == [
        "  E 首次洽谈时间 → contact_date",
        "  F 投资额（万元）: not read: --ignore",
        "  G 联系人: not read: not a field the tool keeps (--map HEADER=FIELD reads it)",
        "  H 所在地: not read: not a field the tool keeps (--map HEADER=FIELD reads it)"]
    run("import", str(path), "--map", "首次洽谈时间=contact_date", "--ignore", "投资额（万元）")
    assert show(run, "星河光伏")["contact_date"] == "2021-03-01"


def test_files_that_are_not_ledgers_are_refused_in_one_line(run, tmp_path, store):
    web = tmp_path / "台账.xls"  # an OA system's "export to Excel": a web page
    web.write_text('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta '
                   'charset="utf-8"></head><body><table><tr><td>项目名称</td></tr></table></body>'
                   '</html>', encoding="utf-8")
    bare = tmp_path / "导出.xls"
    bare.write_bytes("\ufeff\r\n<table border=1><tr><td>项目名称</td></tr></table>".encode())
    legacy = tmp_path / "旧台账.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    packed = tmp_path / "台账.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("台账.csv", "项目名称,投资方\n")
    renamed = tmp_path / "打包.xlsx"
    with zipfile.ZipFile(renamed, "w") as archive:
        archive.writestr("台账.csv", "项目名称,投资方\n")
    unicode_text = tmp_path / "u16.csv"
    unicode_text.write_bytes("项目名称\t投资方\n".encode("utf-16"))
    run("init")
    before = log_digest(store)
    said = {}
    for path in (web, bare, legacy, packed, renamed, unicode_text):
        for check in ((), ("--check",)):
            r = run("import", str(path), *check, check=False)
            assert r.code == 2 and r.out == "" and len(r.err.splitlines()) == 1, r
            said[path.name] = r.err.strip()
    assert said == {
        "台账.xls": "crm: 台账.xls is a web page (HTML) saved under a spreadsheet's name, not a "
                   "workbook: open it in Excel or WPS and save it as .xlsx or .csv",
        "导出.xls": "crm: 导出.xls is a web page (HTML) saved under a spreadsheet's name, not a "
                   "workbook: open it in Excel or WPS and save it as .xlsx or .csv",
        "旧台账.xls": "crm: 旧台账.xls is an old binary workbook (.xls, .et) or a "
                    "password-protected one: open it in Excel or WPS and save it as .xlsx "
                    "(without a password) or .csv",
        "台账.zip": "crm: 台账.zip: ledgers and visit logs are read from .csv and .xlsx files, not "
                   ".zip",
        "打包.xlsx": "crm: 打包.xlsx is not an Excel workbook inside, whatever its name says: open "
                   "it in Excel or WPS and save it as .xlsx or .csv",
        "u16.csv": "crm: u16.csv is UTF-16 text (Excel's \"Unicode text\"), which is not read: "
                   "save it as \"CSV UTF-8\" or as .xlsx",
    }
    assert log_digest(store) == before


# -- what a ledger leaves out ---------------------------------------------------------------------


def test_a_framework_date_without_an_amount_records_the_agreement_alone(run, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "框架协议日期",
         "框架协议投资（万元）"],
        ["星河光伏", "星河能源", "新能源", 20000, "2021-01-05", "2021-02-01", None],
        ["华锂新材", "华锂集团", "新材料", 30000, "2021-01-06", "2021-02-10", 25000],
        ["蓝海医疗", "蓝海医疗", "大健康", 5000, "2021-01-07", None, None],
    ]})
    run("import", str(path))
    star = show(run, "星河光伏")
    assert (star["stage"], star["framework_date"], star["framework_investment"]) == \
        ("framework", "2021-02-01", None)
    assert run("history", "星河光伏", "--format", "json").json()[1]["amount"] is None
    assert show(run, "华锂新材")["framework_investment"] == "250000000"
    report = run("report", "quarter", "2021Q1", "--format", "json").json()
    agreements = report["quarter"]["framework_agreements"]
    assert (agreements["count"], agreements["projects"]) == (2, ["华锂新材", "星河光伏"])
    assert [(d["project"], d["amount"]) for d in agreements["details"]] == \
        [("华锂新材", "250000000"), ("星河光伏", None)]
    assert report["pipeline"]["framework"] == {"count": 2, "investment": "450000000"}
    pipeline = run("pipeline").out
    assert pipeline.splitlines()[0].endswith(": 2 · expected investment 4.50亿元")
    assert "星河光伏" in pipeline and "华锂新材" in pipeline


CAPITAL_ROWS = [
    ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）", "签约日期",
     "已供地面积（亩）", "实际到位资金（万元）"],
    ["华锂新材", "华锂集团", "新材料", 30000, "2021-01-06", 30000, "2021-03-01", 85.5, 6000],
    ["蓝海医疗", "蓝海医疗", "大健康", 5000, None, None, None, None, None],
]


def test_figures_without_a_date_column_are_dated_by_the_report_date_above_the_table(run, tmp_path):
    path = xlsx(tmp_path / "6月台账.xlsx", {"6月": [
        ["开发区招商项目台账"], ["填报单位：招商局", None, None, "填报日期：2021年6月30日"],
        *CAPITAL_ROWS]})
    out = run("import", str(path)).out
    assert out.splitlines() == [
        "6月台账.xlsx[6月]: ledger, 9 column(s) read, 0 ignored, 2 row(s), 2 row(s) skipped",
        "imported 6月台账.xlsx: 2 new, 0 updated, 0 unchanged; 5 event(s)",
        "6月台账.xlsx[6月]: figures without a date column dated 2021-06-30 (填报日期 above the "
        "table)",
        "1 new project(s) with no 接洽日期: contacted on the earliest date the import knows for "
        "each"]
    assert events(run, "华锂新材") == [("2021-01-06", "ContactMade"),
                                      ("2021-03-01", "ContractSigned"),
                                      ("2021-06-30", "LandTransferred"),
                                      ("2021-06-30", "CapitalArrived")]
    lithium = show(run, "华锂新材")
    assert (lithium["land_mu"], lithium["capital_arrived"]) == ("85.5", "60000000")
    assert (show(run, "蓝海医疗")["contact_date"], show(run, "蓝海医疗")["stage"]) == \
        ("2021-06-30", "lead")


def test_figures_without_a_date_column_are_dated_by_dated_or_refused(run, tmp_path, store):
    path = xlsx(tmp_path / "台账.xlsx", {"台账": CAPITAL_ROWS})
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.xlsx[台账]:2: 华锂新材: no land transferred on, and no 填报日期 above the table to "
        "date it by: fill it in, or give --dated DATE",
        "台账.xlsx[台账]:2: 华锂新材: no capital arrived on, and no 填报日期 above the table to "
        "date it by: fill it in, or give --dated DATE",
        "台账.xlsx[台账]:3: 蓝海医疗: no contacted on, and no 填报日期 above the table to date it "
        "by: fill it in, or give --dated DATE",
        "crm: 3 problem(s) in 台账.xlsx: nothing was imported"])
    assert log_digest(store) == before
    out = run("import", str(path), "--dated", "2021-06-30").out
    assert out.splitlines()[-2:] == [
        "台账.xlsx[台账]: figures without a date column dated 2021-06-30 (--dated)",
        "1 new project(s) with no 接洽日期: contacted on the earliest date the import knows for "
        "each"]
    assert events(run, "华锂新材")[2:] == [("2021-06-30", "LandTransferred"),
                                          ("2021-06-30", "CapitalArrived")]
    assert show(run, "蓝海医疗")["contact_date"] == "2021-06-30"


def test_a_signing_or_an_agreement_is_never_dated_by_the_report_date(run, tmp_path, store):
    path = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["填报日期：2021年6月30日"],
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "框架协议投资（万元）",
         "框架协议日期", "协议投资（万元）", "签约日期"],
        ["星河光伏", "星河能源", "新能源", 20000, "2021-01-05", 18000, None, None, None],
        ["华锂新材", "华锂集团", "新材料", 30000, "2021-01-06", None, None, 30000, "—"],
        ["蓝海医疗", "蓝海医疗", "大健康", 5000, "2021-01-07", None, None, None, "2021-05-01"],
    ]})
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), "--dated", "2021-06-30", check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.xlsx[台账]:3: 星河光伏: framework investment is given without framework agreed on: "
        "fill in the date (it is never taken from the report's date)",
        "台账.xlsx[台账]:4: 华锂新材: contracted investment is given without signed on: fill in "
        "the date (it is never taken from the report's date)",
        "台账.xlsx[台账]:5: signed on is given without contracted investment: give both, or "
        "neither",
        "crm: 3 problem(s) in 台账.xlsx: nothing was imported"])
    assert log_digest(store) == before


def test_a_title_with_the_unit_at_its_end_right_above_the_header(run, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["2021年招商项目台账", None, None, None, None, "单位：万元、亩"],
        ["项目名称", "投资方", "产业", "计划投资", "接洽日期", "供地面积"],
        ["星河光伏", "星河能源", "新能源", 2.5, "2021-03-01", None]]}, merges={"台账": ["A1:E1"]})
    slip = run("import", str(path), "--check", check=False)  # 2.5万 looks like a slip of 亿
    assert slip.code == 2 and "under the zone's minimum of 100万" in slip.out
    checked = run("import", str(path), "--check", "--confirm")
    assert checked.out.splitlines()[4:8] == [
        "  D 计划投资 → planned, in 10k yuan (万元) (from the 单位 line above the table)",
        "  E 接洽日期 → contact_date",
        "  F 供地面积 → land_mu, in 亩 (亩 unless stated)",
        "  rows skipped: 1 (unit line)"]
    run("import", str(path), "--confirm")
    assert show(run, "星河光伏")["planned_investment"] == "25000"



def test_a_drop_needs_its_date_and_its_reason_is_kept(run, tmp_path, store):
    rows = [["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "终止日期", "终止原因"],
            ["星河光伏", "星河能源", "新能源", "100", "2021-01-05", "2021-03-01", "投资方战略调整"],
            ["华锂新材", "华锂集团", "新材料", "100", "2021-01-05", "2021-03-02", ""],
            ["蓝海医疗", "蓝海", "大健康", "100", "2021-01-05", "", "资金不到位"]]
    path = write_csv(tmp_path / "台账.csv", rows, encoding="gbk")
    run("init")
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "台账.csv:4: drop reason is given without dropped on: give both, or neither",
        "crm: 1 problem(s) in 台账.csv: nothing was imported"])
    zh = run("--lang", "zh", "import", str(path), check=False)
    assert zh.err.splitlines()[0] == "台账.csv:4: 填写了终止原因但没有终止日期：请两项都填或都不填"
    assert log_digest(store) == before
    run("import", str(write_csv(tmp_path / "台账2.csv", rows[:3])))
    assert [(p["name"], p["stage"], p["dropped_on"]) for p in
            run("list", "--format", "json").json()] == [
        ("华锂新材", "dropped", "2021-03-02"), ("星河光伏", "dropped", "2021-03-01")]
    reasons = [run("history", n, "--format", "json").json()[-1]["reason"]
               for n in ("星河光伏", "华锂新材")]
    assert reasons == ["投资方战略调整", "台账记为终止"]
    run("contact", "蓝海医疗", "--investor", "蓝海", "--sector", "大健康", "--planned", "100万",
        "--date", "2021-01-05")
    before = log_digest(store)
    refused = run("import", str(path), check=False)  # the same, for a project in the log
    assert refused.err.splitlines()[0] == \
        "台账.csv:4: drop reason is given without dropped on: give both, or neither"
    assert log_digest(store) == before


# -- visit logs -----------------------------------------------------------------------------------


def test_a_visit_log_in_the_workbook_dates_a_contact_before_the_ledger_does(run, tmp_path):
    path = xlsx(tmp_path / "3月台账.xlsx", {
        "项目台账": [
            ["填报日期：2021年3月31日"],
            ["项目名称", "投资方", "产业", "计划投资（万元）", "框架协议日期", "协议投资（万元）",
             "签约日期", "到位资金（万元）"],
            ["星河光伏", "星河能源", "新能源", 20000, datetime(2021, 3, 10), None, None, None],
            ["华锂新材", "华锂集团", "新材料", 30000, None, 30000, datetime(2021, 3, 20), 1000],
            ["蓝海医疗", "蓝海医疗", "大健康", 5000, None, None, None, None]],
        "走访记录": [
            ["日期", "活动类型", "对接项目", "参加人员", "备注"],
            [datetime(2021, 1, 12), "外出招商（上海）", "星河光伏", "张伟、李娜", "拜访总部"],
            [datetime(2021, 2, 3), "接待客商", "星河光伏、华锂新材", "王芳", None]]})
    out = run("import", str(path)).out
    assert out.splitlines() == [
        "3月台账.xlsx[项目台账]: ledger, 8 column(s) read, 0 ignored, 3 row(s), 1 row(s) skipped",
        "3月台账.xlsx[走访记录]: visit log, 5 column(s) read, 0 ignored, 2 row(s), 0 row(s) "
        "skipped",
        "imported 3月台账.xlsx: 5 new, 0 updated, 0 unchanged; 9 event(s)",
        "3月台账.xlsx[项目台账]: figures without a date column dated 2021-03-31 (填报日期 above "
        "the table)",
        "3 new project(s) with no 接洽日期: contacted on the earliest date the import knows for "
        "each"]
    assert events(run, "星河光伏") == [("2021-01-12", "ContactMade"),
                                      ("2021-03-10", "FrameworkAgreementSigned"),
                                      ("2021-01-12", "VisitLogged"), ("2021-02-03", "VisitLogged")]
    assert events(run, "华锂新材") == [("2021-02-03", "ContactMade"),
                                      ("2021-03-20", "ContractSigned"),
                                      ("2021-03-31", "CapitalArrived"),
                                      ("2021-02-03", "VisitLogged")]
    assert show(run, "蓝海医疗")["contact_date"] == "2021-03-31"  # nothing earlier known
    visit = run("history", "星河光伏", "--format", "json").json()[2]
    assert (visit["kind"], visit["note"], visit["participants"]) == \
        ("outbound", "拜访总部；上海", "张伟、李娜")
    quarter = run("report", "quarter", "2021Q1", "--format", "json").json()["quarter"]
    assert (quarter["contacts"], quarter["activities"]["total"]) == (3, 2)


def test_a_later_visit_log_moves_an_inferred_contact_but_not_a_recorded_one(run, tmp_path,
                                                                            store):
    ledger = xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "协议投资（万元）",
         "签约日期"],
        ["星河光伏", "星河能源", "新能源", 20000, None, 20000, "2021-03-10"],
        ["华锂新材", "华锂集团", "新材料", 30000, "2021-02-01", None, None]]})
    run("import", str(ledger))
    visits = write_csv(tmp_path / "走访.csv", [
        ["日期", "类型", "项目"], ["2021-01-20", "外出招商", "星河光伏"]])
    run("import", str(visits))
    assert show(run, "星河光伏")["contact_date"] == "2021-01-20"
    assert run("history", "星河光伏", "--format", "json").json()[-1]["event"] == "VisitLogged"
    before = log_digest(store)
    early = write_csv(tmp_path / "走访2.csv", [
        ["日期", "类型", "项目"], ["2021-01-25", "接待客商", "华锂新材"]])
    refused = run("import", str(early), check=False)
    assert (refused.code, refused.err.splitlines()) == (2, [
        "走访2.csv:2: date 2021-01-25 is before 华锂新材's first contact on 2021-02-01: check the "
        "date",
        "crm: 1 problem(s) in 走访2.csv: nothing was imported"])
    assert log_digest(store) == before


VISITED = [
    ("外出招商", "outbound"), ("招商推介", "outbound"), ("接待客商", "reception"),
    ("山海协作结对活动", "pairing"), ("线上洽谈", "online"), ("走访服务", "aftercare"),
    ("outbound trip", "outbound"), ("investor reception", "reception"),
    ("pairing activity", "pairing"), ("aftercare visit", "aftercare"), ("online meeting", "online"),
    ("Outbound", "outbound"), ("ONLINE", "online"), ("外出招商（上海）", "outbound"),
    ("接待客商(深圳客商来访)", "reception"), ("线上洽谈（腾讯会议）", "online"),
]


def test_every_kind_label_the_tool_prints_and_the_common_ones(run, tmp_path):
    run("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿",
        "--date", "2021-01-04")
    run("sign", "星河光伏", "--amount", "2亿", "--date", "2021-01-20")
    rows = [["日期", "类型", "项目", "参加人员", "备注"]]
    rows += [[date(2021, 2, 1 + i), kind, "星河光伏", "张伟", f"第{i + 1}次"]
             for i, (kind, _) in enumerate(VISITED)]
    path = xlsx(tmp_path / "走访.xlsx", {"2021年走访记录": rows})
    assert run("import", str(path)).out.splitlines() == [
        "走访.xlsx[2021年走访记录]: visit log, 5 column(s) read, 0 ignored, 16 row(s), 0 row(s) "
        "skipped",
        "imported 走访.xlsx: 16 new, 0 updated, 0 unchanged; 16 event(s)"]
    visits = run("history", "星河光伏", "--format", "json").json()[2:]
    assert [v["kind"] for v in visits] == [kind for _, kind in VISITED]
    assert [v["note"] for v in visits][-4:] == ["第13次", "第14次；上海", "第15次；深圳客商来访",
                                                "第16次；腾讯会议"]
    zh = run("--lang", "zh", "history", "星河光伏").out
    assert "外出招商" in zh and "山海协作结对活动" in zh


def test_several_projects_in_one_cell(run, tmp_path):
    for name in ("星河光伏", "华锂新材", "蓝海 医疗", "智能装备（一期、二期）"):
        run("contact", name, "--investor", "某公司", "--sector", "其他", "--planned", "1亿",
            "--date", "2021-01-04")
    cells = ["星河光伏、华锂新材", "星河光伏，华锂新材", "星河光伏,华锂新材;蓝海 医疗",
             "星河光伏；华锂新材/蓝海 医疗", "星河光伏 华锂新材", "星河光伏\n华锂新材", "蓝海 医疗",
             "星河光伏　华锂新材", "智能装备（一期、二期）、星河光伏"]
    path = write_csv(tmp_path / "走访.csv", [["日期", "类型", "项目"]] + [
        [f"2021-02-{i + 1:02d}", "外出招商", cell] for i, cell in enumerate(cells)])
    assert run("import", str(path)).out.splitlines()[-1] == \
        "imported 走访.csv: 9 new, 0 updated, 0 unchanged; 19 event(s)"
    assert run("history", "智能装备（一期、二期）", "--format", "json").json()[-1]["projects"] == \
        ["智能装备（一期、二期）", "星河光伏"]  # a 、 inside brackets does not split
    projects = [v["projects"] for v in run("history", "华锂新材", "--format", "json").json()[1:]]
    assert projects == [["星河光伏", "华锂新材"], ["星河光伏", "华锂新材"],
                        ["星河光伏", "华锂新材", "蓝海 医疗"],
                        ["星河光伏", "华锂新材", "蓝海 医疗"],
                        ["星河光伏", "华锂新材"], ["星河光伏", "华锂新材"],
                        ["星河光伏", "华锂新材"]]
    assert [v["occurred_on"] for v in run("history", "蓝海 医疗", "--format", "json").json()[1:]] \
        == ["2021-02-03", "2021-02-04", "2021-02-07"]
    quarter = run("report", "quarter", "2021Q1", "--format", "json").json()["quarter"]
    assert quarter["activities"]["outbound"] == 9  # a visit naming three projects counts once


def test_every_bad_visit_row_is_reported(run, tmp_path, store):
    run("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿",
        "--date", "2021-01-04")
    path = xlsx(tmp_path / "走访.xlsx", {"走访记录": [
        ["2021年招商活动记录表"],
        ["日期", "活动形式", "洽谈项目", "带队领导", "参加人员", "主要内容"],
        [datetime(2021, 2, 1), "外出招商", "星河光伏", "县长", "张伟", "考察"],
        [datetime(2021, 2, 2), "打高尔夫", "星河光伏", None, None, None],
        ["2月3日", "接待客商", "星河光伏", None, None, None],
        [datetime(2021, 2, 4), "接待客商", "没有这个项目", None, None, None],
        [None, "接待客商", "星河光伏", None, None, None],
        [datetime(2021, 2, 1), "外出招商", "星河光伏", None, None, None],
        [datetime(2021, 2, 6), "走访服务", "星河光伏", None, None, None],
        ["合计", "7次"],
    ]})
    before = log_digest(store)
    refused = run("import", str(path), check=False)
    lines = refused.err.splitlines()
    assert lines[5].startswith("走访.xlsx[走访记录]:9: '星河光伏' is not signed yet: record its "
                               "signing (`crm sign`) before")  # the domain's own words
    lines[5] = "走访.xlsx[走访记录]:9: …"
    assert (refused.code, lines) == (2, [
        "走访.xlsx[走访记录]:4: 活动形式 '打高尔夫' is not valid: expected one of outbound, "
        "reception, pairing, aftercare, online (外出招商, 接待客商, 山海协作结对活动, 走访服务, "
        "线上洽谈)",
        "走访.xlsx[走访记录]:5: 日期 '2月3日' has no year: write the whole date, e.g. 2021年3月5日",
        "走访.xlsx[走访记录]:6: no project named 没有这个项目: add it to the ledger or `crm "
        "contact` it first",
        "走访.xlsx[走访记录]:7: a visit needs its date, kind and projects: this row has no date",
        "走访.xlsx[走访记录]:8: the same visit is already on row 3",
        "走访.xlsx[走访记录]:9: …",
        "crm: 6 problem(s) in 走访.xlsx: nothing was imported"])
    assert log_digest(store) == before


# -- next month's ledger --------------------------------------------------------------------------

MONTHLY_HEADER = ["序号", "项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期",
                  "协议投资（万元）", "签约日期", "实际到位资金（万元）", "备注"]


def monthly(path: Path, report_date: str, rows: list[list[Any]]) -> Path:
    return xlsx(path, {"项目台账": [["开发区招商项目台账"], [f"填报日期：{report_date}"],
                                   MONTHLY_HEADER, *rows]})


def may_ledger(path: Path) -> Path:
    return monthly(path, "2021年5月31日", [
        [1, "星河光伏", "星河能源", "新能源", 20000, "2021-01-05", 20000, "2021-03-10", 3000, None],
        [2, "华锂新材 二期", "华锂集团", "新材料", 30000, "2021-01-06", None, None, None, "在谈"],
        [3, "蓝海医疗", "蓝海医疗", "大健康", 5000, "2021-01-07", None, None, None, None],
    ])


def test_next_months_ledger_records_the_progress_as_new_events(run, tmp_path):
    run("import", str(may_ledger(tmp_path / "5月台账.xlsx")))
    june = monthly(tmp_path / "6月台账.xlsx", "2021年6月30日", [
        [1, "星河光伏", "星河能源", "新能源", 20000, "2021-01-05", 20000, "2021-03-10", 4500, None],
        [2, " 华锂新材\n二期", "华锂集团", "新材料", 30000, "2021-01-06", 32000, "2021-06-18", None,
         "已签约"],
    ])
    checked = run("import", str(june), "--check")
    assert checked.out.splitlines()[-4:] == [
        "would import: 0 new, 2 updated, 0 unchanged; 2 event(s)",
        "6月台账.xlsx[项目台账]: figures without a date column dated 2021-06-30 (填报日期 above "
        "the table)",
        "1 project(s) of the log not in this ledger, left as they are",
        "nothing written (--check)"]
    assert checked.code == 0
    out = run("import", str(june)).out
    assert out.splitlines()[1:] == [
        "imported 6月台账.xlsx: 0 new, 2 updated, 0 unchanged; 2 event(s)",
        "6月台账.xlsx[项目台账]: figures without a date column dated 2021-06-30 (填报日期 above "
        "the table)",
        "1 project(s) of the log not in this ledger, left as they are"]
    assert events(run, "星河光伏")[-2:] == [("2021-05-31", "CapitalArrived"),
                                           ("2021-06-30", "CapitalArrived")]
    amounts = [e.get("amount") for e in run("history", "星河光伏", "--format", "json").json()]
    assert amounts[-2:] == ["30000000", "15000000"]  # the difference, not the running total
    assert show(run, "星河光伏")["capital_arrived"] == "45000000"
    lithium = show(run, "华锂新材 二期")  # its name on two lines (Alt+Enter) in June's ledger
    assert (lithium["stage"], lithium["contracted_investment"], lithium["signed_date"]) == \
        ("signed", "320000000", "2021-06-18")
    assert show(run, "蓝海医疗")["stage"] == "lead"  # missing from June's ledger: left as it is
    again = run("import", str(june))
    assert again.out.splitlines()[1:] == [
        "nothing to import: 6月台账.xlsx holds nothing the log does not (2 row(s) unchanged)",
        "1 project(s) of the log not in this ledger, left as they are"]


def test_a_contradiction_is_a_conflict_with_the_command_that_settles_it(run, tmp_path, store):
    run("import", str(may_ledger(tmp_path / "5月台账.xlsx")))
    june = monthly(tmp_path / "6月台账.xlsx", "2021年6月30日", [
        [1, "星河光伏", "星河能源", "新能源", 20000, "2021-01-05", 20000, "2021-03-12", 4500, None],
        [2, "华锂新材 二期", "华锂集团 有限公司", "新材料", 30000, "2021-01-06", 32000,
         "2021-06-18", None, None],
        [3, "蓝海医疗", "蓝海医疗", "大健康", 6000, "2021-01-07", None, None, None, None],
    ])
    before = log_digest(store)
    refused = run("import", str(june), check=False)
    conflicts = [
        "6月台账.xlsx[项目台账]:4: 星河光伏: signed on: 2021-03-10 in the log, 2021-03-12 in the "
        "ledger — to apply: crm correct 星河光伏 2 --date 2021-03-12 --reason 台账更正",
        "6月台账.xlsx[项目台账]:5: 华锂新材 二期: investor: 华锂集团 in the log, 华锂集团 有限公司 "
        "in the ledger — to apply: crm correct \"华锂新材 二期\" 1 --investor \"华锂集团 "
        "有限公司\" --reason 台账更正",
        "6月台账.xlsx[项目台账]:6: 蓝海医疗: planned investment: 5000万 in the log, 6000万 in the "
        "ledger — to apply: crm correct 蓝海医疗 1 --planned 6000万 --reason 台账更正"]
    assert (refused.code, refused.err.splitlines()) == (1, conflicts + [
        "crm: 3 row(s) of 6月台账.xlsx differ from the log: nothing was imported (--skip-conflicts "
        "imports the rest)"])
    assert log_digest(store) == before
    checked = run("import", str(june), "--check", check=False)
    assert checked.code == 1 and log_digest(store) == before
    assert checked.out.splitlines()[-7:] == [
        "would import: 0 new, 2 updated, 1 unchanged; 2 event(s)",
        "6月台账.xlsx[项目台账]: figures without a date column dated 2021-06-30 (填报日期 above "
        "the table)",
        "3 conflict(s): the ledger says otherwise than the log:", *conflicts,
        "nothing written (--check)"]
    applied = run("import", str(june), "--apply-corrections", "--reason", "6月台账核对更正")
    assert applied.out.splitlines()[1:] == [
        "imported 6月台账.xlsx: 0 new, 2 updated, 1 unchanged; 5 event(s)",
        "6月台账.xlsx[项目台账]: figures without a date column dated 2021-06-30 (填报日期 above "
        "the table)",
        "3 conflict(s) recorded as corrections (reason: 6月台账核对更正)"]
    star = show(run, "星河光伏")
    assert (star["signed_date"], star["capital_arrived"]) == ("2021-03-12", "45000000")
    assert show(run, "华锂新材 二期")["investor"] == "华锂集团 有限公司"
    assert show(run, "蓝海医疗")["planned_investment"] == "60000000"
    last = run("history", "蓝海医疗", "--format", "json").json()[-1]
    assert (last["event"], last["reason"]) == ("EventCorrected", "6月台账核对更正")
    settled = log_digest(store)
    again = run("import", str(june))
    assert again.out.splitlines()[1:] == [
        "nothing to import: 6月台账.xlsx holds nothing the log does not (3 row(s) unchanged)"]
    assert log_digest(store) == settled


def test_a_running_total_that_shrank_is_for_a_person_to_settle(run, tmp_path, store):
    run("import", str(may_ledger(tmp_path / "5月台账.xlsx")))
    june = monthly(tmp_path / "6月台账.xlsx", "2021年6月30日", [
        [1, "星河光伏", "星河能源", "新能源", 20000, "2021-01-05", 20000, "2021-03-10", 2500,
         None]])
    before = log_digest(store)
    line = ("6月台账.xlsx[项目台账]:4: 星河光伏: capital arrived: 3000万 in the log, 2500万 in the "
            "ledger; a running total can only grow: correct the event to change (see `crm history "
            "星河光伏`)")
    refused = run("import", str(june), check=False)
    assert (refused.code, refused.err.splitlines()) == (1, [line, (
        "crm: 1 row(s) of 6月台账.xlsx differ from the log: nothing was imported (--skip-conflicts "
        "imports the rest)")])
    applied = run("import", str(june), "--apply-corrections", "--reason", "更正", check=False)
    assert (applied.code, applied.err.splitlines()) == (1, [line, (
        "crm: 1 row(s) of 6月台账.xlsx differ from the log in a way only a person can settle: "
        "nothing was imported")])
    assert log_digest(store) == before



def test_a_contact_date_filled_in_later_replaces_the_inferred_one(run, tmp_path, store):
    """May's ledger had no 接洽日期 (the contact was dated by the signing); June's gives it: that is
    progress, recorded as a correction. From then on the date is a recorded one: another date
    is a conflict, and an earlier visit is a problem."""
    header = ["项目名称", "投资方", "产业", "计划投资（万元）", "协议投资（万元）", "签约日期"]
    may = write_csv(tmp_path / "5月.csv", [
        header, ["星河光伏", "星河能源", "新能源", "100", "100", "2021-03-01"]])
    run("import", str(may))
    assert show(run, "星河光伏")["contact_date"] == "2021-03-01"
    header = header[:4] + ["接洽日期"] + header[4:]
    june = write_csv(tmp_path / "6月.csv", [
        header, ["星河光伏", "星河能源", "新能源", "100", "2021-01-10", "100", "2021-03-01"]])
    assert run("import", str(june)).out.splitlines()[-1] == \
        "imported 6月.csv: 0 new, 1 updated, 0 unchanged; 1 event(s)"
    assert show(run, "星河光伏")["contact_date"] == "2021-01-10"
    last = run("history", "星河光伏", "--format", "json").json()[-1]
    assert (last["event"], last["reason"]) == ("EventCorrected", "台账更正：补填接洽日期")
    assert run("import", str(june)).out.splitlines()[-1].startswith("nothing to import")
    before = log_digest(store)
    july = write_csv(tmp_path / "7月.csv", [
        header, ["星河光伏", "星河能源", "新能源", "100", "2021-01-08", "100", "2021-03-01"]])
    refused = run("import", str(july), check=False)
    assert (refused.code, refused.err.splitlines()[0]) == (1, (
        "7月.csv:2: 星河光伏: contacted on: 2021-01-10 in the log, 2021-01-08 in the ledger — "
        "to apply: crm correct 星河光伏 1 --date 2021-01-08 --reason 台账更正"))
    visits = write_csv(tmp_path / "走访.csv", [["日期", "类型", "项目"],
                                               ["2021-01-02", "外出招商", "星河光伏"]])
    refused = run("import", str(visits), check=False)
    assert (refused.code, refused.err.splitlines()[0]) == (2, (
        "走访.csv:2: date 2021-01-02 is before 星河光伏's first contact on 2021-01-10: check the "
        "date"))
    assert log_digest(store) == before


# -- export and back ------------------------------------------------------------------------------


PROJECTS_HEADER = [
    "项目名称", "投资方", "产业", "计划投资（万元）", "接洽日期", "框架协议投资（万元）",
    "框架协议日期", "协议投资（万元）", "签约日期", "供地面积（亩）", "供地日期",
    "到位资金（万元）", "到位日期", "开工日期", "投产日期", "是否搬迁", "负责人", "渠道", "来源地",
    "终止日期", "终止原因", "备注"]


def a_zones_year(run) -> None:
    run("contact", "星河光伏", "--investor", "星河能源集团", "--sector", "新能源", "--planned",
        "2.5亿", "--date", "2021-01-04", "--owner", "张伟", "--channel", "以商招商", "--region",
        "上海", "--relocation", "--note", "重点项目")
    run("agree", "星河光伏", "--amount", "2亿", "--date", "2021-02-01")
    run("sign", "星河光伏", "--amount", "2.2亿", "--date", "2021-03-18")
    run("land", "星河光伏", "--mu", "120.5", "--date", "2021-04-01")
    run("capital", "星河光伏", "--amount", "3000万", "--date", "2021-05-01")
    run("contact", "华锂新材", "--investor", "华锂集团", "--sector", "新材料", "--planned",
        "8000万", "--date", "2021-01-05")
    run("drop", "华锂新材", "--reason", "投资方资金链断裂", "--date", "2021-05-05")
    run("contact", "蓝海 医疗", "--investor", "蓝海医疗器械有限公司", "--sector", "大健康",
        "--planned", "1234.5万", "--date", "2021-02-05")
    run("visit", "星河光伏", "华锂新材", "--kind", "outbound", "--date", "2021-01-20", "--with",
        "张伟、李娜", "--note", "赴上海拜访总部")
    run("visit", "星河光伏", "蓝海 医疗", "--kind", "pairing", "--date", "2021-03-02")
    run("visit", "星河光伏", "--kind", "aftercare", "--date", "2021-06-10", "--note", "协调用电")
    run("visit", "蓝海 医疗", "--kind", "online", "--date", "2021-06-11", "--with", "王芳")


def test_a_chinese_export_to_excel_comes_back_the_same(run, crm_at, tmp_path):
    a_zones_year(run)
    first = tmp_path / "台账.xlsx"
    run("--lang", "zh", "export", "--out", str(first))
    book = load_workbook(first)
    assert book.sheetnames == ["项目台账", "走访记录"]
    projects = list(book["项目台账"].iter_rows(values_only=True))
    assert projects[0] == tuple(PROJECTS_HEADER)
    star = next(r for r in projects if r[0] == "星河光伏")
    assert star[3:16] == (25000, datetime(2021, 1, 4), 20000, datetime(2021, 2, 1), 22000,
                          datetime(2021, 3, 18), 120.5, datetime(2021, 4, 1), 3000,
                          datetime(2021, 5, 1), None, None, "是")
    assert list(book["走访记录"].iter_rows(values_only=True)) == [
        ("日期", "类型", "项目", "参加人员", "备注"),
        (datetime(2021, 1, 20), "外出招商", "星河光伏、华锂新材", "张伟、李娜", "赴上海拜访总部"),
        (datetime(2021, 3, 2), "山海协作结对活动", "星河光伏、蓝海 医疗", None, None),
        (datetime(2021, 6, 10), "走访服务", "星河光伏", None, "协调用电"),
        (datetime(2021, 6, 11), "线上洽谈", "蓝海 医疗", "王芳", None)]
    other = crm_at(tmp_path / "other.sqlite")
    out = other("import", str(first)).out
    assert out.splitlines() == [
        "台账.xlsx[项目台账]: ledger, 22 column(s) read, 0 ignored, 3 row(s), 0 row(s) skipped",
        "台账.xlsx[走访记录]: visit log, 5 column(s) read, 0 ignored, 4 row(s), 0 row(s) skipped",
        "imported 台账.xlsx: 7 new, 0 updated, 0 unchanged; 14 event(s)"]
    second = tmp_path / "台账2.xlsx"
    other("--lang", "zh", "export", "--out", str(second))
    again = load_workbook(second)
    for sheet in book.sheetnames:
        assert list(again[sheet].iter_rows(values_only=True)) == \
            list(book[sheet].iter_rows(values_only=True)), sheet
    assert show(other, "星河光伏") | {"days_in_stage": None} == \
        show(run, "星河光伏") | {"days_in_stage": None}
    visit = other("history", "蓝海 医疗", "--format", "json").json()[-1]
    assert (visit["kind"], visit["participants"], visit["occurred_on"]) == \
        ("online", "王芳", "2021-06-11")


def test_a_chinese_export_to_csv_has_a_bom_and_comes_back_the_same(run, crm_at, tmp_path):
    a_zones_year(run)
    first = tmp_path / "台账.csv"
    run("--lang", "zh", "export", "--out", str(first))
    data = first.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(PROJECTS_HEADER)
    assert lines[1:] == [
        "华锂新材,华锂集团,新材料,8000,2021-01-05,,,,,,,,,,,否,,,,2021-05-05,投资方资金链断裂,",
        "星河光伏,星河能源集团,新能源"
        ",25000,2021-01-04,20000,2021-02-01,22000,2021-03-18,120.5,2021-04-01,3000,2021-05-01,,,是,张"
        "伟,以商招商,上海,,,重点项目",
        "蓝海 医疗,蓝海医疗器械有限公司,大健康,1234.5,2021-02-05,,,,,,,,,,,否,,,,,,"]
    other = crm_at(tmp_path / "other.sqlite")
    assert other("import", str(first)).out.splitlines()[-1] == \
        "imported 台账.csv: 3 new, 0 updated, 0 unchanged; 8 event(s)"
    second = tmp_path / "台账2.csv"
    other("--lang", "zh", "export", "--out", str(second))
    assert second.read_bytes() == data
    assert show(other, "蓝海 医疗")["planned_investment"] == "12345000"


def test_a_name_with_a_list_mark_in_it_survives_the_round_trip(run, crm_at, tmp_path):
    long = "年产5万吨电池、10万吨正极材料项目"
    for name in (long, "星河光伏"):
        run("contact", name, "--investor", "某集团", "--sector", "新能源", "--planned", "5亿",
            "--date", "2021-01-04")
    run("visit", long, "星河光伏", "--kind", "reception", "--date", "2021-02-01")
    first = tmp_path / "台账.xlsx"
    run("--lang", "zh", "export", "--out", str(first))
    assert list(load_workbook(first)["走访记录"].iter_rows(values_only=True))[1] == \
        (datetime(2021, 2, 1), "接待客商", f"{long}、星河光伏", None, None)
    other = crm_at(tmp_path / "other.sqlite")
    assert other("import", str(first)).out.splitlines()[-1] == \
        "imported 台账.xlsx: 3 new, 0 updated, 0 unchanged; 4 event(s)"
    assert other("history", long, "--format", "json").json()[-1]["projects"] == [long, "星河光伏"]
