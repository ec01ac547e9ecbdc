"""Audit: history with corrections, business time, record time, and tamper evidence."""
from __future__ import annotations

import json
import time

import pytest


@pytest.fixture
def replay(tmp_path, monkeypatch, capsys):
    """`crm` in this process on an SQLite file, where CRM_NOW may replay a past day: a team's
    PostgreSQL store takes record times from its server's clock alone (see
    test_known_on_against_the_servers_clock for the same cut-offs there)."""
    from tests.conftest import InProcess

    return InProcess(tmp_path / "events.sqlite", monkeypatch, capsys)


@pytest.fixture
def shanghai(monkeypatch):
    """The zone's own time zone, so business days and record times are local ones."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def log_q2(run):
    """Work of the second quarter of 2021, recorded on the days it happened."""
    run("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿",
        "--date", "2021-04-06", now="2021-04-06T10:00:00+08:00")
    run("contact", "云栖数据", "--investor", "云栖科技", "--sector", "数字经济", "--planned", "1亿",
        "--date", "2021-04-08", now="2021-04-08T10:00:00+08:00")
    run("visit", "星河光伏", "云栖数据", "--kind", "pairing", "--date", "2021-04-20",
        now="2021-04-20T16:00:00+08:00")
    run("sign", "星河光伏", "--amount", "2.2亿", "--date", "2021-06-18",
        now="2021-06-18T15:00:00+08:00")
    run("capital", "星河光伏", "--amount", "5000万", "--date", "2021-06-30",
        now="2021-07-02T09:30:00+08:00")  # recorded after the quarter, before the report


FORMATS = ("json", "table", "csv", "markdown", "narrative")


def test_known_on_reproduces_the_report_printed_that_day(replay, shanghai):
    log_q2(replay)
    printed = {fmt: replay("report", "quarter", "2021Q2", "--known-on", "2021-07-05", "--format",
                        fmt, now="2021-07-05T17:00:00+08:00").out for fmt in FORMATS}
    plain = replay("report", "quarter", "2021Q2", "--format", "json",
                now="2021-07-05T17:00:00+08:00").json()
    # a week later the signing is found to have been 2.5亿, and a visit is voided
    replay("correct", "星河光伏", "3", "--amount", "2.5亿", "--reason", "合同金额录入错误",
        now="2021-07-12T10:00:00+08:00")
    replay("correct", "云栖数据", "2", "--void", "--reason", "重复录入",
        now="2021-07-12T10:05:00+08:00")
    for fmt in FORMATS:
        again = replay("report", "quarter", "2021Q2", "--known-on", "2021-07-05", "--format", fmt,
                    now="2021-08-01T09:00:00+08:00").out
        assert again == printed[fmt], fmt
    first = json.loads(printed["json"])
    assert first["known_on"] == "2021-07-05"
    assert first["quarter"]["signed"]["contracted_investment"] == "220000000"
    assert first["quarter"]["activities"]["pairing"] == 1
    assert first["log_head"]["position"] == 6
    assert {k: v for k, v in plain.items() if k != "known_on"} == \
        {k: v for k, v in first.items() if k != "known_on"}
    now = replay("report", "quarter", "2021Q2", "--format", "json",
              now="2021-08-01T09:00:00+08:00").json()
    assert now["known_on"] is None
    assert now["quarter"]["signed"]["contracted_investment"] == "250000000"
    assert now["quarter"]["activities"]["pairing"] == 0  # the visit was voided in both histories
    assert now["log_head"]["position"] == 9  # one correction, and the shared visit voided twice


def test_known_on_before_a_late_entry_leaves_it_out(replay, shanghai):
    log_q2(replay)
    on_30_june = replay("report", "quarter", "2021Q2", "--known-on", "2021-06-30", "--format",
                     "json", now="2021-08-01T09:00:00+08:00").json()
    assert on_30_june["quarter"]["capital_arrived"] == "0"  # recorded on 2 July
    assert on_30_june["log_head"]["position"] == 5
    timestamp = replay("report", "quarter", "2021Q2", "--known-on", "2021-04-08T12:00:00+08:00",
                    "--format", "json", now="2021-08-01T09:00:00+08:00").json()
    assert timestamp["quarter"]["contacts"] == 2 and timestamp["quarter"]["signed"]["count"] == 0
    shown = replay("show", "星河光伏", "--known-on", "2021-06-17", "--format", "json",
                now="2021-08-01T09:00:00+08:00").json()
    assert shown["stage"] == "negotiating"
    listed = replay("list", "--known-on", "2021-04-07", "--format", "json",
                 now="2021-08-01T09:00:00+08:00").json()
    assert [r["name"] for r in listed] == ["星河光伏"]
    totals = replay("pipeline", "--known-on", "2021-06-30", "--totals", "--format", "json",
                 now="2021-08-01T09:00:00+08:00").json()
    assert totals["signed"]["capital_arrived"] == "0"


def test_as_of_shows_stages_moving_through_business_time(replay, shanghai):
    log_q2(replay)
    stages = [replay("show", "星河光伏", "--as-of", day, "--format", "json",
                  now="2021-08-01T09:00:00+08:00").json()["stage"]
              for day in ("2021-04-06", "2021-04-19", "2021-04-20", "2021-06-17", "2021-06-18",
                          "2021-06-30")]
    assert stages == ["lead", "lead", "negotiating", "negotiating", "signed", "capital"]
    r = replay("show", "星河光伏", "--as-of", "2021-04-05", check=False)
    assert r.code == 1
    report = replay("report", "quarter", "2021Q2", "--as-of", "2021-06-20", "--format", "json",
                 now="2021-08-01T09:00:00+08:00").json()
    assert report["as_of"] == "2021-06-20" and report["ytd"]["end"] == "2021-06-20"
    assert report["quarter"]["capital_arrived"] == "0"
    assert report["pipeline"]["signed"]["count"] == 1 and report["pipeline"]["capital"]["count"] == 0


def test_both_times_combine(replay, shanghai):
    log_q2(replay)
    replay("correct", "星河光伏", "3", "--date", "2021-06-25", "--reason", "签约日期有误",
        now="2021-07-12T10:00:00+08:00")
    before = replay("show", "星河光伏", "--as-of", "2021-06-20", "--known-on", "2021-07-05",
                 "--format", "json", now="2021-08-01T09:00:00+08:00").json()
    after = replay("show", "星河光伏", "--as-of", "2021-06-20", "--format", "json",
                now="2021-08-01T09:00:00+08:00").json()
    assert (before["stage"], after["stage"]) == ("signed", "negotiating")


def test_history_shows_who_recorded_what_and_when_and_each_correction(replay, shanghai):
    log_q2(replay)
    replay("correct", "星河光伏", "3", "--amount", "2.5亿", "--reason", "合同金额录入错误",
        now="2021-07-12T10:00:00+08:00")
    history = replay("history", "星河光伏", "--format", "json").json()
    assert [e["event"] for e in history] == ["ContactMade", "VisitLogged", "ContractSigned",
                                             "CapitalArrived", "EventCorrected"]
    signing, correction = history[2], history[4]
    assert signing["position"] == 3 and signing["superseded_by"] == [5]
    assert signing["amount"] == "220000000"  # the original stays as recorded
    assert correction["supersedes"] == 3 and correction["reason"] == "合同金额录入错误"
    assert correction["changes"] == {"amount": "250000000"}
    assert correction["recorded_at"] == "2021-07-12T10:00:00+08:00"
    assert history[3]["occurred_on"] == "2021-06-30"
    assert history[3]["recorded_at"] == "2021-07-02T09:30:00+08:00"
    table = replay("history", "星河光伏").out
    assert "2021-07-12 10:00:00 +0800" in table and "corrects event: 3" in table
    rows = replay("history", "星河光伏", "--format", "csv").out.splitlines()
    assert rows[0].startswith("position,event,occurred_on,recorded_at,recorded_by")
    assert replay("history", "星河光伏", "--format", "markdown").out.startswith("| #")


def test_history_as_known_on_a_day_and_as_of_a_business_date(replay, shanghai):
    log_q2(replay)
    replay("correct", "星河光伏", "3", "--amount", "2.5亿", "--reason", "合同金额录入错误",
        now="2021-07-12T10:00:00+08:00")
    known = replay("history", "星河光伏", "--known-on", "2021-07-05", "--format", "json").json()
    assert [e["position"] for e in known] == [1, 2, 3, 4]
    assert "superseded_by" not in known[2]  # the correction was not yet recorded
    dated = replay("history", "星河光伏", "--as-of", "2021-05-01", "--format", "json").json()
    assert [e["event"] for e in dated] == ["ContactMade", "VisitLogged"]


def test_correcting_by_position_and_its_refusals(run):
    log_q2(run)
    # positions are per project: 1 contact, 2 the shared visit, 3 the signing, 4 capital
    run("correct", "星河光伏", "3", "--date", "2021-06-19", "--amount", "2.3亿", "--note", "补录",
        "--reason", "核对合同")
    shown = run("show", "星河光伏", "--format", "json").json()
    assert shown["signed_date"] == "2021-06-19" and shown["contracted_investment"] == "230000000"
    run("correct", "星河光伏", "2", "--kind", "reception", "--reason", "实为来访")
    for name in ("星河光伏", "云栖数据"):  # a shared visit is corrected in both histories
        visit = [e for e in run("history", name, "--format", "json").json()
                 if e["event"] == "VisitLogged"][0]
        assert visit["superseded_by"]
    q2 = run("report", "quarter", "2021Q2", "--format", "json").json()["quarter"]["activities"]
    assert (q2["pairing"], q2["reception"], q2["total"]) == (0, 1, 1)
    refusals = [
        (("correct", "星河光伏", "3", "--date", "2021-04-01", "--reason", "x"), 1, "2021-04-01"),
        (("correct", "星河光伏", "3", "--date", "2031-04-01", "--reason", "x"), 1, "2031-04-01"),
        (("correct", "星河光伏", "3", "--void", "--reason", "x"), 1, "not signed"),  # capital needs it
        (("correct", "星河光伏", "1", "--void", "--reason", "x"), 1, "crm drop"),
        (("correct", "星河光伏", "3", "--mu", "5", "--reason", "x"), 2, "--mu"),
        (("correct", "星河光伏", "3", "--amount", "0", "--reason", "x"), 1, "not positive"),
        (("correct", "星河光伏", "3", "--amount", "lots", "--reason", "x"), 2, "lots"),
        (("correct", "星河光伏", "5", "--amount", "1亿", "--reason", "x"), 2, "event 3"),
        (("correct", "星河光伏", "99", "--amount", "1亿", "--reason", "x"), 2, "99"),
        (("correct", "星河光伏", "three", "--amount", "1亿", "--reason", "x"), 2, "three"),
        (("correct", "星河光伏", "3", "--reason", "x"), 2, "nothing to correct"),
        (("correct", "星河光伏", "3", "--amount", "1亿"), 2, "--reason"),
        (("correct", "没有", "3", "--amount", "1亿", "--reason", "x"), 1, "没有"),
    ]
    before = run.log_digest()
    for args, code, piece in refusals:
        r = run(*args, check=False)
        assert r.code == code, (args, r.err)
        assert piece in r.err and len(r.err.strip().splitlines()) == 1, (args, r.err)
    assert run.log_digest() == before



def test_known_on_against_the_servers_clock(run):
    """On either store, a cut-off between two writes shows the first and not the second
    (on PostgreSQL the record times are the server's, so the test waits for real time)."""
    import time
    from datetime import datetime, timezone

    run("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿",
        "--date", "2021-04-06")
    time.sleep(0.05)
    between = datetime.now(timezone.utc).isoformat()
    time.sleep(0.05)
    run("sign", "星河光伏", "--amount", "2.2亿", "--date", "2021-06-18")
    then = run("show", "星河光伏", "--known-on", between, "--format", "json").json()
    now = run("show", "星河光伏", "--format", "json").json()
    assert (then["stage"], now["stage"]) == ("lead", "signed")
    history = run("history", "星河光伏", "--known-on", between, "--format", "json").json()
    assert [e["event"] for e in history] == ["ContactMade"]
