"""`crm` end to end, as a subprocess on a real SQLite file: every command, every error class."""
from __future__ import annotations

import pytest

from tests.conftest import InProcess as Crm

CONTACT = ("contact", "星河光伏", "--investor", "星河能源集团", "--sector", "新能源",
           "--planned", "2亿", "--date", "2018-03-01")


def test_a_project_from_contact_to_capital(crm: Crm):
    assert crm(*CONTACT).out.strip() == "recorded contact: 星河光伏 (lead)"
    crm("visit", "星河光伏", "--kind", "outbound", "--date", "2018-03-20", "--with", "张三")
    crm("agree", "星河光伏", "--amount", "1.8亿", "--date", "2018/6/1")
    crm("sign", "星河光伏", "--amount", "2.2亿", "--date", "2018年9月10日")
    crm("land", "星河光伏", "--mu", "60.5", "--parcel", "A-7", "--price", "3000万",
        "--date", "2018-11-05")
    out = crm("capital", "星河光伏", "--amount", "8000万", "--date", "2018-12-20").out
    assert out.strip() == "recorded capital arrival: 星河光伏 (capital)"
    shown = crm("show", "星河光伏", "--format", "json").json()
    assert shown["stage"] == "capital"
    assert shown["planned_investment"] == "200000000"
    assert shown["framework_investment"] == "180000000"
    assert shown["contracted_investment"] == "220000000"
    assert shown["capital_arrived"] == "80000000"
    assert shown["land_mu"] == "60.5"
    assert shown["relocation"] is False
    history = crm("history", "星河光伏", "--format", "json").json()
    assert [e["event"] for e in history] == [
        "ContactMade", "VisitLogged", "FrameworkAgreementSigned", "ContractSigned",
        "LandTransferred", "CapitalArrived"]
    assert all(e["recorded_by"] == "tester" for e in history)
    assert history[4]["mu"] == "60.5" and history[4]["parcel"] == "A-7"
    assert history[1]["kind"] == "outbound" and history[1]["participants"] == "张三"
    assert history[3]["occurred_on"] == "2018-09-10"
    assert all(e["recorded_at"] for e in history)


def test_drop_and_reopen(crm: Crm):
    crm(*CONTACT)
    crm("visit", "星河光伏", "--kind", "reception", "--date", "2018-04-01")
    crm("drop", "星河光伏", "--reason", "资金链紧张", "--date", "2018-05-01")
    assert crm("show", "星河光伏", "--format", "json").json()["stage"] == "dropped"
    crm("reopen", "星河光伏", "--date", "2018-06-01")
    assert crm("show", "星河光伏", "--format", "json").json()["stage"] == "negotiating"


def test_fields_that_are_not_known_yet_are_null(crm: Crm):
    crm(*CONTACT, "--relocation", "--owner", "王五")
    shown = crm("show", "星河光伏", "--format", "json").json()
    for key in ("framework_investment", "contracted_investment", "capital_arrived", "land_mu"):
        assert shown[key] is None
    assert shown["relocation"] is True and shown["owner"] == "王五"


def test_shared_visit_is_one_activity_in_each_history(crm: Crm):
    crm(*CONTACT)
    crm("contact", "绿源生物", "--investor", "绿源农业", "--sector", "大健康", "--planned", "6000万",
        "--date", "2019-09-09")
    out = crm("visit", "绿源生物", "星河光伏", "--kind", "pairing", "--date", "2019-10-20").out
    assert "绿源生物" in out and "星河光伏" in out
    a = crm("history", "星河光伏", "--format", "json").json()[-1]
    b = crm("history", "绿源生物", "--format", "json").json()[-1]
    assert a["visit_id"] == b["visit_id"]
    assert a["projects"] == b["projects"] == ["绿源生物", "星河光伏"]


