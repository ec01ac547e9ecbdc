"""Closing a reported period: facts dated inside it are refused unless recorded with
--into-closed-period, which history shows; reopening is recorded; reports say `closed`; a
close racing a backdated write cannot let both succeed."""
from __future__ import annotations

from datetime import date

from crm.app.log import ProjectLog
from crm.domain import errors
from tests.conftest import log_digest


def test_a_closed_period_refuses_backdated_facts(run, store):
    run("contact", "甲", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    assert run("close", "2021Q3", "--reason", "三季度报告已报送").out.strip() == \
        "2021Q3 is closed: 三季度报告已报送"
    before = log_digest(store)
    r = run("visit", "甲", "--kind", "outbound", "--date", "2021-08-01", check=False)
    assert r.code == 1 and r.err.strip() == (
        "crm: 甲: 2021-08-01 is inside 2021Q3, closed (三季度报告已报送): give "
        "--into-closed-period REASON to record it all the same")
    r = run("correct", "甲", "1", "--date", "2021-07-01", "--reason", "x", check=False)
    assert r.code == 1 and "inside 2021Q3" in r.err
    assert log_digest(store) == before
    run("visit", "甲", "--kind", "outbound", "--date", "2021-10-01")  # after it: fine
    run("visit", "甲", "--kind", "outbound", "--date", "2021-08-01", "--into-closed-period",
        "漏报补录")
    last = run("history", "甲", "--format", "json").json()[-1]
    assert (last["occurred_on"], last["into_closed"]) == ("2021-08-01", "漏报补录")
    assert run("report", "quarter", "2021Q3", "--format", "json").json()["closed"] is True
    assert run("report", "quarter", "2021Q4", "--format", "json").json()["closed"] is False
    assert run("reopen-period", "2021Q3", "--reason", "补录").out.strip() == \
        "2021Q3 is open again: 补录"
    run("visit", "甲", "--kind", "reception", "--date", "2021-08-02")
    assert run("report", "quarter", "2021Q3", "--format", "json").json()["closed"] is False
    assert run("close", "2021年", "--reason", "年报").out.strip() == "2021 is closed: 年报"
    assert run("report", "quarter", "2021Q2", "--format", "json").json()["closed"] is True
    shown = run("zone", "show", "--format", "json").json()
    assert shown["closed_periods"] == [{"period": "2021", "reason": "年报"}]


def test_a_close_racing_a_backdated_write_cannot_both_succeed(run, store):
    run("contact", "甲", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    writer = ProjectLog(store=str(store), user="a")
    closer = ProjectLog(store=str(store), user="b")
    seen = writer._read_zone

    def read_then_lose_the_race():
        settings = seen()
        if not closer.settings().closed_periods():  # the close lands between look and save
            closer.change_setting("closed.2021Q3", {"closed": True, "reason": "已报送"})
        return settings

    writer._read_zone = read_then_lose_the_race
    try:
        writer.log_visit(names=["甲"], kind="outbound", occurred_on=date(2021, 8, 1))
    except errors.PeriodIsClosed:
        pass
    else:
        raise AssertionError("the backdated visit was recorded after the close")
    finally:
        writer.close()
        closer.close()
    assert [e["event"] for e in run("history", "甲", "--format", "json").json()] == \
        ["ContactMade"]
