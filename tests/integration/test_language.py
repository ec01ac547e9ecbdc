"""Under --lang zh a person reads Chinese: every command's help, every error of the tool and
click's own usage errors — no English word left in a Chinese line, except what is typed as
it stands (command and option names, the values a command accepts, formats, file names,
example command lines) and the names of products and standards (Excel, SQLite, UTF-8 …).

Everything runs in this process (`cli.main`), so the whole file takes a few seconds.

A word that leaks from the code (a literal that does not go through the catalogue) and is
known is listed in KNOWN_LEAKS with where it comes from: a case showing only known leaks is
an expected failure (xfail), a new leak fails, and a known leak that is gone fails
test_the_known_leaks_are_still_there — remove it from the list then."""
from __future__ import annotations

import inspect
import re
from datetime import date
from decimal import Decimal

import click
import pytest

import cli
from crm.app import errors as app_errors
from crm.domain import errors as domain_errors
from crm.domain import settings as zone_settings
from crm.domain.errors import CrmError
from crm.domain.values import STAGES, VISIT_KINDS
from crm.store import errors as store_errors
from crm.text import errors as text_errors
from crm.text import ledgers, messages

# -- what may stay in Latin letters in a Chinese line ---------------------------------------


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands(cli.cli)]
COMMAND_NAMES = {name for path in COMMANDS for name in path}
FORMATS = {"table", "json", "csv", "markdown", "xlsx", "html", "narrative", "jsonl"}
#: Names Chinese text keeps in Latin letters: software, standards, encodings.
PROPER_NAMES = {"excel", "wps", "sqlite", "postgresql", "unicode", "utf", "gbk"}
#: Values a command accepts as typed: choices, stages, visit kinds, zone settings and their
#: words (exact, approx, flag, planned>=AMOUNT), ledger fields (--map HEADER=FIELD).
LITERALS = sorted(
    {c for _, command in _commands(cli.cli) for p in command.params
     if isinstance(p.type, click.Choice) for c in p.type.choices}
    | set(STAGES) | set(VISIT_KINDS) | set(zone_settings.DEFAULTS) | set(ledgers.FIELDS)
    | {"exact", "approx", "flag", "planned"}, key=len, reverse=True)

_STRIPPED = [
    # commands whose names are two words: reopen-period
    re.compile("|".join(re.escape(n) for n in sorted(COMMAND_NAMES, key=len, reverse=True)
                        if "-" in n)),
    re.compile(r"`[^`]*`"),  # inline command lines: `crm zone show`
    re.compile(r"\b[a-z][a-z0-9+.-]*://\S*"),  # URLs: postgresql://USER@HOST/DB
    re.compile(r"[\w.-]+\.(?:sqlite|jsonl|xlsx|xls|csv|json|html?|md|txt|et|ods)\b"),  # files
    re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*"),  # option names
    re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"),  # environment variables: CRM_STORE
    re.compile(r"target\.[^\s；;，,。）)]*"),  # target.YEAR.projects|contracted|capital
]
_LITERAL = re.compile(r"(?<![A-Za-z0-9_.-])(?:" + "|".join(map(re.escape, LITERALS))
                      + r")(?![A-Za-z0-9_-])")
#: Click wraps a long line after a hyphen (key-projects): the word is whole again here.
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z]-)\n[ \t]*(?=[A-Za-z])")
_WORD = re.compile(r"[A-Za-z]{4,}")
_HAN = "\u4e00-\u9fff"
#: A word written against a Chinese character, with no space, is prose, whatever it is.
_GLUED = re.compile(f"(?<=[{_HAN}])[A-Za-z]{{4,}}|[A-Za-z]{{4,}}(?=[{_HAN}])")

#: English that reaches a Chinese screen from the code, not the catalogue: word -> where.
KNOWN_LEAKS: dict[str, str] = {}

_KNOWN_WORDS = set(KNOWN_LEAKS)


def offending_words(text: str) -> list[tuple[str, str]]:
    """(word, line) for each English word of four letters or more that a Chinese line should
    not hold."""
    text = _HYPHEN_BREAK.sub("", text)
    found = []
    for line in text.splitlines():
        if line.strip().startswith("crm "):  # an example command line
            continue
        rest = line
        for pattern in _STRIPPED:
            rest = pattern.sub(" ", rest)
        glued = _GLUED.findall(rest)  # even a command's name or a value, if it is prose
        found += [(word, line) for word in glued]
        rest = _LITERAL.sub(" ", _GLUED.sub(" ", rest))
        for word in _WORD.findall(rest):
            if word in COMMAND_NAMES or word.lower() in FORMATS | PROPER_NAMES:
                continue
            found.append((word, line))
    return found


def judge(text: str) -> None:
    """Fail on a new leak; an expected failure when only known leaks are left."""
    found = offending_words(text)
    new = [f"{word!r} in: {line}" for word, line in found if word not in _KNOWN_WORDS]
    assert not new, "English under --lang zh:\n" + "\n".join(new)
    if found:
        pytest.xfail("known leaks: " + "; ".join(sorted({f"{w} ({KNOWN_LEAKS[w]})"
                                                          for w, _ in found})))


