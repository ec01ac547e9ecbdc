"""`crm report quarter`: every field computed by hand for a small known log, every format."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tests.conftest import DATA, Crm, is_postgres


def empty_block(**overrides):
    block = {
        "activities": {"outbound": 0, "reception": 0, "pairing": 0, "aftercare": 0, "online": 0,
                       "total": 0},
        "contacts": 0,
        "framework_agreements": {"count": 0, "projects": []},
        "signed": {"count": 0, "contracted_investment": "0", "projects": [],
                   "at_least_10yi": {"count": 0, "projects": []},
                   "at_least_1yi": {"count": 0, "projects": []},
                   "relocations": {"count": 0, "projects": []}},
        "land": {"mu": "0", "parcels": 0},
        "capital_arrived": "0",
        "by_sector": {},
    }
    block.update(overrides)
    return block


EXPECTED_2020Q3 = {
    "period": {"label": "2020Q3", "start": "2020-07-01", "end": "2020-09-30"},
    "ytd": {"start": "2020-01-01", "end": "2020-09-30"},
    "known_on": None,
    "quarter": empty_block(
        activities={"outbound": 0, "reception": 0, "pairing": 0, "aftercare": 0, "online": 1,
                    "total": 1},
        contacts=1,
        signed={"count": 1, "contracted_investment": "100000000", "projects": ["B医疗"],
                "at_least_10yi": {"count": 0, "projects": []},
                "at_least_1yi": {"count": 1, "projects": ["B医疗"]},  # exactly 1亿 counts
                "relocations": {"count": 0, "projects": []}},
        land={"mu": "100.5", "parcels": 1},
        capital_arrived="250000000",  # 30 September in, 1 October out
        by_sector={"大健康": {"signed_count": 1, "contracted_investment": "100000000"}},
    ),
    "year_to_date": empty_block(
        # the shared visit of 29 February counts once
        activities={"outbound": 0, "reception": 1, "pairing": 1, "aftercare": 0, "online": 1,
                    "total": 3},
        contacts=3,  # C (leap day), D (later dropped: still contacted), E
        framework_agreements={"count": 1, "projects": ["C新材"]},
        signed={"count": 2, "contracted_investment": "1100000000", "projects": ["B医疗", "C新材"],
                "at_least_10yi": {"count": 1, "projects": ["C新材"]},  # exactly 10亿 counts
                "at_least_1yi": {"count": 2, "projects": ["B医疗", "C新材"]},
                "relocations": {"count": 1, "projects": ["C新材"]}},
        land={"mu": "100.5", "parcels": 1},
        capital_arrived="250000000",
        by_sector={"大健康": {"signed_count": 1, "contracted_investment": "100000000"},
                   "新材料": {"signed_count": 1, "contracted_investment": "1000000000"}},
    ),
    "previous_year_to_date": empty_block(
        activities={"outbound": 1, "reception": 0, "pairing": 0, "aftercare": 0, "online": 0,
                    "total": 1},
        contacts=1,  # B's contact on 1 October 2019 falls outside Jan-Sep 2019
        signed={"count": 1, "contracted_investment": "99990000", "projects": ["A光伏"],
                "at_least_10yi": {"count": 0, "projects": []},
                "at_least_1yi": {"count": 0, "projects": []},  # 9999万 is just under
                "relocations": {"count": 0, "projects": []}},
        by_sector={"新能源": {"signed_count": 1, "contracted_investment": "99990000"}},
    ),
    "yoy": {"signed_count": "1", "contracted_investment": "10.0011",
            "capital_arrived": None},  # no capital a year earlier: no growth to state
    "pipeline": {
        "lead": {"count": 0, "investment": "0"},
        "negotiating": {"count": 1, "investment": "80000000"},
        "framework": {"count": 0, "investment": "0"},
        "signed": {"count": 1, "investment": "99990000"},
        "land": {"count": 0, "investment": "0"},
        "started": {"count": 0, "investment": "0"},
        "capital": {"count": 2, "investment": "1100000000"},
        "producing": {"count": 0, "investment": "0"},
        "dropped": {"count": 1, "investment": "300000000"},
    },
}


@pytest.fixture
def small(scenario):
    return scenario("small-2020.sh")


def without_details(value):
    """The report without the lists of projects with their amounts (checked on their own)."""
    if isinstance(value, dict):
        return {k: without_details(v) for k, v in value.items() if k != "details"}
    return value


def test_every_field_of_the_json_report(small):
    report = small("report", "quarter", "2020Q3", "--format", "json").json()
    cutoff = {key: report.pop(key) for key in ("as_of", "log_head")}
    zone = {key: report.pop(key) for key in ("zone", "tiers", "counts", "yoy_digits",
                                             "key_projects")}
    assert (report.pop("figures_to"), report.pop("closed")) == ("2020-09-30", False)
    # the year's signings: B医疗 and C新材, neither started; capital 2.5亿 of 11亿 contracted
    assert report.pop("rates") == {"started": "0", "producing": "0", "capital": "0.227273"}
    # A光伏 signed on 2019-09-30 and nothing since: stalled (90 days) at the period's end
    assert (report.pop("alerts"), report.pop("targets")) == (1, {})
    assert report.pop("by_channel") == {"": {"contacted": 3, "signed": 2, "landed": 1}}
    for block in ("quarter", "year_to_date", "previous_year_to_date"):
        assert report[block].pop("started") == report[block].pop("producing") == \
            {"count": 0, "projects": []}
    assert without_details(report) == EXPECTED_2020Q3
    assert zone == {"zone": None, "tiers": ["1000000000", "100000000"], "counts": "exact",
                    "yoy_digits": 0,
                    # E negotiates 8000万: under the default rule (planned >= 1亿), not key
                    "key_projects": {"count": 0, "investment": "0", "projects": [],
                                     "details": []}}
    signed = report["year_to_date"]["signed"]["details"]
    assert [(d["project"], d["amount"], d["relocation"]) for d in signed] == [
        ("C新材", "1000000000", True), ("B医疗", "100000000", False)]  # the largest first
    assert cutoff["as_of"] is None
    assert cutoff["log_head"]["position"] == 20  # the shared visit is two events
    assert len(cutoff["log_head"]["hash"]) == 64 and cutoff["log_head"]["recorded_at"]


def test_the_next_quarter_takes_what_the_first_day_of_october_brought(small):
    q4 = small("report", "quarter", "2020Q4", "--format", "json").json()["quarter"]
    assert q4["activities"]["outbound"] == 1 and q4["capital_arrived"] == "100000000"
    assert q4["contacts"] == 0 and q4["signed"]["count"] == 0


def test_a_whole_year(small):
    year = small("report", "quarter", "--year", "2020", "--format", "json").json()
    assert year["period"] == {"label": "2020", "start": "2020-01-01", "end": "2020-12-31"}
    assert year["ytd"] == {"start": "2020-01-01", "end": "2020-12-31"}
    assert year["quarter"] == year["year_to_date"]
    assert year["year_to_date"]["capital_arrived"] == "350000000"
    assert year["previous_year_to_date"]["contacts"] == 2  # A and B, all of 2019
    assert year["yoy"]["capital_arrived"] is None


def test_the_worked_example(zone2019):
    expected = json.loads((DATA / "zone-2019-2019Q4.json").read_text())
    got = zone2019("report", "quarter", "2019Q4", "--format", "json").json()
    assert got["yoy"]["contracted_investment"] == "2.243216"
    for key in ("period", "ytd", "known_on", "quarter", "year_to_date", "previous_year_to_date",
                "pipeline"):
        assert _decimals(_keys_of(without_details(got[key]), expected[key])) == \
            _decimals(expected[key]), key


def _keys_of(value, like):
    """`value` with only the keys `like` has (the example's keys; fields added since are
    checked elsewhere)."""
    if isinstance(value, dict) and isinstance(like, dict):
        return {k: _keys_of(value.get(k), like[k]) for k in like}
    return value


def _decimals(value):
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def test_table_in_english_and_chinese(small):
    table = small("report", "quarter", "2020Q3").out
    assert table.startswith("Investment-attraction report 2020Q3\n")
    assert "contracted investment (亿元)" in table and "11.00" in table and "+1000.1%" in table
    zh = small("--lang", "zh", "report", "quarter", "2020Q3").out
    assert zh.startswith("招商引资工作报告 2020Q3\n")
    assert "2020年1-9月" in zh and "2019年1-9月" in zh and "协议总投资额(亿元)" in zh


def test_csv_and_markdown(small):
    rows = list(csv.DictReader(io.StringIO(small("report", "quarter", "2020Q3",
                                                 "--format", "csv").out)))
    by_metric = {(r["section"], r["metric"]): r for r in rows}
    contracted = by_metric[("summary", "contracted investment (yuan)")]
    assert (contracted["period"], contracted["year_to_date"], contracted["yoy"]) == \
        ("100000000", "1100000000", "10.0011")
    assert by_metric[("pipeline", "dropped investment")]["period"] == "300000000"
    md = small("report", "quarter", "2020Q3", "--format", "markdown").out
    assert md.startswith("# Investment-attraction report 2020Q3")
    assert "## Summary" in md and "| metric" in md


def test_narrative_in_chinese(small):
    text = small("--lang", "zh", "report", "quarter", "2020Q3", "--format", "narrative").out
    first, second = text.strip().split("\n")  # the paragraphs only: no cut-off line
    assert first == (
        "今年以来，开展山海协作结对活动1次，接待客商1次，线上洽谈1次。"
        "共签约项目2个，其中10亿元以上项目1个（C新材（10亿元）），"
        "亿元以上项目2个（B医疗（1亿元），搬迁：C新材（10亿元）），"
        "协议总投资额达11.00亿元，同比增长约1000%，已出让土地约100.5亩。"
        "签订框架协议1个（C新材（10亿元））。"
        "项目到位资金2.50亿元。")
    assert second == (
        "其中第三季度，线上洽谈1次。共签约项目1个，其中亿元以上项目1个（B医疗（1亿元）），"
        "协议总投资额达1.00亿元，已出让土地约100.5亩。项目到位资金2.50亿元。")
    assert "null" not in text and "None" not in text


def test_narrative_in_english(small):
    text = small("report", "quarter", "2020Q3", "--format", "narrative", "--lang", "en").out
    first, second = text.strip().split("\n")
    assert first.startswith("Since the start of the year, we held 1 pairing activity (山海协作), "
                            "received investors once and met investors online once. "
                            "2 projects were signed, 1 of 10亿 yuan or more (C新材 (10亿 yuan))")
    assert "up about 1000% year on year" in first and "100.5 mu of land (1 parcel)" in first
    assert second.startswith("In 2020Q3 alone, we met investors online once. "
                             "1 project was signed")


def test_narrative_reads_naturally_with_nothing_to_say(run):
    run("contact", "X", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2020-01-05")
    zh = run("--lang", "zh", "report", "quarter", "2021Q1", "--format", "narrative").out
    assert zh.startswith("今年以来，未开展招商活动。暂无新签约项目。")
    en = run("report", "quarter", "2021Q1", "--format", "narrative").out
    assert "no investment-promotion activities" in en and "No project was signed" in en
    assert "null" not in zh + en and "None" not in zh + en and "%" not in zh + en


def test_growth_with_a_zero_base_reads_naturally(small):
    small("contact", "F", "--investor", "I", "--sector", "其他", "--planned", "1亿",
          "--date", "2021-01-05")
    small("sign", "F", "--amount", "1亿", "--date", "2021-02-01")
    zh = small("--lang", "zh", "report", "quarter", "2021Q1", "--format", "narrative").out
    assert "上年同期无签约" in zh
    assert small("report", "quarter", "2021Q1", "--format", "json").json()["yoy"] == {
        "signed_count": None, "contracted_investment": None, "capital_arrived": None}


def test_xlsx_holds_the_same_numbers_as_the_json(small, tmp_path):
    from openpyxl import load_workbook

    report = small("report", "quarter", "2020Q3", "--format", "json").json()
    path = tmp_path / "r.xlsx"
    small("report", "quarter", "2020Q3", "--out", str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Projects", "By sector", "Pipeline", "Judged on",
                              "By channel", "About"]
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    spans = ("quarter", "year_to_date", "previous_year_to_date")
    contracted = summary["contracted investment (yuan)"]
    assert [Decimal(str(v)) for v in contracted[:3]] == \
        [Decimal(report[s]["signed"]["contracted_investment"]) for s in spans]
    assert Decimal(str(contracted[3])) == Decimal(report["yoy"]["contracted_investment"])
    assert summary["land transferred (亩)"][:3] == tuple(
        Decimal(report[s]["land"]["mu"]) for s in spans)
    assert summary["signed projects"][:3] == tuple(report[s]["signed"]["count"] for s in spans)
    assert all(isinstance(v, (int, float)) for v in summary["capital arrived (yuan)"][:3])
    pipeline = {row[0]: row[1:] for row in book["Pipeline"].iter_rows(min_row=2, values_only=True)}
    for stage, figures in report["pipeline"].items():
        assert pipeline[stage][0] == figures["count"]
        assert Decimal(str(pipeline[stage][1])) == Decimal(figures["investment"])
    header = [c.value for c in book["Summary"][1]]
    assert header[0] == "metric" and book["Summary"]["A1"].font.bold
    assert book["Summary"].column_dimensions["A"].width >= 28  # fits 'pairing activities (山海协作)'
    zh = tmp_path / "zh.xlsx"
    small("--lang", "zh", "report", "quarter", "2020Q3", "--out", str(zh))
    assert load_workbook(zh).sheetnames == ["主要指标", "项目名单", "分产业签约", "项目储备", "考核指标",
                                            "分渠道", "说明"]


def test_out_picks_the_format_from_the_extension(small, tmp_path):
    for name, check in (("r.json", lambda s: json.loads(s)["period"]["label"] == "2020Q3"),
                        ("r.csv", lambda s: s.startswith("section,metric")),
                        ("r.md", lambda s: s.startswith("# Investment")),
                        ("r.html", lambda s: s.startswith("<!DOCTYPE html>"))):
        result = small("report", "quarter", "2020Q3", "--out", str(tmp_path / name))
        assert result.out == "" and check((tmp_path / name).read_text(encoding="utf-8")), name
    piped = tmp_path / "piped.xlsx"
    crm = Crm(small.store)
    import subprocess

    from tests.conftest import CRM
    with piped.open("wb") as f:  # `crm report … --format xlsx > piped.xlsx`
        subprocess.run([CRM, "report", "quarter", "2020Q3", "--format", "xlsx"], env=crm.env,
                       stdout=f, check=True)
    assert piped.read_bytes()[:2] == b"PK"  # a zip: the workbook


def test_html_renders_in_a_headless_browser(small, tmp_path, chromium):
    import subprocess

    page = tmp_path / "report.html"
    small("--lang", "zh", "report", "quarter", "2020Q3", "--out", str(page))
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "http" not in text.replace('xmlns="http', "")  # offline
    assert text.count("<svg") == 3  # stages, signed by quarter, the lifecycle funnel
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1400",
                    f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 1400)
    assert len(data) > 30_000  # a blank page compresses to a few kB


def test_bad_periods(small):
    for args in (("2020Q5",), ("2020",), (), ("2020Q3", "--year", "2020")):
        r = small("report", "quarter", *args, check=False)
        assert r.code == 2 and len(r.err.strip().splitlines()) == 1, args


def test_demo_fills_an_empty_store_once_and_prints_the_latest_quarter(run, tmp_path):
    first = run("demo", "--format", "json").json()
    assert first["period"]["label"] == "2025Q4"
    assert first["year_to_date"]["signed"]["count"] >= 10
    assert first["year_to_date"]["signed"]["at_least_10yi"]["count"] >= 1
    assert first["pipeline"]["dropped"]["count"] >= 1
    assert len(first["year_to_date"]["by_sector"]) >= 4
    events = run("projections", "status", "--format", "json").json()["head"]
    refused = run("demo", check=False)
    assert refused.code == 1 and "already holds" in refused.err
    assert run("projections", "status", "--format", "json").json()["head"] == events
    other = run("--store", str(tmp_path / "other.sqlite"), "demo", "--format", "json").json()
    if is_postgres(run.store):  # a team's store records at the server's clock, not the demo's
        first.pop("log_head"), other.pop("log_head")
    assert other == first  # deterministic
    table = run("--store", str(tmp_path / "third.sqlite"), "demo").out
    assert table.startswith("Investment-attraction report 2025Q4")
