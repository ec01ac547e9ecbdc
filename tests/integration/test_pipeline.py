"""`crm pipeline`, `list` and `show` from the read models, now and as of a date."""
from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import DATA


def test_pipeline_totals_as_of_the_end_of_2019_match_the_worked_example(zone2019):
    expected = json.loads((DATA / "zone-2019-2019Q4.json").read_text())["pipeline"]
    got = zone2019("pipeline", "--as-of", "2019-12-31", "--totals", "--format", "json").json()
    for stage, want in expected.items():
        assert got["stages"][stage]["count"] == want["count"], stage
        assert Decimal(got["stages"][stage]["investment"]) == Decimal(want["investment"]), stage
    assert got["negotiating"] == {"count": 3, "expected_investment": "860000000"}
    assert got["signed"]["count"] == 5
    assert Decimal(got["signed"]["contracted_investment"]) == Decimal(1_569_990_000)
    assert Decimal(got["signed"]["capital_arrived"]) == Decimal(450_000_000)


def test_pipeline_lists_live_projects_by_stage_with_the_headlines(zone2019):
    rows = zone2019("pipeline", "--format", "json").json()
    assert {r["stage"] for r in rows} <= {"lead", "negotiating", "framework", "signed", "land",
                                          "capital"}
    by_name = {r["name"]: r for r in rows}
    assert by_name["华锂新材"]["stage"] == "capital"
    assert by_name["华锂新材"]["contracted_investment"] == "1000000000"
    assert by_name["银杏文旅"]["stage"] == "negotiating"  # the 2020 visit moved it on
    table = zone2019("pipeline").out
    assert table.splitlines()[0].startswith(
        "under negotiation (在谈: negotiating and framework): 4 · expected investment 8.90亿元")
    assert "capital · 4 · 14.70亿元" in table
    zh = zone2019("--lang", "zh", "pipeline").out
    assert zh.splitlines()[0] == "在谈项目 4 个，预计总投资 8.90 亿元"


def test_pipeline_filters(zone2019):
    rows = zone2019("pipeline", "--stage", "在谈", "--format", "json").json()
    assert sorted(r["name"] for r in rows) == ["康宁医疗", "智造装备", "绿源生物", "银杏文旅"]
    rows = zone2019("pipeline", "--sector", "大健康", "--format", "json").json()
    assert sorted(r["name"] for r in rows) == ["康宁医疗", "绿源生物", "青山制药"]
    totals = zone2019("pipeline", "--sector", "new-energy", "--totals", "--format", "json").json()
    assert totals["signed"]["count"] == 2
    dropped = zone2019("pipeline", "--stage", "dropped", "--as-of", "2018-12-31",
                       "--format", "json").json()
    assert [r["name"] for r in dropped] == ["康宁医疗"]
    r = zone2019("pipeline", "--stage", "won", check=False)
    assert r.code == 2 and "'won'" in r.err


def test_pipeline_as_of_a_past_date(zone2019):
    rows = zone2019("pipeline", "--as-of", "2018-12-31", "--format", "json").json()
    assert sorted(r["name"] for r in rows) == ["云栖数据", "星河光伏"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["星河光伏"]["stage"] == "capital"
    assert by_name["云栖数据"]["stage"] == "signed"
    assert by_name["云栖数据"]["days_in_stage"] == 3  # signed 2018-12-28
    assert by_name["云栖数据"]["capital_arrived"] is None


def test_show_and_list_as_of(zone2019):
    shown = zone2019("show", "康宁医疗", "--as-of", "2019-01-01", "--format", "json").json()
    assert shown["stage"] == "dropped" and shown["dropped_on"] == "2018-10-10"
    shown = zone2019("show", "康宁医疗", "--format", "json").json()
    assert shown["stage"] == "negotiating" and shown["dropped_on"] is None
    r = zone2019("show", "银杏文旅", "--as-of", "2019-06-30", check=False)
    assert r.code == 1
    listed = zone2019("list", "--as-of", "2018-06-30", "--format", "json").json()
    assert [r["name"] for r in listed] == ["云栖数据", "星河光伏"]


def test_a_fresh_write_shows_at_once(run):
    run("contact", "星河光伏", "--investor", "I", "--sector", "新能源", "--planned", "1亿",
        "--date", "2021-01-01")
    assert run("show", "星河光伏", "--format", "json").json()["stage"] == "lead"
    run("visit", "星河光伏", "--kind", "outbound", "--date", "2021-02-01")
    shown = run("show", "星河光伏", "--format", "json").json()
    assert shown["stage"] == "negotiating" and shown["last_activity"] == "2021-02-01"


def test_projections_status_and_rebuild(zone2019):
    status = zone2019("projections", "status", "--format", "json").json()
    assert (status["position"], status["head"], status["behind"]) == (0, 38, 38)
    before = zone2019("pipeline", "--format", "json").out
    status = zone2019("projections", "status", "--format", "json").json()
    assert (status["position"], status["head"], status["behind"]) == (38, 38, 0)
    assert status["rows"]["rm_projects"] == 9 and status["rows"]["rm_facts"] == 38
    out = zone2019("projections", "rebuild").out
    assert out.strip() == "rebuilt the read models from 38 events"
    assert zone2019("pipeline", "--format", "json").out == before