# -- running crm in this process ---------------------------------------------------------


@pytest.fixture
def crm(tmp_path, monkeypatch, capsys):
    """crm(*args) -> (exit code, stdout, stderr), in this process, on an empty store."""
    for var in ("CRM_LANG", "CRM_NOW", "CRM_DEBUG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CRM_STORE", str(tmp_path / "events.sqlite"))
    monkeypatch.setenv("CRM_USER", "tester")
    _english_again(capsys)  # whatever ran in this process before

    def run(*args: str) -> tuple[int, str, str]:
        _fresh_help_options()
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    _english_again(capsys)


def _fresh_help_options() -> None:
    """Click makes each command's --help option once a process, its help ("Show this
    message and exit.") in the language of that moment; `crm` runs one command a process,
    so make them anew, as a new process would."""
    for _, command in _commands(cli.cli):
        command._help_option = None


def _english_again(capsys) -> None:
    """Put click's texts back in English (for the tests before and after). cli._speak restores the
    help texts, but not an option's metavar it set where the option had none (see
    test_english_help_comes_back_after_chinese): put those back here."""
    _fresh_help_options()
    cli.main(["--lang", "en", "--help"])
    capsys.readouterr()
    for _, command in _commands(cli.cli):
        for param in command.params:
            if cli._TRANSLATED.get(id(param), {}).get("metavar", "") is None:
                param.metavar = None


def _help(crm, lang: str, path: tuple[str, ...]) -> str:
    code, out, err = crm("--lang", lang, *path, "--help")
    assert code == 0 and not err, err
    return out


# -- (a) every command's help -------------------------------------------------------------


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "crm")
def test_help_speaks_chinese(crm, path):
    english = _help(crm, "en", path)
    chinese = _help(crm, "zh", path)
    assert chinese != english
    assert "Example:" not in chinese and ("示例：" in chinese) == ("Example:" in english)
    for line in english.splitlines():  # the examples stay runnable, as written
        if line.strip().startswith("crm "):
            assert line in chinese.splitlines()
    judge(chinese)


def test_english_help_comes_back_after_chinese(crm):
    english = _help(crm, "en", ("contact",))
    _help(crm, "zh", ("contact",))
    assert _help(crm, "en", ("contact",)) == english


def test_the_checker_sees_english():
    assert [w for w, _ in offending_words("记录 the project")] == ["project"]
    assert [w for w, _ in offending_words("再登记land")] == ["land"]
    assert offending_words("用 `crm zone show` 查看 --sector；json 或 Excel；CRM_STORE") == []
    assert offending_words("  crm visit 星河光伏 --kind outbound --with \"张三, 李四\"") == []


# -- (b) every error of the tool ----------------------------------------------------------

#: A value for each parameter an error names, as a person would see it filled in: Chinese,
#: digits, or what is typed as it stands (a setting's key, a field for --map).
SAMPLES = {
    "name": "星河光伏", "existing": "星河光电", "value": "2021-03-05", "today": "2021-03-01",
    "contact_date": date(2021, 1, 5), "signed_on": date(2021, 2, 1),
    "dropped_on": date(2021, 2, 10), "agreed_on": date(2021, 1, 20), "action": "land",
    "position": 3, "count": 5, "target": 2, "event": "ContactMade", "field": "计划投资",
    "allowed": "planned, investor, sector", "attempts": 3, "store": "园区.sqlite",
    "events": 12, "file": "招商项目台账.xlsx", "sheets": "一月、二月", "sheet": "三月",
    "option": "计划投资（万元）", "letter": "C", "first": "总投资", "last": 5,
    "currency": "美元", "cell": "D7", "encoding": "UTF-16", "suffix": ".ods", "key": "tiers",
    "known": "name, sectors, tiers", "expected": "a whole number", "on": True, "flag": "重点",
    "given": "协议投资", "missing": "签约日期", "what": "项目名称", "reason": "磁盘已满",
    "message": "参数有误", "sectors": "新材料、新能源", "as_of": date(2021, 1, 1),
    "suggestions": "星河光电",
}
#: For a parameter a new error names and SAMPLES does not know yet.
SOME_VALUE = "示例"
#: Errors whose parameters take another shape, or that are rendered more than one way.
VARIANTS = {
    "NotCorrectable": [{"field": "amount"}],
    "SharedCell": [{"first": 4}],
    "NotSigned": [{"action": "land"}, {"action": "capital"}, {"action": "aftercare"}],
    "FlagUnchanged": [{"on": True}, {"on": False}],
    "NonPositiveAmount": [{"value": "-5"}],
    "NonPositiveArea": [{"value": "0"}],
    "ProjectNotFound": [{"suggestions": ""}, {"suggestions": "星河光电"}],
    # the guards against slips: amounts in yuan, what is the amount's key
    "AmountTooSmall": [{"what": w, "value": Decimal(5000), "minimum": Decimal(1_000_000)}
                       for w in ("planned", "framework", "contracted")],
    "AmountTooLarge": [{"what": w, "value": Decimal(3_000_000_000), "base": Decimal(100_000_000),
                        "ratio": Decimal(10)} for w in ("framework", "contracted", "capital")],
    "CapitalBeyondContract": [{"total": Decimal(1_200_000_000),
                               "contracted": Decimal(1_000_000_000)}],
    "LandTooLarge": [{"value": Decimal(60000), "maximum": Decimal(5000)}],
    "SameVisit": [{"kind": k, "value": date(2021, 3, 5)} for k in VISIT_KINDS],
}


