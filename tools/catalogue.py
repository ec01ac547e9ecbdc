"""Keep the message catalogue (crm/locale/zh/LC_MESSAGES/crm.po) complete and compiled.

    python tools/catalogue.py          # add what is new to crm.po, drop what is gone, compile crm.mo
    python tools/catalogue.py --check  # exit 1 if crm.po lacks a text or crm.mo is stale

Every text a person reads has an entry: the catalogue's sentences and labels (context: the
key), the errors (context: error.ClassName), the values errors expect (context: expected),
every command's and option's help and metavar (context: help), and click's own words (no
context: click looks them up with plain gettext). Babel reads and writes the catalogue."""
from __future__ import annotations

import ast
import inspect
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "crm" / "locale" / "zh" / "LC_MESSAGES" / "crm.po"
MO = PO.with_suffix(".mo")
sys.path.insert(0, str(ROOT))

Entry = tuple[str | tuple[str, str], str | None]  # (msgid or (singular, plural), context)


def _messages() -> Iterator[Entry]:
    from crm.text import messages

    for key, text in messages.CATALOGUE.items():
        yield text, key
    for name, text in messages.ERRORS.items():
        yield text, "error." + name
    for text in messages._ACTIONS.values():
        yield text, "action"
    yield "flagged", "flag"
    yield "not flagged", "flag"
    for form in ("{0} ({1})", "{0} {1}", "HEADER=FIELD, FIELD one of {items}", "one of {items}",
                 "at most 10,000亿", "to the fen, 0.01 yuan", "at most 1,000,000,000 亩",
                 "at most 4 decimal places", "that exists on the calendar"):
        yield form, "expected"


def _expected() -> Iterator[Entry]:
    """Every constant `expected=` the code gives an error, and the module constants named
    *_EXPECTED: what a value should have been."""
    for path in sorted((ROOT / "crm").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str) \
                    and any(isinstance(t, ast.Name) and t.id.endswith("_EXPECTED")
                            for t in node.targets):
                yield node.value.value, "expected"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "bad" and node.args \
                    and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):  # crm.domain.settings.check
                yield node.args[0].value, "expected"
            if isinstance(node, ast.keyword) and node.arg == "expected" \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                yield node.value.value, "expected"


def help_texts() -> Iterator[Entry]:
    """Every command's help, short help and epilog, every option's help and metavar, in
    English: as written, even where this process has shown the help in Chinese (which
    translates it in place, keeping the English in `cli._TRANSLATED`)."""
    import click

    import cli

    def english(owner: Any, attribute: str) -> Any:
        kept = cli._TRANSLATED.get(id(owner), {})
        return kept[attribute] if attribute in kept else getattr(owner, attribute, None)

    def walk(command: click.Command) -> Iterator[Entry]:
        for attribute in ("help", "short_help", "epilog"):
            text = english(command, attribute)
            if text:
                yield inspect.cleandoc(text), "help"
        for param in command.params:
            for attribute in ("help", "metavar"):
                text = english(param, attribute)
                if text:
                    yield text, "help"
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                yield from walk(sub)

    yield from walk(cli.cli)
    for metavar in ("TEXT", "INTEGER", "PATH", "FILENAME", "FLOAT", "BOOLEAN", "COMMAND",
                    "ARGS...", "FILE", "DIRECTORY", "[OPTIONS]", "COMMAND [ARGS]..."):
        yield metavar, "help"


def _click() -> Iterator[Entry]:
    """Click's own gettext-wrapped words, read from its source."""
    import click
    from babel.messages.extract import extract_from_dir

    yield "required", None  # click writes _(extra["required"]): not extractable
    for _file, _line, message, _comments, _context in extract_from_dir(
            Path(click.__file__).parent, method_map=[("**.py", "python")]):
        yield message, None


def entries() -> dict[tuple[str | tuple[str, str], str | None], None]:
    found: dict[tuple[str | tuple[str, str], str | None], None] = {}
    for source in (_messages(), _expected(), help_texts(), _click()):
        for entry in source:
            found.setdefault(entry, None)
    return found


def _read():
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN", domain="crm")


def update() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    old = _read()
    new = Catalog(locale="zh_Hans_CN", domain="crm", project="crm", charset="utf-8")
    for msgid, context in entries():
        have = old.get(msgid, context=context)
        new.add(msgid, have.string if have is not None else ("", "") if isinstance(msgid, tuple)
                else "", context=context)
    with PO.open("wb") as f:
        write_po(f, new, width=100, sort_output=False)
    compile_mo()


def compiled() -> bytes:
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, _read())
    return out.getvalue()


def compile_mo() -> None:
    MO.write_bytes(compiled())


def untranslated() -> list[str]:
    catalog = _read()
    wanted = entries()
    missing = []
    for msgid, context in wanted:
        message = catalog.get(msgid, context=context)
        strings = () if message is None else (message.string if isinstance(message.string, tuple)
                                              else (message.string,))
        if message is None or not all(strings):
            missing.append(f"{context or '-'}: {msgid!r}"[:200])
    return missing


def main(argv: list[str]) -> int:
    if "--check" in argv:
        missing = untranslated()
        for line in missing:
            print("untranslated:", line)
        stale = not MO.exists() or MO.read_bytes() != compiled()
        if stale:
            print("crm.mo is not compiled from crm.po: run python tools/catalogue.py")
        return 1 if missing or stale else 0
    update()
    print(f"{PO.relative_to(ROOT)}: {len(untranslated())} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
