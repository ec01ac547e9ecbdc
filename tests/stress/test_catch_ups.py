"""Read models caught up by processes killed half-way, or by several at once: nothing lost,
nothing applied twice."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CRM, is_postgres
from tests.integration.helpers import dump, rebuilt

pytestmark = pytest.mark.slow


def _position(store: Path | str) -> int:
    """The read models' tracked position, read without waiting for a writer's lock."""
    from sqlalchemy import create_engine, text

    from crm.store.config import sqlalchemy_url
    from projections.projector import open_engine

    engine = open_engine(sqlalchemy_url(str(store))) if is_postgres(store) else create_engine(
        f"sqlite:///{store}", connect_args={"timeout": 30})
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT position FROM rm_tracking "
                                    "WHERE name = 'pipeline'")).first()
            return row[0] if row else 0
    except Exception:  # noqa: BLE001 - the tables may not exist yet
        return 0
    finally:
        engine.dispose()


def test_a_catch_up_killed_half_way_resumes_with_nothing_lost_or_doubled(zone):
    store = zone(20_000)
    expected = rebuilt(zone(20_000))
    head = dict(expected["rm_tracking"])["pipeline"]
    env = {**os.environ, "CRM_STORE": str(store)}
    killed_at = None
    for _ in range(5):  # until the kill lands between two pages
        proc = subprocess.Popen([CRM, "list", "--format", "csv"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            position = _position(store)
            if 0 < position < head:
                proc.send_signal(signal.SIGKILL)
                killed_at = position
                break
            time.sleep(0.005)
        proc.wait()
        if killed_at:
            break
    assert killed_at, "the catch-up finished before it could be killed"
    assert 0 < _position(store) < head
    subprocess.run([CRM, "list", "--format", "csv"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    assert dump(store) == expected


def test_two_processes_catching_up_at_once_give_the_same_tables_as_one(zone):
    store = zone(10_000)
    expected = rebuilt(zone(10_000))
    env = {**os.environ, "CRM_STORE": str(store)}
    procs = [subprocess.Popen([CRM, "list", "--format", "csv"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    assert dump(store) == expected


