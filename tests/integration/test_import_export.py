"""Bringing spreadsheets in and getting everything out: real .xlsx and .csv files."""
from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import log_digest


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def ledger_xlsx(path: Path) -> Path:
    """A zone's own ledger: a title row, a two-row header with merged group cells, amounts
    in a 万元 column and as text with units, dates as Excel dates and as text, a blank row
    and a total row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2021年招商项目台账"
    sheet.append(["经济开发区2021年招商项目台账"])
    sheet.merge_cells("A1:J1")
    sheet.append(["序号", "项目名称", "投资方", "产业", "投资额（万元）", None, "日期", None,
                  "供地面积(亩)", "是否搬迁"])
    sheet.append([None, None, None, None, "计划", "协议", "接洽", "签约", None, None])
    for group in ("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:H2", "I2:I3", "J2:J3"):
        sheet.merge_cells(group)
    sheet.append([1, "星河光伏", "星河能源集团", "新能源", 20000, "2.2亿",
                  datetime(2021, 3, 1), "2021/6/18", None, "否"])
    sheet.append([2, "华锂新材", "华锂集团", "新材料", "8亿", 100000,
                  datetime(2021, 1, 15), datetime(2021, 7, 18), None, "是"])
    sheet.append([None] * 10)
    sheet.append([3, "云栖数据", "云栖科技", "数字经济", 12000, None, "2021年4月2日", None,
                  None, None])
    sheet.append(["合计", None, None, None, 300000, None, None, None, None, None])
    book.save(path)
    return path


def test_a_zone_ledger_in_excel_with_merged_headers(run, tmp_path):
    out = run("import", str(ledger_xlsx(tmp_path / "台账.xlsx"))).out
    assert out.splitlines() == [
        "台账.xlsx[2021年招商项目台账]: ledger, 9 column(s) read, 1 ignored, 3 row(s), 2 row(s) "
        "skipped",
        "imported 台账.xlsx: 3 new, 0 updated, 0 unchanged; 5 event(s)"]
    star = run("show", "星河光伏", "--format", "json").json()
    assert (star["planned_investment"], star["contracted_investment"]) == ("200000000", "220000000")
    assert (star["contact_date"], star["signed_date"], star["stage"]) == \
        ("2021-03-01", "2021-06-18", "signed")
    lithium = run("show", "华锂新材", "--format", "json").json()
    assert lithium["planned_investment"] == "800000000"
    assert lithium["contracted_investment"] == "1000000000"  # 100000 万元
    assert lithium["relocation"] is True and lithium["signed_date"] == "2021-07-18"
    cloud = run("show", "云栖数据", "--format", "json").json()
    assert (cloud["stage"], cloud["contact_date"]) == ("lead", "2021-04-02")
    history = run("history", "星河光伏", "--format", "json").json()
    assert [e["occurred_on"] for e in history] == ["2021-03-01", "2021-06-18"]


def test_an_english_ledger_in_csv_and_a_visit_log(run, tmp_path):
    ledger = write_csv(tmp_path / "ledger.csv", [
        ["Name", "Investor", "Sector", "Planned investment (yuan)", "Contact date",
         "Contracted (CNY 100m)", "Signed date", "Land (mu)", "Land date",
         "Capital arrived (RMB 10,000)", "Capital date", "Owner", "Notes"],
        ["Alpha Solar", "Alpha Energy", "new-energy", "350000000", "2021-02-01", "3.5",
         "2021-05-01", "120.5", "2021-06-01", "35000", "2021-07-01", "Li Na", "key project"],
        ["", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["Beta Health", "Beta Group", "big health", "3000万元", "2021/2/3", "", "", "", "",
         "", "", "", ""],
    ])
    assert run("import", str(ledger)).out.splitlines()[-1] == \
        "imported ledger.csv: 2 new, 0 updated, 0 unchanged; 5 event(s)"
    visits = write_csv(tmp_path / "走访记录.csv", [
        ["日期", "类型", "项目", "参加人员", "备注"],
        ["2021-02-20", "外出招商", "Alpha Solar", "张伟", ""],
        ["2021-03-10", "山海协作", "Alpha Solar、Beta Health", "王芳, 李娜", "结对活动"],
    ])
    assert run("import", str(visits)).out.splitlines()[-1] == \
        "imported 走访记录.csv: 2 new, 0 updated, 0 unchanged; 3 event(s)"
    report = run("report", "quarter", "2021Q1", "--format", "json").json()["quarter"]
    assert report["activities"] == {"outbound": 1, "reception": 0, "pairing": 1, "aftercare": 0,
                                    "online": 0, "total": 2}  # the shared visit counts once
    alpha = run("show", "Alpha Solar", "--format", "json").json()
    assert (alpha["stage"], alpha["land_mu"], alpha["capital_arrived"]) == \
        ("capital", "120.5", "350000000")
    assert run("import", str(visits)).out.splitlines()[-1] == \
        "nothing to import: 走访记录.csv holds nothing the log does not (2 row(s) unchanged)"
    assert run("import", str(ledger)).out.splitlines()[-1] == \
        "nothing to import: ledger.csv holds nothing the log does not (2 row(s) unchanged)"


def test_map_names_an_unknown_column(run, tmp_path):
    ledger = write_csv(tmp_path / "odd.csv", [
        ["项目名称", "合作企业", "产业", "计划投资（万元）", "首次洽谈日期"],
        ["甲", "甲公司", "其他", "1亿", "2021-01-05"],
    ])
    r = run("import", str(ledger), check=False)
    assert r.code == 2
    assert r.err.splitlines() == [
        "odd.csv: column E '首次洽谈日期' looks like amounts, dates, areas or yes/no, but no field "
        "the tool knows: --map '首次洽谈日期=FIELD' reads it as a field, --ignore '首次洽谈日期' "
        "leaves it out",
        "odd.csv:2: 甲 is new to the log: fill in its investor",
        "crm: 2 problem(s) in odd.csv: nothing was imported"]
    out = run("import", str(ledger), "--map", "合作企业=investor", "--map",
              "首次洽谈日期=contact_date").out
    assert out.splitlines()[-1] == "imported odd.csv: 1 new, 0 updated, 0 unchanged; 1 event(s)"
    assert run("show", "甲", "--format", "json").json()["contact_date"] == "2021-01-05"


BAD_ROWS = [
    ["项目名称", "投资方", "产业", "计划投资(万元)", "接洽日期", "协议投资(万元)", "签约日期",
     "供地面积(亩)", "供地日期"],
    ["好项目", "好公司", "新能源", "10000", "2021-03-01", "", "", "", ""],        # 2: fine
    ["坏金额", "公司", "新能源", "很多", "2021-03-01", "", "", "", ""],            # 3
    ["坏日期", "公司", "新能源", "100", "2021-02-30", "", "", "", ""],             # 4
    ["坏产业", "公司", "化工", "100", "2021-03-01", "", "", "", ""],               # 5
    ["", "公司", "新能源", "100", "2021-03-01", "", "", "", ""],                   # 6: no name
    ["缺投资方", "", "新能源", "100", "2021-03-01", "", "", "", ""],               # 7
    ["有金额无日期", "公司", "新能源", "100", "2021-03-01", "1亿", "", "", ""],   # 8
    ["好项目", "另一家", "新能源", "100", "2021-03-01", "", "", "", ""],           # 9: again
    ["未来", "公司", "新能源", "100", "2099-03-01", "", "", "", ""],               # 10
    ["先供地", "公司", "新能源", "100", "2021-03-01", "1亿", "2021-06-01", "10",
     "2021-05-01"],                                                                # 11
]


def test_every_bad_row_is_reported_and_nothing_is_written(run, tmp_path, store):
    run("contact", "已有", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2021-01-04")
    before = log_digest(store)
    path = write_csv(tmp_path / "bad.csv", BAD_ROWS)
    r = run("import", str(path), check=False)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert lines == [
        "bad.csv:3: 计划投资(万元) '很多' is not valid: expected an amount in yuan such as "
        "350000000, 3.5亿, 3.5亿元, 35000万 or 35000万元",
        "bad.csv:4: 接洽日期 '2021-02-30' is not valid: expected a date such as 2021-08-03, "
        "2021/8/3 or 2021年8月3日 that exists on the calendar",
        "bad.csv:5: 产业 '化工' is not valid: expected one of 新材料, 新能源, 大健康, 数字经济, 其他",
        "bad.csv:6: no 项目名称: every row needs one",
        "bad.csv:7: 缺投资方 is new to the log: fill in its investor",
        "bad.csv:8: 有金额无日期: contracted investment is given without signed on: fill in the "
        "date (it is never taken from the report's date)",
        "bad.csv:9: 好项目 is already on row 2: list each project once",
        f"bad.csv:10: date 2099-03-01 is in the future (today is {date.today()}): "
        "record what has happened",
        "bad.csv:11: date 2021-05-01 is before '先供地' was signed on 2021-06-01: check the date",
        "crm: 9 problem(s) in bad.csv: nothing was imported"]
    assert log_digest(store) == before


def test_bad_visit_rows(run, tmp_path, store):
    run("contact", "已有", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2021-01-04")
    before = log_digest(store)
    path = write_csv(tmp_path / "visits.csv", [
        ["日期", "类型", "项目"],
        ["2021-02-20", "外出招商", "没有这个项目"],
        ["2021-02-21", "打高尔夫", "已有"],
        ["2021-02-22", "接待客商", "已有"],
        ["2021-02-22", "reception", "已有"],
        ["2020-12-31", "接待客商", "已有"],
    ])
    r = run("import", str(path), check=False)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert lines[0] == ("visits.csv:2: no project named 没有这个项目: add it to the ledger or "
                        "`crm contact` it first")
    assert lines[1].startswith("visits.csv:3: 类型 '打高尔夫' is not valid")
    assert lines[2] == "visits.csv:5: the same visit is already on row 4"
    assert lines[3] == ("visits.csv:6: date 2020-12-31 is before 已有's first contact on "
                        "2021-01-04: check the date")
    assert lines[4] == "crm: 4 problem(s) in visits.csv: nothing was imported"
    assert log_digest(store) == before


def test_a_row_changed_since_the_import_is_a_conflict(run, tmp_path, store):
    rows = [["项目名称", "投资方", "产业", "计划投资（元）", "接洽日期"],
            ["甲", "甲公司", "其他", "1亿", "2021-01-05"],
            ["乙", "乙公司", "其他", "2亿", "2021-01-06"]]
    run("import", str(write_csv(tmp_path / "v1.csv", rows)))
    before = log_digest(store)
    rows[1][3] = "1.5亿"
    rows.append(["丙", "丙公司", "其他", "3亿", "2021-01-07"])
    changed = write_csv(tmp_path / "v2.csv", rows)
    r = run("import", str(changed), check=False)
    assert r.code == 1
    assert r.err.splitlines() == [
        "v2.csv:2: 甲: planned investment: 1亿 in the log, 1.5亿 in the ledger — to apply: "
        "crm correct 甲 1 --planned 1.5亿 --reason 台账更正",
        "crm: 1 row(s) of v2.csv differ from the log: nothing was imported (--skip-conflicts "
        "imports the rest)"]
    assert log_digest(store) == before
    checked = run("import", str(changed), "--check", check=False)
    assert checked.code == 1 and log_digest(store) == before
    assert checked.out.splitlines()[-4:] == [
        "would import: 1 new, 0 updated, 2 unchanged; 1 event(s)",
        "1 conflict(s): the ledger says otherwise than the log:",
        "v2.csv:2: 甲: planned investment: 1亿 in the log, 1.5亿 in the ledger — to apply: "
        "crm correct 甲 1 --planned 1.5亿 --reason 台账更正",
        "nothing written (--check)"]
    r = run("import", str(changed), "--skip-conflicts")
    assert r.out.splitlines()[-1] == "imported v2.csv: 1 new, 0 updated, 2 unchanged; 1 event(s)"
    assert r.err.splitlines()[0] == "1 conflicting row(s) left out (--skip-conflicts):"
    assert run("show", "甲", "--format", "json").json()["planned_investment"] == "100000000"
    r = run("import", str(changed), "--apply-corrections", "--reason", "7月台账更正")
    assert r.out.splitlines()[-2:] == [
        "imported v2.csv: 0 new, 0 updated, 3 unchanged; 1 event(s)",
        "1 conflict(s) recorded as corrections (reason: 7月台账更正)"]
    assert run("show", "甲", "--format", "json").json()["planned_investment"] == "150000000"
    last = run("history", "甲", "--format", "json").json()[-1]
    assert (last["event"], last["reason"]) == ("EventCorrected", "7月台账更正")
    assert run("import", str(changed)).out.splitlines()[-1].startswith("nothing to import")


def test_files_that_cannot_be_read(run, tmp_path):
    assert run("import", str(tmp_path / "missing.csv"), check=False).code == 2
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    r = run("import", str(notes), check=False)
    assert r.code == 2 and "notes.txt" in r.err
    empty = write_csv(tmp_path / "other.csv", [["a", "b"], ["1", "2"]])
    r = run("import", str(empty), check=False)
    assert r.code == 2 and r.err.startswith("crm: other.csv: no sheet holds a ledger or a visit log")


def test_events_round_trip_exactly_through_json_lines(zone2019, tmp_path):
    zone2019("correct", "华锂新材", "4", "--amount", "10.5亿", "--reason", "补充协议")
    exported = tmp_path / "events.jsonl"
    zone2019("export", "--format", "jsonl", "--out", str(exported))
    head = zone2019("verify", "--head").out.strip()
    lines = exported.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["event"] == "ContactMade" and first["occurred_on"] == "2018-03-01"
    assert first["recorded_by"] == "tester" and first["recorded_at"]
    other = tmp_path / "restored.sqlite"
    out = zone2019("--store", str(other), "import", str(exported)).out
    assert out.startswith("imported 39 events from events.jsonl; the log verifies, head ")
    assert zone2019("--store", str(other), "verify", "--extends", head).code == 0
    again = tmp_path / "again.jsonl"
    zone2019("--store", str(other), "export", "--format", "jsonl", "--out", str(again))
    assert again.read_bytes() == exported.read_bytes()
    assert zone2019("--store", str(other), "history", "华锂新材", "--format", "json").out == \
        zone2019("history", "华锂新材", "--format", "json").out
    refused = zone2019("--store", str(other), "import", str(exported), check=False)
    assert refused.code == 1 and "already holds 39 events" in refused.err


def test_a_damaged_event_file_is_refused_line_by_line(run, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([
        json.dumps({"position": 1, "project": "A", "version": 1, "event": "ContactMade",
                    "occurred_on": "2021-01-04", "recorded_at": "2021-01-04T01:00:00+00:00",
                    "recorded_by": "t", "note": None, "name": "A", "investor": "I",
                    "sector": "其他", "planned": "100", "channel": None, "region": None,
                    "owner": None, "relocation": False}),
        "{not json",
        json.dumps({"position": 3, "project": "B", "version": 2, "event": "VisitLogged"}),
        json.dumps({"position": 4, "project": "A", "version": 2, "event": "Bribe"}),
    ]), encoding="utf-8")
    r = run("import", str(bad), check=False)
    assert r.code == 2
    assert [line.split(":")[1] for line in r.err.strip().splitlines()[:-1]] == ["2", "3", "4"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ledger_and_visits_round_trip_through_csv_and_excel(zone2019, tmp_path, lang):
    first_csv, first_xlsx = tmp_path / "1.csv", tmp_path / "1.xlsx"
    zone2019("--lang", lang, "export", "--out", str(first_csv))
    zone2019("--lang", lang, "export", "--out", str(first_xlsx))
    for source, name in ((first_csv, "csv"), (first_xlsx, "xlsx")):
        other = tmp_path / f"{name}.sqlite"
        zone2019("--store", str(other), "import", str(source))
        second = tmp_path / f"2.{name}"
        zone2019("--store", str(other), "--lang", lang, "export", "--out", str(second))
        if name == "csv":
            assert second.read_bytes() == source.read_bytes()
        else:
            a, b = load_workbook(source), load_workbook(second)
            assert a.sheetnames == b.sheetnames
            for sheet in a.sheetnames:
                assert list(a[sheet].iter_rows(values_only=True)) == \
                    list(b[sheet].iter_rows(values_only=True)), sheet
    book = load_workbook(first_xlsx)
    projects = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert len(projects) == 10  # a header and 9 projects
    assert any(isinstance(v, (int, float)) for v in projects[1])  # numbers as numbers
