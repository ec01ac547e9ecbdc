"""The message catalogue (crm/locale/zh/LC_MESSAGES/crm.po) is complete, compiled, and each
Chinese text keeps what the program and the person typing rely on: the values filled in,
the option names, and click's unwrapped (\\b) blocks with their example command lines."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "catalogue.py"


@pytest.fixture(scope="module")
def catalogue():
    spec = importlib.util.spec_from_file_location("catalogue_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def messages(catalogue):
    """(context, msgid, msgid_plural or None, [msgstr, ...]) of every entry."""
    found = []
    for m in catalogue._read():
        if not m.id:
            continue
        singular, plural = m.id if isinstance(m.id, tuple) else (m.id, None)
        strings = list(m.string) if isinstance(m.string, tuple) else [m.string]
        found.append((m.context, singular, plural, strings))
    return found


def test_the_check_passes(catalogue, capsys):
    code = catalogue.main(["--check"])
    assert code == 0, capsys.readouterr().out


def test_nothing_is_untranslated(catalogue):
    assert catalogue.untranslated() == []


def test_it_reads_the_english_help_after_this_process_showed_chinese_help(catalogue):
    """Showing help in Chinese translates the command tree in place: the catalogue still
    reads the English texts, so the suite's order cannot make it see Chinese ones."""
    import contextlib
    import io

    import cli

    english = list(catalogue.entries())
    try:
        with contextlib.redirect_stdout(io.StringIO()) as shown:
            assert cli.main(["--lang", "zh", "contact", "--help"]) == 0
        assert "记录与投资方的首次接洽" in shown.getvalue()
        assert list(catalogue.entries()) == english
        assert catalogue.untranslated() == []
    finally:
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(["--lang", "en", "contact", "--help"])


def test_the_mo_is_compiled_from_the_po(catalogue):
    assert catalogue.MO.exists() and catalogue.MO.read_bytes() == catalogue.compiled()


# -- what a translation must keep --------------------------------------------------------

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
BACKSPACE = "\b"

#: A Chinese text may write a quoted value {x!r} as 「{x}」 (corner brackets are Chinese
#: quotation marks), and report.months names the month by number ({month}: 1-9月), not by
#: its English abbreviation ({month_name}: Sep); the code passes both.
SUBSTITUTES = {("report.months", "{month_name}"): "{month}"}


def _placeholders(context: str | None, msgid: str, msgstr: str) -> tuple[set[str], set[str]]:
    wanted = set(PLACEHOLDER.findall(msgid))
    have = set(PLACEHOLDER.findall(msgstr))
    for field in [p for p in wanted if p.endswith("!r}")]:
        plain = field[:-3] + "}"
        if f"「{plain}」" in msgstr and field not in have:
            have.add(field)
            if plain not in wanted and plain not in msgstr.replace(f"「{plain}」", ""):
                have.discard(plain)
    for (ctx, original), substitute in SUBSTITUTES.items():
        if ctx == context and original in wanted and substitute in have:
            have.discard(substitute)
            have.add(original)
    return wanted, have


def _pairs(messages):
    """(where, context, msgid, msgstr): for a plural entry, each msgstr against the plural
    msgid — Chinese has one form, which serves every count."""
    for context, singular, plural, strings in messages:
        for i, string in enumerate(strings):
            where = f"{context or '-'}: {singular[:60]!r}" + (f" [{i}]" if plural else "")
            yield where, context, plural or singular, string


def test_every_translation_keeps_the_placeholders(messages):
    wrong = []
    for where, context, msgid, msgstr in _pairs(messages):
        wanted, have = _placeholders(context, msgid, msgstr)
        if wanted != have:
            wrong.append(f"{where}: {sorted(wanted)} -> {sorted(have)}")
    assert not wrong, "\n".join(wrong)


def test_every_translation_keeps_the_option_names(messages):
    wrong = []
    for where, _context, msgid, msgstr in _pairs(messages):
        wanted, have = set(OPTION.findall(msgid)), set(OPTION.findall(msgstr))
        if wanted != have:
            wrong.append(f"{where}: {sorted(wanted)} -> {sorted(have)}")
    assert not wrong, "\n".join(wrong)


def _blocks(text: str) -> list[list[str]]:
    """The lines of each \\b block (click prints them as written), up to a blank line."""
    lines = text.split("\n")
    found = []
    for i, line in enumerate(lines):
        if line == BACKSPACE:
            block = []
            for following in lines[i + 1:]:
                if not following.strip():
                    break
                block.append(following)
            found.append(block)
    return found


def test_every_translation_keeps_the_b_markers_and_the_examples(messages):
    wrong = []
    for where, _context, msgid, msgstr in _pairs(messages):
        if BACKSPACE not in msgid + msgstr:
            continue
        wanted, have = _blocks(msgid), _blocks(msgstr)
        if len(wanted) != len(have) or msgid.count(BACKSPACE) != msgstr.count(BACKSPACE):
            wrong.append(f"{where}: {len(wanted)} \\b block(s) -> {len(have)}")
            continue
        for english, chinese in zip(wanted, have):
            expected = ["示例：" if line == "Example:" else line for line in english]
            if chinese != expected:
                wrong.append(f"{where}: {english} -> {chinese}")
    assert not wrong, "\n".join(wrong)


def test_the_help_texts_keep_their_paragraphs(messages):
    """A help text keeps its paragraphs (blank lines): click wraps each one on its own."""
    wrong = []
    for where, context, msgid, msgstr in _pairs(messages):
        if context == "help" and msgid.count("\n\n") != msgstr.count("\n\n"):
            wrong.append(where)
    assert not wrong, "\n".join(wrong)
