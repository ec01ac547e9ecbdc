"""After the contract: 开工 and 投产, commitments, alerts at their exact boundaries, what the
report judges a zone on, whole years summed, the team's quarter, handovers — and a store made
before any of it, read unchanged."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import DATA, log_digest


@pytest.fixture
def signed(run):
    """A project signed on 2021-02-01 with its land on 2021-03-10, its owner 王芳."""
    run("contact", "华锂新材", "--investor", "华锂集团", "--sector", "新材料", "--planned", "8亿",
        "--date", "2021-01-15", "--owner", "王芳", "--channel", "研究院推荐")
    run("sign", "华锂新材", "--amount", "10亿", "--date", "2021-02-01")
    run("land", "华锂新材", "--mu", "150", "--date", "2021-03-10")
    return run


def test_start_needs_land_and_produce_needs_start(run, store):
    run("contact", "甲", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    run("sign", "甲", "--amount", "2亿", "--date", "2021-02-01")
    before = log_digest(store)
    r = run("start", "甲", "--date", "2021-03-01", check=False)
    assert r.code == 1 and r.err.strip() == \
        "crm: '甲' has no land yet: record its land transfer (`crm land`) before 开工"
    r = run("produce", "甲", "--date", "2021-03-01", check=False)
    assert r.code == 1 and "has not started construction" in r.err
    assert log_digest(store) == before
    run("land", "甲", "--mu", "50", "--date", "2021-02-10")
    r = run("start", "甲", "--date", "2021-02-09", check=False)
    assert r.code == 1 and "before '甲' got its land on 2021-02-10" in r.err
    run("start", "甲", "--date", "2021-02-10")  # the same day is fine
    r = run("start", "甲", "--date", "2021-04-01", check=False)
    assert r.code == 1 and "already started construction on 2021-02-10" in r.err
    run("produce", "甲", "--date", "2021-06-30")
    shown = run("show", "甲", "--format", "json").json()
    assert (shown["stage"], shown["started_on"], shown["producing_on"]) == \
        ("producing", "2021-02-10", "2021-06-30")
    assert run("show", "甲", "--as-of", "2021-03-01", "--format", "json").json()["stage"] == \
        "started"
    # corrected like any fact
    run("correct", "甲", "4", "--date", "2021-02-20", "--reason", "开工日期有误")
    assert run("show", "甲", "--format", "json").json()["started_on"] == "2021-02-20"


def test_idle_land_at_one_and_two_years_to_the_day(signed):
    def rules(on: str) -> list[tuple[str, str, str]]:
        return [(a["rule"], a["severity"], a["since"])
                for a in signed("alerts", "--as-of", on, "--format", "json").json()]
    assert rules("2022-03-09") == []  # land is no stage that stalls
    assert rules("2022-03-10") == [("idle_land", "warning", "2022-03-10")]
    assert rules("2023-03-10")[0] == ("idle_land", "severe", "2023-03-10")
    signed("start", "华锂新材", "--date", "2022-03-10")
    assert [a for a in rules("2023-03-10") if a[0] == "idle_land"] == []


def test_land_on_29_february_idles_on_28_february_and_reports_count_the_alerts_listed(run):
    run("contact", "闰", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2020-01-06")
    run("sign", "闰", "--amount", "2亿", "--date", "2020-02-01")
    run("land", "闰", "--mu", "20", "--date", "2020-02-29")
    run("zone", "set", "stall.signed", "3650")  # only the land's rule is asked about here

    def rules(on: str) -> list[tuple[str, str, str]]:
        return [(a["rule"], a["severity"], a["since"])
                for a in run("alerts", "--as-of", on, "--format", "json").json()]
    assert rules("2021-02-27") == []
    assert rules("2021-02-28") == [("idle_land", "warning", "2021-02-28")]
    assert rules("2022-02-28") == [("idle_land", "severe", "2022-02-28")]
    assert rules("0001-01-01") == []  # no day before it to count from
    # the report counts in the database what `crm alerts` lists, at the quarter's end
    run("contact", "乙", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    run("agree", "乙", "--amount", "2亿", "--date", "2021-01-05")
    run("start", "闰", "--date", "2022-03-01")  # after 2021Q4: the report must not see it
    listed = run("alerts", "--as-of", "2021-12-31", "--format", "json").json()
    assert {(a["project"], a["rule"]) for a in listed} == {("闰", "idle_land"),
                                                           ("乙", "stalled"), ("乙", "unsigned")}
    report = run("report", "quarter", "2021Q4", "--format", "json").json()
    assert report["alerts"] == len(listed) == 3


def test_a_project_active_since_is_judged_as_it_stood(run):
    # 丙 stalled by the end of 2021 and was visited again in 2022; 丁 had land idle and
    # started in 2022: both stood then as their history says
    run("contact", "丙", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    run("visit", "丙", "--kind", "outbound", "--date", "2021-01-10")
    run("visit", "丙", "--kind", "outbound", "--date", "2022-02-01")
    run("contact", "丁", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2019-01-04")
    run("sign", "丁", "--amount", "2亿", "--date", "2019-02-01")
    run("land", "丁", "--mu", "20", "--date", "2019-03-01")
    run("start", "丁", "--date", "2022-03-01")
    listed = run("alerts", "--as-of", "2021-12-31", "--format", "json").json()
    assert sorted((a["project"], a["rule"], a["detail"]) for a in listed) == [
        ("丁", "idle_land", "land 2019-03-01"),
        ("丙", "stalled", "negotiating, last activity 2021-01-10")]
    report = run("report", "quarter", "2021Q4", "--format", "json").json()
    assert report["alerts"] == len(listed)


def test_a_commitment_missed_and_capital_behind(signed):
    signed("commit", "华锂新材", "--start-by", "2021-12-31", "--produce-by", "2022-12-31",
           "--invest", "5亿", "--by", "2021-12-31", "--date", "2021-02-01")
    def rules(on: str) -> set[str]:
        return {a["rule"] for a in signed("alerts", "--as-of", on, "--format", "json").json()}
    assert {"start_missed", "capital_behind"} & rules("2021-12-31") == set()
    assert {"start_missed", "capital_behind"} <= rules("2022-01-01")
    signed("capital", "华锂新材", "--amount", "5亿", "--date", "2021-12-01")
    signed("start", "华锂新材", "--date", "2021-12-15")
    assert {"start_missed", "capital_behind"} & rules("2022-01-01") == set()
    assert "production_missed" in rules("2023-01-01")
    r = signed("commit", "华锂新材", "--invest", "1亿", check=False)
    assert r.code == 2 and "--invest with --by" in r.err


def test_stall_and_unsigned_follow_the_zone(run):
    run("contact", "乙", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    run("visit", "乙", "--kind", "outbound", "--date", "2021-01-10")
    as_of = lambda on: [(a["rule"], a["since"]) for a in  # noqa: E731
                        run("alerts", "--as-of", on, "--format", "json").json()]
    assert as_of("2021-03-10") == []
    assert as_of("2021-03-11") == [("stalled", "2021-03-11")]  # 60 days after 01-10
    run("zone", "set", "stall.negotiating", "90")
    assert as_of("2021-03-11") == []
    run("agree", "乙", "--amount", "2亿", "--date", "2021-02-01")
    run("zone", "set", "stall.framework", "400")
    assert as_of("2021-07-30") == []
    assert as_of("2021-07-31") == [("unsigned", "2021-07-31")]  # 180 days after 02-01


def test_alerts_read_as_every_view(signed):
    assert signed("alerts").code == 0
    table = signed("--lang", "zh", "alerts", "--as-of", "2022-03-10").out
    assert "闲置土地" in table and "华锂新材" in table
    csv = signed("alerts", "--as-of", "2022-03-10", "--format", "csv").out.splitlines()
    assert csv[0] == "project,rule,severity,since,detail"
    empty = signed("alerts", "--as-of", "2021-03-11").out.strip()
    assert empty == "no alerts"
    assert [p["name"] for p in signed("list", "--alerts", "--as-of", "2022-03-10",
                                      "--format", "json").json()] == ["华锂新材"]


def test_the_report_judges_what_zones_are_judged_on(signed):
    signed("start", "华锂新材", "--date", "2021-05-01")
    signed("capital", "华锂新材", "--amount", "2.5亿", "--date", "2021-06-01")
    signed("contact", "乙", "--investor", "x", "--sector", "其他", "--planned", "2亿",
           "--date", "2021-01-04", "--channel", "以商招商")
    signed("sign", "乙", "--amount", "2亿", "--date", "2021-04-01")
    signed("zone", "set", "target.2021.projects", "4")
    signed("zone", "set", "target.2021.capital", "5亿")
    data = signed("report", "quarter", "2021Q2", "--format", "json").json()
    assert data["quarter"]["started"] == {"count": 1, "projects": ["华锂新材"]}
    assert data["year_to_date"]["producing"] == {"count": 0, "projects": []}
    # the year's signings: 华锂新材 (10亿, started) and 乙 (2亿): 1 of 2 started; 2.5亿 of 12亿
    assert data["rates"] == {"started": "0.5", "producing": "0", "capital": "0.208333"}
    assert data["targets"] == {
        "projects": {"target": 4, "actual": 2, "rate": "0.5"},
        "capital": {"target": "500000000", "actual": "250000000", "rate": "0.5"}}
    assert data["by_channel"] == {"以商招商": {"contacted": 1, "signed": 1, "landed": 0},
                                  "研究院推荐": {"contacted": 1, "signed": 1, "landed": 1}}
    assert data["alerts"] == 1  # 乙: signed on 04-01 and nothing since: 90 days on 06-30
    assert (data["pipeline"]["started"]["count"], data["pipeline"]["capital"]["count"]) == (0, 1)
    text = signed("--lang", "zh", "report", "quarter", "2021Q2", "--format", "narrative").out
    assert "新开工项目1个，新投产项目0个。" in text
    assert "新引项目2个，占年度任务的50%；实际到位资金2.50亿元，占年度任务的50%。" in text


def test_whole_years_summed(signed):
    signed("contact", "乙", "--investor", "x", "--sector", "其他", "--planned", "2亿",
           "--date", "2019-01-04")
    signed("sign", "乙", "--amount", "2亿", "--date", "2019-04-01")
    data = signed("report", "years", "2019-2021", "--format", "json").json()
    assert data["period"] == {"label": "2019-2021", "start": "2019-01-01", "end": "2021-12-31"}
    assert data["year_to_date"]["signed"]["count"] == 2
    assert data["year_to_date"]["signed"]["contracted_investment"] == "1200000000"
    assert data["previous_year_to_date"]["contacts"] == 0  # 2016-2018
    text = signed("--lang", "zh", "report", "years", "2019-2021", "--format", "narrative").out
    assert text.startswith("三年来，累计") and "共签约项目2个" in text
    r = signed("report", "years", "2021-2019", check=False)
    assert r.code == 2 and "years such as 2017-2021" in r.err


def test_the_teams_quarter_uses_the_owner_at_the_time(signed):
    signed("visit", "华锂新材", "--kind", "outbound", "--date", "2021-02-20", "--with", "张伟、李娜")
    signed("handover", "华锂新材", "--to", "李娜", "--date", "2021-03-01")
    signed("visit", "华锂新材", "--kind", "reception", "--date", "2021-03-05")
    team = signed("report", "team", "2021Q1", "--format", "json").json()
    by = {m["member"]: m for m in team["members"]}
    assert set(by) == {"王芳", "张伟", "李娜"}
    assert by["王芳"]["activities"]["outbound"] == 1 and by["王芳"]["activities"]["reception"] == 0
    assert by["王芳"]["contacts"] == 1
    assert by["王芳"]["signed"] == {"count": 1, "contracted_investment": "1000000000"}
    assert by["李娜"]["activities"]["total"] == 2  # a participant, then the owner
    assert by["李娜"]["projects_by_stage"]["land"] == 1 and by["王芳"]["projects_by_stage"]["land"] == 0
    history = signed("history", "华锂新材", "--format", "json").json()
    assert [h["event"] for h in history][-2:] == ["OwnerChanged", "VisitLogged"]
    assert signed("show", "华锂新材", "--as-of", "2021-02-28", "--format", "json").json()["owner"] \
        == "王芳"
    assert signed("list", "--owner", "李娜", "--format", "json").json()[0]["name"] == "华锂新材"


def test_a_store_made_before_the_milestones_reads_unchanged(crm_at, tmp_path):
    store = tmp_path / "old.sqlite"
    shutil.copy(DATA / "before-milestones.sqlite", store)
    old = crm_at(store)
    expected = json.loads((DATA / "before-milestones-2019Q4.json").read_text(encoding="utf-8"))
    got = old("report", "quarter", "2019Q4", "--format", "json").json()
    for key, value in expected.items():
        if key in ("figures_to", "pipeline"):
            continue
        assert _like(got[key], value) == value, key
    assert {s: got["pipeline"][s] for s in expected["pipeline"]} == expected["pipeline"]
    assert old("verify").code == 0
    assert old("show", "银杏旅游", "--format", "json").json()["stage"] == "negotiating"
    old("start", "星河光伏", "--date", "2020-01-10")  # the new commands on the old log
    assert old("show", "星河光伏", "--format", "json").json()["started_on"] == "2020-01-10"


def _like(value, expected):
    """`value` with only the keys `expected` has: what the old report said, and no more."""
    if isinstance(value, dict) and isinstance(expected, dict):
        return {k: _like(value.get(k), v) for k, v in expected.items()}
    return value
