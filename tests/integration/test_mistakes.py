"""Mistakes and finding things: rename, void, merge (each undone by voiding it), the guards
against slips, the nearest names, the list's search and filters, unfinished periods."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import CRM, log_digest
from tests.integration.test_zone import moment_between


@pytest.fixture
def typo(run):
    run("contact", "普康生吴", "--investor", "普康医疗", "--sector", "大健康", "--planned", "2亿",
        "--date", "2021-01-04")
    run("visit", "普康生吴", "--kind", "outbound", "--date", "2021-01-05")
    return run


def test_rename_corrects_the_name_in_all_business_time(typo):
    before = typo("report", "quarter", "2021Q1", "--format", "json").out
    cut = moment_between()
    assert typo("rename", "普康生吴", "普康生物").out.strip() == "普康生吴 is now named 普康生物"
    assert typo("show", "普康生物", "--as-of", "2021-01-05", "--format", "json").json()["name"] == \
        "普康生物"
    missing = typo("show", "普康生吴", check=False)
    assert missing.code == 1 and "(did you mean 普康生物?)" in missing.err
    history = typo("history", "普康生物", "--format", "json").json()
    assert [h["event"] for h in history] == ["ContactMade", "VisitLogged", "ProjectRenamed"]
    assert history[0]["name"] == "普康生吴" and history[2]["name"] == "普康生物"
    again = typo("report", "quarter", "2021Q1", "--known-on", cut, "--format", "json").out
    drop = ("known_on", "log_head")
    assert {k: v for k, v in json.loads(again).items() if k not in drop} == \
        {k: v for k, v in json.loads(before).items() if k not in drop}
    # the old name is free for another project; undoing the rename needs it free again
    typo("contact", "普康生吴", "--investor", "另一家", "--sector", "其他", "--planned", "1亿",
         "--date", "2021-02-01")
    r = typo("correct", "普康生物", "3", "--void", "--reason", "改回", check=False)
    assert r.code == 1 and "普康生吴" in r.err


def test_a_rename_to_a_taken_or_look_alike_name_is_refused(typo, store):
    typo("contact", "合成新材料", "--investor", "合成集团", "--sector", "新材料", "--planned", "12亿",
         "--date", "2021-01-04")
    before = log_digest(store)
    r = typo("rename", "普康生吴", "合成新材料", check=False)
    assert r.code == 1 and "already exists" in r.err
    r = typo("rename", "普康生吴", "合成 新材料项目", check=False)
    assert r.code == 1 and "looks like the existing '合成新材料'" in r.err and "--confirm" in r.err
    assert log_digest(store) == before


def test_void_leaves_every_count_and_undoing_it_brings_it_back(typo):
    typo("contact", "测试项目", "--investor", "测试", "--sector", "其他", "--planned", "1亿",
         "--date", "2021-02-01")
    typo("visit", "测试项目", "普康生吴", "--kind", "pairing", "--date", "2021-02-02")
    q1 = lambda: typo("report", "quarter", "2021Q1", "--format", "json").json()["quarter"]  # noqa: E731
    assert (q1()["contacts"], q1()["activities"]["pairing"]) == (2, 1)
    assert typo("void", "测试项目", "--reason", "录入测试").out.strip() == "测试项目 voided: 录入测试"
    after = q1()
    assert after["contacts"] == 1
    assert after["activities"]["pairing"] == 1  # the shared visit still counts, once
    assert [p["name"] for p in typo("list", "--format", "json").json()] == ["普康生吴"]
    assert [e["event"] for e in typo("history", "测试项目", "--format", "json").json()][-1] == \
        "ProjectVoided"
    typo("correct", "测试项目", "3", "--void", "--reason", "误作废")
    assert q1()["contacts"] == 2 and q1()["activities"]["pairing"] == 1


def test_merge_moves_the_facts_and_is_undone_by_voiding_it(typo):
    typo("contact", "普康生物项目", "--investor", "普康医疗", "--sector", "大健康", "--planned", "2亿",
         "--date", "2021-01-10", "--confirm")
    typo("sign", "普康生物项目", "--amount", "2亿", "--date", "2021-02-10")
    typo("capital", "普康生物项目", "--amount", "5000万", "--date", "2021-03-10")
    out = typo("merge", "普康生物项目", "普康生吴", "--reason", "重复录入").out.strip()
    assert out == "普康生物项目 merged into 普康生吴: 2 fact(s) moved"
    survivor = typo("show", "普康生吴", "--format", "json").json()
    assert (survivor["stage"], survivor["contracted_investment"], survivor["capital_arrived"]) == \
        ("capital", "200000000", "50000000")
    q1 = typo("report", "quarter", "2021Q1", "--format", "json").json()["quarter"]
    assert q1["contacts"] == 1 and q1["signed"]["projects"] == ["普康生吴"]
    typo("correct", "普康生物项目", "4", "--void", "--reason", "并非重复")
    assert typo("show", "普康生吴", "--format", "json").json()["stage"] == "negotiating"
    assert typo("show", "普康生物项目", "--format", "json").json()["stage"] == "capital"


def test_a_merge_that_breaks_a_rule_is_refused_naming_it(typo, store):
    typo("sign", "普康生吴", "--amount", "2亿", "--date", "2021-02-01")
    typo("contact", "普康2", "--investor", "x", "--sector", "其他", "--planned", "2亿",
         "--date", "2021-01-06")
    typo("sign", "普康2", "--amount", "2亿", "--date", "2021-02-02")
    before = log_digest(store)
    r = typo("merge", "普康2", "普康生吴", "--reason", "重复", check=False)
    assert r.code == 1 and "already signed" in r.err and "普康生吴" in r.err
    assert log_digest(store) == before


@pytest.mark.parametrize("args, fragment", [
    (("contact", "新项目", "--investor", "x", "--sector", "其他", "--planned", "30000",
      "--date", "2021-02-01"), "under the zone's minimum of 100万"),
    (("sign", "普康生吴", "--amount", "35亿", "--date", "2021-02-01"), "over 10× the project's 2亿"),
    (("visit", "普康生吴", "--kind", "outbound", "--date", "2021-01-05"),
     "the same visit (outbound trip, 2021-01-05) is already recorded"),
    (("contact", "普康 生吴项目", "--investor", "x", "--sector", "其他", "--planned", "1亿",
      "--date", "2021-02-01"), "looks like the existing '普康生吴'"),
])
def test_each_guard_refuses_with_the_flag_that_confirms_it(typo, store, args, fragment):
    before = log_digest(store)
    r = typo(*args, check=False)
    assert r.code == 1 and fragment in r.err and "--confirm" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert log_digest(store) == before
    typo(*args, "--confirm")
    assert log_digest(store) != before


def test_capital_and_land_guards_follow_the_zone(typo):
    typo("sign", "普康生吴", "--amount", "2亿", "--date", "2021-02-01")
    r = typo("capital", "普康生吴", "--amount", "3亿", "--date", "2021-03-01", check=False)
    assert r.code == 1 and "beyond the contracted 2亿" in r.err
    r = typo("land", "普康生吴", "--mu", "26680", "--date", "2021-03-01", check=False)
    assert r.code == 1 and "over the zone's maximum of 5000 亩" in r.err
    typo("zone", "set", "guard.max-mu", "30000")
    typo("land", "普康生吴", "--mu", "26680", "--date", "2021-03-01")


def test_phases_are_different_projects(run):
    run("contact", "卡游科技一期", "--investor", "卡游", "--sector", "数字经济", "--planned", "3亿",
        "--date", "2021-01-04")
    run("contact", "卡游科技二期", "--investor", "卡游", "--sector", "数字经济", "--planned", "3亿",
        "--date", "2021-06-04")


def test_list_search_and_filters(typo):
    typo("contact", "合成新材料", "--investor", "合成集团", "--sector", "新材料", "--planned", "12亿",
         "--date", "2021-03-04", "--owner", "王芳")
    names = lambda *a: [p["name"] for p in typo("list", *a, "--format", "json").json()]  # noqa: E731
    assert names("--search", "合成") == ["合成新材料"]
    assert names("--search", "医疗") == ["普康生吴"]  # the investor's name
    assert names("--stage", "在谈") == ["普康生吴"]
    assert names("--sector", "新材料") == ["合成新材料"]
    assert names("--owner", "王芳") == ["合成新材料"]
    assert names("--since", "2021-03-01") == ["合成新材料"]


def test_show_before_the_contact_says_so(typo):
    r = typo("show", "普康生吴", "--as-of", "2020-12-31", check=False)
    assert r.code == 1
    assert r.err.strip() == ("crm: '普康生吴' had not been contacted by 2020-12-31: it was first "
                             "contacted on 2021-01-04")


def test_an_unfinished_period_says_how_far_its_figures_run(typo):
    data = typo("report", "quarter", "2021Q1", "--format", "json",
                now="2021-02-10T09:00:00+08:00").json()
    assert data["figures_to"] == "2021-02-10" and data["closed"] is False
    table = typo("report", "quarter", "2021Q1", now="2021-02-10T09:00:00+08:00").out
    assert "figures to: 2021-02-10" in table
    zh = typo("--lang", "zh", "report", "quarter", "2021Q1", "--format", "narrative",
              now="2021-02-10T09:00:00+08:00").out
    assert zh.startswith("截至2月10日，")
    done = typo("report", "quarter", "2021Q1", "--format", "json").json()
    assert done["figures_to"] == "2021-03-31"


def test_postgresql_without_its_extra_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None; "
            "import cli; sys.exit(cli.main(['--store', 'postgresql://x@127.0.0.1:1/y', 'list']))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path, env={"PATH": "", "CRM_LANG": "en"})
    assert p.returncode == 2
    assert p.stderr.strip().startswith("crm: PostgreSQL support is not installed: pip install")


def test_two_writers_renaming_to_one_name_one_wins(typo, store, tmp_path):
    typo("contact", "乙项目", "--investor", "乙", "--sector", "其他", "--planned", "1亿",
         "--date", "2021-01-04")
    env = {"CRM_STORE": str(store), "CRM_USER": "tester", "CRM_LANG": "en", "PATH": ""}
    procs = [subprocess.Popen([CRM, "rename", old, "丙项目"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for old in ("普康生吴", "乙项目")]
    codes = sorted(p.wait(timeout=120) for p in procs)
    assert codes == [0, 1]
    assert sorted(p["name"] for p in typo("list", "--format", "json").json()).count("丙项目") == 1
