"""The README's console examples, run as written: each ```console block in a fresh folder,
its `$` lines through one bash session, their output compared with the README's.

Volatile parts are masked on both sides: record times (the README's tour records "now"),
days counted up to today, and log heads (the README may shorten a hash with "…"). A block
after `<!-- setup: SCENARIO -->` starts from that scenario's log; one after
`<!-- not run: REASON -->` is shown but not run (a team server's URL, say)."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, scenario_lines

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = str(Path(sys.executable).parent)
MARK = "@@@ next command @@@"
_BLOCK = re.compile(r"(?:<!-- (setup|not run): ?(.*?) -->\n)?```console\n(.*?)```", re.S)
_MASKS = [
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\b"), "<record time>"),
    (re.compile(r"(?<![0-9])(\d+):[0-9a-f]{8}(?:[0-9a-f]{56}|…)"), r"\1:<hash>"),
    (re.compile(r"(days in stage|本阶段天数)( +)\d+"), r"\1\2<days>"),
]


def blocks() -> list[tuple[str, str, str]]:
    """(what precedes it, its argument, the block's text) of each console block."""
    return [(kind or "", arg or "", text) for kind, arg, text
            in _BLOCK.findall(README.read_text(encoding="utf-8"))]


def steps(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of a block."""
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
    return [(command, "\n".join(out)) for command, out in found]


def masked(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def run_block(text: str, folder: Path, setup: str) -> list[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CRM_") and k not in ("LANG", "LC_ALL", "TZ")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", HOME=str(folder), LANG="C.UTF-8",
               TZ="UTC", CRM_USER="王芳")
    if setup:  # one process for the whole scenario: the block's own commands are what is tested
        code = ("import json, sys, cli\n"
                "for args in json.loads(sys.argv[1]):\n"
                "    assert cli.main(args) == 0, args\n")
        subprocess.run([sys.executable, "-c", code, json.dumps(scenario_lines(setup))],
                       cwd=folder, env=env, check=True, capture_output=True)
    script = ["exec 2>&1"]
    for command, _ in steps(text):
        script += [command, f"echo {shlex.quote(MARK)}"]
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    return done.stdout.split(MARK + "\n")[:-1]


CASES = [(i, kind, arg, text) for i, (kind, arg, text) in enumerate(blocks())]


@pytest.mark.parametrize("index, kind, arg, text", CASES, ids=[f"block{c[0]}" for c in CASES])
def test_the_readme_example_prints_what_the_readme_says(index, kind, arg, text, tmp_path):
    if kind == "not run":
        pytest.skip(arg)
    if kind == "setup":
        assert (DATA / arg).exists(), arg
    outputs = run_block(text, tmp_path, arg if kind == "setup" else "")
    expected = steps(text)
    assert len(outputs) == len(expected), outputs
    for (command, want), got in zip(expected, outputs):
        assert masked(got) == masked(want), f"$ {command}"


def test_the_readme_has_runnable_examples():
    runnable = [c for c in CASES if c[1] != "not run"]
    assert len(runnable) >= 4 and sum(len(steps(c[3])) for c in runnable) >= 20