def _error_classes() -> list[type[CrmError]]:
    found = {}
    for module in (domain_errors, app_errors, text_errors, store_errors):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, CrmError) \
                    and name in messages.ERRORS:
                found[name] = value
    return [found[name] for name in sorted(found)]


def _params(error: type[CrmError]) -> list[str]:
    doc = inspect.getdoc(error) or ""
    match = re.search(r"params:\s*([^—\n]*)", doc)
    assert match, f"{error.__name__}: no 'params: …' in its docstring"
    listed = re.sub(r"\([^)]*\)", "", match.group(1))  # "suggestions (…; may be empty)"
    return [p.strip() for p in listed.split(",") if p.strip()]


def _samples(error: type[CrmError]) -> list[dict]:
    params = {p: SAMPLES.get(p, SOME_VALUE) for p in _params(error)}
    return [{**params, **variant} for variant in VARIANTS.get(error.__name__, [{}])]


ERROR_CASES = [(e, params) for e in _error_classes() for params in _samples(e)]


def test_every_error_of_the_tool_is_tested():
    assert {e.__name__ for e, _ in ERROR_CASES} == set(messages.ERRORS)


#: Kinds of error, never raised themselves, and the refused imports (said line by line,
#: then in a summary of the catalogue).
_NOT_SAID_THEMSELVES = {"CrmError", "RuleViolation", "InputError", "Slip", "ImportRefused",
                        "ImportProblems", "ImportConflicts"}
#: An error type with no words in messages.ERRORS would reach a person as
#: "ClassName: {params}": name -> why it has none (yet).
KNOWN_WITHOUT_WORDS = {
    "SectorNotInZone": "crm/domain/errors.py: defined but never raised; no entry in ERRORS",
}


def test_every_error_type_has_its_words():
    without = set()
    for module in (domain_errors, app_errors, text_errors, store_errors):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, CrmError) \
                    and value.__module__ == module.__name__ \
                    and name not in messages.ERRORS and name not in _NOT_SAID_THEMSELVES:
                without.add(name)
    assert without == set(KNOWN_WITHOUT_WORDS)


@pytest.mark.parametrize("error,params", ERROR_CASES,
                         ids=[f"{e.__name__}-{i}" for i, (e, _) in enumerate(ERROR_CASES)])
def test_errors_speak_chinese(error, params):
    e = error(**params)
    english, chinese = messages.error_message(e, "en"), messages.error_message(e, "zh")
    if error is not text_errors.UsageProblem:  # its message comes already in words
        assert english != chinese
    assert not chinese.startswith(error.__name__)
    assert "{" not in chinese and "\n" not in chinese
    judge(chinese)


# -- (c) click's own usage errors ---------------------------------------------------------

USAGE_ERRORS = [
    (("contact", "星河光伏", "--investor", "星河集团", "--planned", "2亿"), "缺少选项 '--sector'"),
    (("不存在",), "没有命令 '不存在'"),
    (("pipeline", "--format", "表格"), "'--format' 的值无效"),
    (("list", "--sektor", "新能源"), "没有选项 '--sektor'"),
    (("visit", "星河光伏", "--kind"), "选项 '--kind' 需要 1 个值"),
    (("show", "星河光伏", "多余"), "多余的参数（多余）"),
    (("--lang", "zh", "zone", "show", "--format", "xml"), "不是 'table', 'json', 'csv', 'markdown' 之一"),
    (("contact",), "缺少参数"),
]


@pytest.mark.parametrize("args,said", USAGE_ERRORS, ids=[a[0] for a, _ in USAGE_ERRORS])
def test_usage_errors_speak_chinese(crm, args, said):
    code, out, err = crm("--lang", "zh", *args)
    assert code == 2 and not out
    assert err.startswith("crm: ") and said in err, err
    judge(err)


# -- the list of known leaks stays true ----------------------------------------------------


def test_the_known_leaks_are_still_there(crm):
    seen = set()
    for path in COMMANDS:
        seen |= {w for w, _ in offending_words(_help(crm, "zh", path))}
    for error, params in ERROR_CASES:
        seen |= {w for w, _ in offending_words(messages.error_message(error(**params), "zh"))}
    for args in (("report", "quarter"), ("report", "quarter", "--year", "二〇二一"),
                 ("flag", "星河光伏", "重要"), ("import", "不存在.xlsx"), ("contact",)):
        seen |= {w for w, _ in offending_words(crm("--lang", "zh", *args)[2])}
    fixed = sorted(set(KNOWN_LEAKS) - seen)
    assert not fixed, f"no longer leaks (remove from KNOWN_LEAKS): {fixed}"