def test_list_in_every_format(crm: Crm):
    crm(*CONTACT)
    crm("contact", "ＫＡ游", "--investor", "卡游", "--sector", "数字经济", "--planned", "35000万元")
    rows = crm("list", "--format", "json").json()
    assert [r["name"] for r in rows] == ["星河光伏", "ＫＡ游"]  # code-point order
    assert rows[1]["planned_investment"] == "350000000"
    csv = crm("list", "--format", "csv").out.splitlines()
    assert csv[0].startswith("name,stage,investor") and len(csv) == 3
    md = crm("list", "--format", "markdown").out.splitlines()
    assert md[0].startswith("| name") and md[1].startswith("|--")
    table = crm("list").out.splitlines()
    assert "3.5亿" in table[2] or "3.5亿" in table[3]


def test_tables_align_chinese_text_by_display_width(crm: Crm):
    from wcwidth import wcwidth

    crm(*CONTACT)
    crm("contact", "A", "--investor", "Acme Ltd", "--sector", "其他", "--planned", "1亿")
    header, rule, *rows = crm("--lang", "zh", "list").out.splitlines()
    starts = [i for i, ch in enumerate(rule) if ch == "-" and i and rule[i - 1] == " "]
    assert len(starts) >= 5
    for line in [header, *rows]:
        cells = []  # one entry per display column
        for ch in line:
            cells += [ch] + [""] * (wcwidth(ch) - 1)
        for start in starts:
            assert cells[start - 1] == " ", (line, start)


def test_labels_and_messages_in_chinese(crm: Crm):
    assert "已记录接洽" in crm("--lang", "zh", *CONTACT).out
    table = crm("--lang", "zh", "show", "星河光伏").out
    assert "线索" in table and "投资方" in table
    r = crm.fails("--lang", "zh", "show", "不存在")
    assert r.code == 1 and "没有名为「不存在」的项目" in r.err


def test_user_is_recorded_on_every_event(crm: Crm):
    crm(*CONTACT, user="李雷")
    crm("visit", "星河光伏", "--kind", "online", "--date", "2018-04-01", user="韩梅梅")
    history = crm("history", "星河光伏", "--format", "json").json()
    assert [e["recorded_by"] for e in history] == ["李雷", "韩梅梅"]


def test_store_option(tmp_path, crm_at):
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    crm = crm_at(a)
    crm("--store", str(b), *CONTACT)
    assert b.exists()
    assert crm.fails("list", "--format", "json").code == 2  # a read makes no store
    assert not a.exists()
    assert len(crm("--store", str(b), "list", "--format", "json").json()) == 1


# -- every error class: exit code, one line on stderr naming the value, nothing written --

SETUP = [
    CONTACT,
    ("contact", "康宁医疗", "--investor", "康宁", "--sector", "大健康", "--planned", "3亿",
     "--date", "2018-07-07"),
    ("drop", "康宁医疗", "--reason", "资金", "--date", "2018-10-10"),
    ("contact", "云栖数据", "--investor", "云栖", "--sector", "数字经济", "--planned", "1亿",
     "--date", "2018-05-10"),
    ("sign", "云栖数据", "--amount", "1.5亿", "--date", "2018-12-28"),
    ("agree", "云栖数据", "--amount", "1亿", "--date", "2018-12-01"),
]

REFUSED = [  # (args, exit code, a piece of the message)
    (("contact", "星河光伏", "--investor", "x", "--sector", "新能源", "--planned", "1亿"), 1,
     "already exists"),
    (("contact", "ＸＩＮＧ", "--investor", "x", "--sector", "新能源", "--planned", "0"), 1,
     "not positive"),
    (("visit", "星河光伏", "--kind", "outbound", "--date", "2099-01-01"), 1, "2099-01-01"),
    (("visit", "星河光伏", "--kind", "outbound", "--date", "2018-02-28"), 1, "2018-02-28"),
    (("visit", "没有这个", "--kind", "outbound"), 1, "没有这个"),
    (("land", "星河光伏", "--mu", "10"), 1, "not signed"),
    (("capital", "星河光伏", "--amount", "1亿"), 1, "not signed"),
    (("land", "云栖数据", "--mu", "10", "--date", "2018-12-01"), 1, "2018-12-01"),
    (("land", "云栖数据", "--mu", "-10"), 1, "-10"),
    (("sign", "云栖数据", "--amount", "2亿"), 1, "already signed"),
    (("agree", "云栖数据", "--amount", "2亿"), 1, "framework agreement"),
    (("visit", "康宁医疗", "--kind", "reception"), 1, "dropped"),
    (("drop", "康宁医疗", "--reason", "x"), 1, "dropped"),
    (("reopen", "星河光伏"), 1, "not dropped"),
    (("reopen", "康宁医疗", "--date", "2018-10-09"), 1, "2018-10-09"),
    (("visit", "星河光伏", "康宁医疗", "--kind", "pairing"), 1, "dropped"),
    (("show", "没有这个"), 1, "没有这个"),
    (("history", "没有这个"), 1, "没有这个"),
]

