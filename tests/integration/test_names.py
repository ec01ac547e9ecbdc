"""Unique names, enforced by the store: the same name from two writers at once."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest

from crm.app.log import ProjectLog
from crm.domain import errors
from crm.domain.naming import slot_id
from tests.conftest import CRM

#: A racer loads everything it needs, says so, and waits for the start signal: a line on
#: its standard input. Racers released together race, however slowly the machine starts them.
RACER = """
import sys
import cli, crm.app.log, crm.text.inputs
print("ready", flush=True)
sys.stdin.readline()
sys.exit(cli.main(sys.argv[1:]))
"""


def contact(app: ProjectLog, name: str):
    return app.contact(name=name, investor="I", sector="新能源", planned=Decimal(10**8))


def test_names_are_the_same_after_width_and_case_folding(app: ProjectLog):
    contact(app, "ＫＡ游")
    with pytest.raises(errors.DuplicateName):
        contact(app, "ka游")
    assert app.get_project("Ka游").name == "ＫＡ游"


def test_the_store_refuses_a_name_taken_between_check_and_save(store, monkeypatch):
    """The check is a courtesy; the primary key on (project id, version 1) is the rule."""
    first = ProjectLog(store=str(store), user="a")
    second = ProjectLog(store=str(store), user="b")
    monkeypatch.setattr(second, "_refuse_taken_name", lambda name: None)
    contact(first, "星河光伏")
    monkeypatch.undo()
    original = second._refuse_taken_name
    calls = []

    def check_late(name):
        calls.append(name)
        if len(calls) > 1:
            original(name)

    monkeypatch.setattr(second, "_refuse_taken_name", check_late)
    # as if it had looked for the name's free slot before the first one saved
    monkeypatch.setattr(second, "free_slot", lambda name: slot_id(name, 1))
    with pytest.raises(errors.DuplicateName):
        contact(second, "星河光伏")
    assert len(list(first.events.get(first.get_project("星河光伏").id))) == 1


def test_two_processes_registering_one_name_at_once(store):
    """Real processes, released at the same instant: exactly one wins each name."""
    env = {**os.environ, "CRM_STORE": str(store), "CRM_USER": "racer"}
    subprocess.run([CRM, "contact", "warmup", "--investor", "I", "--sector", "其他",
                    "--planned", "1亿"], env=env, check=True, capture_output=True)
    rounds = []
    for round_ in range(4):
        name = f"项目{round_}" if round_ % 2 else f"ＰＲＯＪ{round_}"
        spelled = [name, name.lower() if round_ % 2 == 0 else name]
        rounds.append([subprocess.Popen(
            [sys.executable, "-c", RACER, "contact", n, "--investor", "I", "--sector", "其他",
             "--planned", "1亿"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True) for n in spelled])
    for racers in rounds:
        for p in racers:
            assert p.stdout.readline().strip() == "ready"
    for racers in rounds:  # each pair released at once
        for p in racers:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in racers:
            p.stdin.close()
    for racers in rounds:
        results = [(p.wait(timeout=120), p.stderr.read()) for p in racers]
        codes = sorted(code for code, _ in results)
        assert codes == [0, 1], results
        loser = next(err for code, err in results if code == 1)
        assert "already exists" in loser and len(loser.strip().splitlines()) == 1
    app = ProjectLog(store=str(store))
    assert len(list(app.project_ids())) == 5
    app.close()
