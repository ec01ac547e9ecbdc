"""An exported log read back: the very same log (heads and all), or, for a damaged file,
every bad line named as FILE:LINE, exit 2, and nothing written."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm.app.errors import ImportProblems
from crm.app.log import ProjectLog
from crm.app.log_files import export_events, import_events

#: One project's life through every kind of event, and a second project to share a visit.
LIFE = [
    ("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿",
     "--date", "2021-01-04"),
    ("contact", "云栖数据", "--investor", "云栖", "--sector", "数字经济", "--planned", "1亿",
     "--date", "2021-01-05"),
    ("visit", "星河光伏", "云栖数据", "--kind", "pairing", "--date", "2021-01-10", "--with", "张伟"),
    ("agree", "星河光伏", "--amount", "1.8亿", "--date", "2021-02-01"),
    ("sign", "星河光伏", "--amount", "2.2亿", "--date", "2021-03-01"),
    ("land", "星河光伏", "--mu", "60.5", "--parcel", "A-7", "--price", "3000万", "--date",
     "2021-04-01"),
    ("capital", "星河光伏", "--amount", "8000万", "--date", "2021-05-01"),
    ("drop", "云栖数据", "--reason", "资金", "--date", "2021-05-02"),
    ("reopen", "云栖数据", "--date", "2021-05-03"),
    ("correct", "星河光伏", "4", "--amount", "2.5亿", "--reason", "补充协议"),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> list[dict]:
    import cli

    folder = tmp_path_factory.mktemp("life")
    store = folder / "events.sqlite"
    for args in LIFE:
        assert cli.main(["--store", str(store), "--user", "t", *args]) == 0, args
    app = ProjectLog(store=str(store))
    lines = [json.loads(line) for line in export_events(app)]
    app.close()
    return lines


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """One empty store for every refused file: a refused import writes nothing."""
    app = ProjectLog(store=str(tmp_path_factory.mktemp("empty") / "events.sqlite"))
    yield app
    assert app.recorder.max_notification_id() is None
    assert list(app.recorder.chain_rows()) == []
    app.close()


def write(folder: Path, lines: list) -> Path:
    path = folder / "events.jsonl"
    path.write_text("".join((line if isinstance(line, str) else
                             json.dumps(line, ensure_ascii=False)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def refused(app, path: Path) -> list[str]:
    with pytest.raises(ImportProblems) as caught:
        import_events(app, path)
    return caught.value.params["lines"]


def test_the_export_reimports_to_the_same_log(exported, tmp_path):
    app = ProjectLog(store=str(tmp_path / "copy.sqlite"))
    events, head = import_events(app, write(tmp_path, exported))
    assert events == len(exported) == 11
    last = exported[-1]["chain"]
    assert head == f"{exported[-1]['position']}:{last['link']}"
    again = [json.loads(line) for line in export_events(app)]
    assert again == exported
    app.close()


def test_fields_in_another_order_are_stored_as_the_same_events(exported, tmp_path):
    """A line is read by its keys, whatever their order (each shape of line is worked out
    once): every event is stored in the very same bytes, or its link would be refused."""
    app = ProjectLog(store=str(tmp_path / "copy.sqlite"))
    shuffled = [dict(reversed(line.items())) for line in exported]
    events, head = import_events(app, write(tmp_path, shuffled))
    assert (events, head) == (11, f"{exported[-1]['position']}:{exported[-1]['chain']['link']}")
    app.close()


BAD = {  # field kind -> values no line may carry
    "amount": ["1e400", "1e30", "0.001", "NaN", "Infinity", "-5", "0", 5, None, "十亿",
               "10000.01亿", "99999999999999999"],
    "area": ["1e400", "NaN", "-1", "0", "0.00001", 5, None],
    "text": ["\x1b]52;c;aGVsbG8=\x07", "a\x00b", 5, ["x"]],
    "name": ["\x1b[31m红\x1b[0m", "", "a\nb", 5, None, "x" * 101],
    "sector": ["化工", 5, None],
    "kind": ["party", None, 5],
    "date": ["2021-02-30", "tomorrow", "2999-01-01", "2020-01-01", 5, None],
    "projects": [["不存在"], [], "星河光伏", None],
    "target": [99, 0, "5", None],
    "flag": ["yes", 1, None],
    "id": ["nope", 5],
    "reason": ["", None, 5],
}
FIELD_KINDS = {"planned": "amount", "amount": "amount", "price": "amount", "mu": "area",
               "investor": "text", "note": "text", "participants": "text", "parcel": "text",
               "channel": "text", "name": "name", "sector": "sector", "kind": "kind",
               "occurred_on": "date", "projects": "projects", "target": "target",
               "relocation": "flag", "void": "flag", "visit_id": "id", "reason": "reason",
               "recorded_by": "name"}


def cases(lines: list[dict]) -> list[tuple[int, str, object]]:
    seen, out = set(), []
    for index, line in enumerate(lines):
        for field in line:
            kind = FIELD_KINDS.get(field)
            if kind is None or (line["event"], field) in seen:
                continue
            seen.add((line["event"], field))
            out += [(index, field, value) for value in BAD[kind]
                    if not (value is None and field in ("price", "note", "participants",
                                                        "parcel", "channel"))]
    return out


def test_each_field_of_each_event_with_each_bad_value_is_refused(exported, empty, tmp_path):
    checked = 0
    for index, field, value in cases(exported):
        lines = [dict(line) for line in exported]
        lines[index][field] = value
        problems = refused(empty, write(tmp_path, lines))
        assert problems and problems[0].startswith(f"events.jsonl:{index + 1}: "), \
            (lines[index]["event"], field, value, problems)
        checked += 1
    assert checked >= 120


@pytest.mark.parametrize("damage, line_number, words", [
    (lambda lines: lines.__setitem__(3, "{not json"), 4, "not JSON"),
    (lambda lines: lines[3].__setitem__("event", "Bribe"), 4, "'Bribe' is not an event"),
    (lambda lines: lines[3].__setitem__("version", 9), 4, "out of order"),
    (lambda lines: lines[3].__setitem__("recorded_at", "2021-01-01T00:00:00"), 4, "time zone"),
    (lambda lines: lines[3].__setitem__("bribe", 1), 4, "no field bribe"),
    (lambda lines: lines[3].pop("kind"), 4, "needs kind"),
    (lambda lines: lines[3]["chain"].__setitem__("link", "00" * 32), 4, "does not follow"),
    (lambda lines: lines.pop(2), 3, "lines were left out"),
    (lambda lines: lines[1].__setitem__("name", "星河光伏"), 2, "contacted twice"),
    # a value read once is remembered by its type too: 0 is not the false read above it
    (lambda lines: lines[1].__setitem__("relocation", 0), 2, "relocation 0 is true or false"),
])
def test_damaged_lines_are_named(exported, empty, tmp_path, damage, line_number, words):
    lines = [dict(line) | ({"chain": dict(line["chain"])} if "chain" in line else {})
             for line in exported]
    damage(lines)
    problems = refused(empty, write(tmp_path, lines))
    assert problems[0].startswith(f"events.jsonl:{line_number}: ") and words in problems[0], \
        problems


def test_every_bad_line_is_reported_not_only_the_first(exported, empty, tmp_path):
    lines = [dict(line) for line in exported]
    lines[3]["kind"] = "party"
    lines[5]["amount"] = "NaN"
    lines[6]["mu"] = "1e400"
    problems = refused(empty, write(tmp_path, lines))
    assert [p.split(":")[1] for p in problems] == ["4", "6", "7"]