BAD_INPUT = [
    (("capital", "云栖数据", "--amount", "3.5亿x"), "3.5亿x"),
    (("sign", "星河光伏", "--amount", "lots"), "lots"),
    (("land", "云栖数据", "--mu", "ten"), "ten"),
    (("visit", "星河光伏", "--kind", "golf"), "golf"),
    (("visit", "星河光伏", "--kind", "outbound", "--date", "2021-02-30"), "2021-02-30"),
    (("visit", "星河光伏", "--kind", "outbound", "--date", "next week"), "next week"),
    (("visit", "星河光伏", "星河光伏", "--kind", "outbound"), "星河光伏"),
    (("contact", "X", "--investor", "x", "--sector", "化工", "--planned", "1亿"), "化工"),
    (("contact", "X", "--investor", "x", "--sector", "新能源"), "--planned"),
    (("visit", "星河光伏"), "--kind"),
    (("visit", "--kind", "outbound"), "NAME"),
    (("drop", "星河光伏"), "--reason"),
    (("no-such-command",), "no-such-command"),
    (("list", "--format", "yaml"), "yaml"),
    (("--lang", "fr", "list"), "fr"),
]


@pytest.fixture
def populated(crm: Crm) -> Crm:
    for args in SETUP:
        crm(*args)
    return crm


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("args, code, piece", REFUSED, ids=lambda v: str(v)[:40])
def test_refused_by_a_rule(populated: Crm, args, code, piece):
    before = populated.log_digest()
    r = populated.fails(*args)
    assert r.code == code
    assert piece in _one_line(r.err)
    assert r.out == ""
    assert populated.log_digest() == before


@pytest.mark.parametrize("args, piece", BAD_INPUT, ids=lambda v: str(v)[:40])
def test_bad_input_or_usage(populated: Crm, args, piece):
    before = populated.log_digest()
    r = populated.fails(*args)
    assert r.code == 2
    assert piece in _one_line(r.err)
    assert populated.log_digest() == before


def test_a_file_that_is_not_a_store_is_one_line(tmp_path, crm_at):
    bad = tmp_path / "not-a-store.sqlite"
    bad.write_bytes(b"this is not a database" * 10)
    crm = crm_at(bad)
    r = crm.fails("list")
    assert r.code == 2 and "not an SQLite database" in _one_line(r.err)


def test_every_command_has_help_with_an_example(tmp_path, crm_at):
    """Walk the whole command tree: each command's --help ends with an example of itself."""
    import click

    import cli

    crm = crm_at(tmp_path / "events.sqlite")

    def walk(group: click.Group, path: list[str]):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])
            else:
                yield [*path, name]

    commands = list(walk(cli.cli, []))
    assert len(commands) >= 22
    for words in commands:
        out = crm(*words, "--help").out
        assert "Example:" in out and f"crm {' '.join(words)}" in out.split("Example:")[1], words
    top = crm().out  # no command: the overview, not an error
    assert top.startswith("Usage: crm") and all(w[0] in top for w in commands)


def test_debug_shows_the_traceback_of_an_unexpected_failure(crm, monkeypatch):
    from crm.app import reads

    def broken(self, **_):
        raise RuntimeError("boom")

    crm("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿")
    monkeypatch.setattr(reads.Reader, "projects", broken)
    r = crm.fails("list")
    assert (r.code, r.err) == (1, "crm: unexpected RuntimeError: boom "
                                  "(run with --debug for the traceback)\n")
    with pytest.raises(RuntimeError, match="boom"):  # the edge lets it through, traceback and all
        crm("--debug", "list")
