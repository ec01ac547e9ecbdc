"""The zone's own rules in the log (`crm zone set/show`, `crm flag`), the narrative the office
sends, and one vocabulary: every label printed is accepted back."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from tests.conftest import log_digest


def test_the_defaults_and_what_is_set(run):
    shown = run("zone", "show", "--format", "json").json()
    assert shown == {
        "name": None, "sectors": ["新材料", "新能源", "大健康", "数字经济", "其他"],
        "tiers": ["1000000000", "100000000"], "key_projects": "planned>=100000000",
        "guards": {"min_amount": "1000000", "max_ratio": "10", "max_mu": "5000"},
        "stall_days": {"negotiating": 60, "framework": 90, "signed": 90}, "counts": "exact",
        "yoy_digits": 0, "targets": {}, "closed_periods": [], "recorded": []}
    for key, value in (("name", "经济开发区"), ("tiers", "20亿,2亿"), ("key-projects", "flag"),
                       ("guard.min-amount", "50万"), ("guard.max-ratio", "20"),
                       ("guard.max-mu", "3000"), ("stall.negotiating", "45"),
                       ("counts", "approx"), ("yoy-digits", "1"),
                       ("target.2021.contracted", "50亿"), ("target.2021.projects", "12")):
        assert run("zone", "set", key, value).out.strip() == f"zone setting {key} is now {value}"
    shown = run("zone", "show", "--format", "json").json()
    assert shown["name"] == "经济开发区" and shown["tiers"] == ["2000000000", "200000000"]
    assert shown["key_projects"] == "flag" and shown["counts"] == "approx"
    assert shown["guards"] == {"min_amount": "500000", "max_ratio": "20", "max_mu": "3000"}
    assert shown["stall_days"]["negotiating"] == 45 and shown["yoy_digits"] == 1
    assert shown["targets"] == {"2021": {"contracted": "5000000000", "projects": 12}}
    again = run("zone", "set", "tiers", "20亿,2亿").out.strip()
    assert again == "zone setting tiers already is 20亿,2亿: nothing recorded"
    table = run("zone", "show").out
    assert "tiers" in table and "20亿,2亿" in table and "default" in table


@pytest.mark.parametrize("key, value, fragment", [
    ("tier", "10亿", "zone setting 'tier' does not exist"),
    ("tiers", "1亿,10亿", "zone setting tiers cannot be '100000000,1000000000'"),
    ("tiers", "10亿", "two amounts, the larger first"),
    ("counts", "roughly", "exact or approx"),
    ("stall.framework", "0", "a whole number"),
    ("key-projects", "big", "planned>=AMOUNT"),
    ("sectors", "新材料,新材料", "each once"),
])
def test_a_bad_setting_is_refused_and_nothing_written(run, store, key, value, fragment):
    before = log_digest(store)
    r = run("zone", "set", key, value, check=False)
    assert r.code == 2 and fragment in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert log_digest(store) == before


def test_the_sector_list_is_the_stores_and_crm_sectors_only_seeds_it(run, monkeypatch):
    monkeypatch.setenv("CRM_SECTORS", "化工,新能源")
    run("contact", "甲", "--investor", "甲", "--sector", "化工", "--planned", "1亿",
        "--date", "2021-01-04")
    assert run("zone", "show", "--format", "json").json()["sectors"] == ["化工", "新能源"]
    monkeypatch.setenv("CRM_SECTORS", "大健康")  # another member's environment
    r = run("contact", "乙", "--investor", "乙", "--sector", "大健康", "--planned", "1亿",
            "--date", "2021-01-04", check=False)
    assert r.code == 2 and "'大健康' is not valid: expected one of 化工, 新能源" in r.err
    run("zone", "set", "sectors", "化工,新能源,大健康")
    run("contact", "乙", "--investor", "乙", "--sector", "大健康", "--planned", "1亿",
        "--date", "2021-01-04")


def moment_between() -> str:
    """A record time after everything recorded so far and before anything recorded next
    (the store's clock: a team's server stamps record times itself)."""
    time.sleep(1.1)
    cut = datetime.now(timezone.utc).isoformat(timespec="seconds")
    time.sleep(1.1)
    return cut


def test_tiers_and_key_projects_follow_the_zone_and_old_reports_stay_as_printed(run):
    run("contact", "甲", "--investor", "甲", "--sector", "新能源", "--planned", "3亿",
        "--date", "2021-01-04")
    run("sign", "甲", "--amount", "3亿", "--date", "2021-02-01")
    run("contact", "乙", "--investor", "乙", "--sector", "新能源", "--planned", "5000万",
        "--date", "2021-02-04")
    run("visit", "乙", "--kind", "outbound", "--date", "2021-02-05")
    before = run("report", "quarter", "2021Q1", "--format", "json").out
    cut = moment_between()
    data = run("report", "quarter", "2021Q1", "--format", "json").json()
    assert data["year_to_date"]["signed"]["at_least_1yi"]["projects"] == ["甲"]
    assert data["key_projects"]["count"] == 0  # 乙 plans 5000万: under 1亿
    run("zone", "set", "tiers", "5亿,2亿")
    run("zone", "set", "key-projects", "flag")
    run("flag", "乙", "重点", "--date", "2021-03-01")
    after = run("report", "quarter", "2021Q1", "--format", "json").json()
    assert after["tiers"] == ["500000000", "200000000"]
    assert after["year_to_date"]["signed"]["at_least_1yi"]["projects"] == ["甲"]  # 3亿 >= 2亿
    assert after["year_to_date"]["signed"]["at_least_10yi"]["projects"] == []
    assert after["key_projects"]["projects"] == ["乙"]
    reprinted = run("report", "quarter", "2021Q1", "--known-on", cut, "--format", "json").out
    def strip(text: str) -> dict:
        return {k: v for k, v in json.loads(text).items() if k not in ("known_on", "log_head")}

    assert strip(reprinted) == strip(before)  # the rules in force then, the figures known then
    r = run("flag", "乙", "重点", check=False)
    assert r.code == 1 and r.err.strip() == "crm: 乙 is already flagged 重点: nothing recorded"
    assert run("flag", "乙", "重点", "--off").out.strip() == "乙 is no longer flagged 重点"


@pytest.fixture
def office(run):
    """A zone year as the seed report tells it: relocations among the 亿元 projects, one of
    10亿, short names, framework agreements and a key project under negotiation."""
    day = iter(range(1, 28))

    def on(month: int) -> str:
        return f"2021-{month:02d}-{next(day):02d}"

    for name, short, planned, signed, relocation in (
            ("合成新材料", "合成", "15亿", "12亿", True), ("卡游文化产业园", "卡游", "3亿", "3亿", False),
            ("稻米油深加工", "稻米油", "1.2亿", "1.5亿", False),
            ("胡涂硅材料", "胡涂硅", "2亿", "2亿", True), ("普康医疗器械", None, "1亿", "1亿", True),
            ("小微配套", None, "3000万", "3000万", False)):
        run("contact", name, "--investor", name + "公司", "--sector", "新材料", "--planned",
            planned, "--date", on(1), *(("--short", short) if short else ()),
            *(("--relocation",) if relocation else ()))
        run("sign", name, "--amount", signed, "--date", on(3))
    run("contact", "普林斯顿", "--investor", "普林斯顿", "--sector", "新能源", "--planned",
        "6亿", "--date", on(2))
    run("agree", "普林斯顿", "--amount", "6亿", "--date", on(4))
    run("contact", "宝仓", "--investor", "宝仓", "--sector", "新能源", "--planned", "2亿",
        "--date", on(2))
    run("agree", "宝仓", "--amount", "2.5亿", "--date", on(4))
    run("contact", "大项目在谈", "--investor", "某集团", "--sector", "新能源", "--planned", "20亿",
        "--date", on(2))
    run("visit", "大项目在谈", "--kind", "reception", "--date", on(5))
    for n in range(23):
        run("visit", "合成新材料", "--kind", "outbound", "--date", f"2021-06-{n + 1:02d}")
    for n in range(3):
        run("visit", "卡游文化产业园", "--kind", "pairing", "--date", f"2021-07-{n + 1:02d}")
    run("land", "合成新材料", "--mu", "120", "--date", "2021-07-20")
    return run


def test_the_narrative_follows_the_seed_paragraph(office):
    office("zone", "set", "counts", "approx")
    text = office("--lang", "zh", "report", "quarter", "2021Q3", "--format", "narrative").out
    first = text.splitlines()[0]
    assert first == (
        "今年以来，开展山海协作结对活动3次，外出招商20余次，接待客商1次。"
        "共签约项目6个，其中10亿元以上项目1个（合成（12亿元）），"
        "亿元以上项目5个（卡游（3亿元）、稻米油（1.5亿元），"
        "搬迁：合成（12亿元）、胡涂硅（2亿元）、普康医疗器械（1亿元）），"
        "协议总投资额达19.80亿元，上年同期无签约，已出让土地约120亩。"
        "签订框架协议2个（普林斯顿（6亿元）、宝仓（2.5亿元）），"
        "另有在谈重点项目1个，预计总投资额20.00亿元。")
    assert len(text.strip().splitlines()) == 2  # the quarter's sentence; no cut-off line
    assert "日志头" not in text and "log head" not in text
    year = office("--lang", "zh", "report", "quarter", "--year", "2021", "--format",
                  "narrative").out
    assert year.startswith("2021年全年，") and len(year.strip().splitlines()) == 1


def test_growth_is_written_with_the_zones_digits(run):
    for year, amount in ((2020, "3亿"), (2021, "5.8884亿")):
        run("contact", f"项目{year}", "--investor", "某", "--sector", "其他", "--planned",
            amount, "--date", f"{year}-01-05")
        run("sign", f"项目{year}", "--amount", amount, "--date", f"{year}-02-05")
    text = run("--lang", "zh", "report", "quarter", "2021Q1", "--format", "narrative").out
    assert "协议总投资额达5.89亿元，同比增长约96%" in text
    run("zone", "set", "yoy-digits", "1")
    text = run("--lang", "zh", "report", "quarter", "2021Q1", "--format", "narrative").out
    assert "同比增长约96.3%" in text


@pytest.mark.parametrize("kind", ["outbound", "reception", "pairing", "aftercare", "online"])
def test_every_kind_label_the_tool_prints_is_accepted(kind):
    from crm.text.messages import label
    from crm.text.parsing import parse_visit_kind

    for lang in ("en", "zh"):
        assert parse_visit_kind(label(kind, lang)) == kind


def test_every_stage_label_and_quarter_form_is_accepted():
    from crm.domain.values import STAGES
    from crm.text.messages import label
    from crm.text.parsing import parse_quarter, parse_stage

    for stage in STAGES:
        for lang in ("en", "zh"):
            assert stage in parse_stage(label(stage, lang)), (stage, lang)
    assert parse_stage("在谈") == ("negotiating", "framework")
    for text in ("2026Q3", "2026年第三季度", "2026年三季度", "2026年3季度", "2026-Q3"):
        assert parse_quarter(text) == (2026, 3)


def test_a_chinese_quarter_and_kind_on_the_command_line(run):
    run("contact", "甲", "--investor", "甲", "--sector", "其他", "--planned", "1亿",
        "--date", "2026-07-04")
    run("visit", "甲", "--kind", "线上洽谈", "--date", "2026-07-05")
    run("visit", "甲", "--kind", "山海协作结对活动", "--date", "2026-07-06")
    report = run("report", "quarter", "2026年第三季度", "--format", "json").json()
    assert report["quarter"]["activities"]["online"] == 1
    assert report["quarter"]["activities"]["pairing"] == 1
