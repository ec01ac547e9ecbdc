"""Imports and copies are all or nothing: killed (SIGKILL) or interrupted (SIGINT, Ctrl-C)
at random moments of a 200,000-event log import, a 50,000-row ledger import and a copy, on
both stores, the log is after each exactly as before, or exactly the whole import; running
it again finishes the job; `verify` passes. A full disk leaves the log as before too.

How many signals each case sends: `CRM_KILLS` (default 4, which `.ci/run` uses to stay
within its time; `CRM_KILLS=50` is the full run, about an hour on a 2-core machine)."""
from __future__ import annotations

import contextlib
import csv
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from crm.app.log import ProjectLog
from tests.conftest import PG_URL, fresh_database

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("CRM_KILLS", "4"))

#: `crm`, saying when its modules are loaded: the signal then lands in the work.
#: The command, started and ready, at one fixed business moment: every run records the
#: same events. (Set in the process, as a test may: a team's store refuses CRM_NOW.)
READY_CRM = r"""
import sys
from datetime import datetime, timezone
import cli, crm.app.log, crm.app.imports, crm.app.log_files, crm.app.copying, crm.text.ledgers
from crm.app import clock
_FIXED = datetime.fromisoformat("2026-06-30T12:00:00+08:00").astimezone(timezone.utc)
clock.now = lambda: _FIXED
print("ready", flush=True)
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.fixture(scope="session")
def big_zone(tmp_path_factory) -> tuple[Path, Path]:
    """A synthetic zone's log of 200,000 events, and its export as JSON lines."""
    from crm.app.log_files import export_events
    from crm.app.synthetic import generate

    folder = tmp_path_factory.mktemp("big")
    store, exported = folder / "zone.sqlite", folder / "zone.jsonl"
    app = ProjectLog(store=str(store), user="generator")
    generate(app, 200_000, seed=11)
    with exported.open("w", encoding="utf-8") as f:
        for line in export_events(app):
            f.write(line + "\n")
    app.close()
    return store, exported


@pytest.fixture(scope="session")
def ledger(tmp_path_factory) -> Path:
    """A full ledger of 50,000 projects, each from contact to capital."""
    path = tmp_path_factory.mktemp("ledger") / "台账.csv"
    rng = random.Random(5)
    start = date(2016, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["项目名称", "投资方", "产业", "计划投资(万元)", "接洽日期", "协议投资(万元)",
                      "签约日期", "供地面积(亩)", "供地日期", "到位资金(万元)", "到位日期"])
        for n in range(50_000):
            contact = start + timedelta(days=rng.randrange(3000))
            signed = contact + timedelta(days=rng.randint(20, 300))
            land = signed + timedelta(days=rng.randint(10, 150))
            capital = land + timedelta(days=rng.randint(10, 150))
            planned = rng.randint(1_000, 500_000)
            out.writerow([f"项目{n:05d}", f"投资方{n:05d}", "新材料", planned, contact,
                          planned, signed, rng.randint(10, 3000) / 10, land,
                          int(planned * 0.4), capital])
    return path


@contextlib.contextmanager
def target_store(backend: str, folder: Path):
    if backend == "sqlite":
        yield str(folder / f"target-{time.monotonic_ns()}.sqlite")
        return
    with fresh_database() as url:
        yield url


def state(store: str) -> tuple[int, str]:
    """How many events the store holds, and a digest of every one as stored (its chain's
    record times aside: a team's server stamps each run at its own clock)."""
    import hashlib

    app = ProjectLog(store=store)
    try:
        digest = hashlib.sha256()
        count = 0
        for row in app.recorder.stored_rows():
            digest.update(repr((row.id_text, row.version, row.topic, row.state)).encode())
            count += 1
        return count, digest.hexdigest()
    finally:
        app.close()


def verified(store: str) -> bool:
    from crm.app.audit import verify_log

    app = ProjectLog(store=store)
    try:
        return verify_log(app).intact
    finally:
        app.close()


def run_crm(argv: list[str], store: str, kill_after: float | None = None,
            sig: int = signal.SIGKILL) -> tuple[int, str]:
    env = {**os.environ, "CRM_USER": "importer", "CRM_STORE": store}
    env.pop("CRM_NOW", None)
    proc = subprocess.Popen([sys.executable, "-c", READY_CRM, *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(sig)
    proc.wait(timeout=900)
    return proc.returncode, proc.stderr.read()


def kill_at_random(backend: str, folder: Path, command) -> None:
    """Run the command once whole (its time and the head it gives), then KILLS times with a
    signal at a random moment of it: each time the target holds nothing, or the whole.
    `command(target)` is the command's (arguments, store) for a target store."""
    rng = random.Random(KILLS)
    with target_store(backend, folder) as target:
        started = time.monotonic()
        code, err = run_crm(*command(target))
        whole = time.monotonic() - started
        assert code == 0, err
        full = state(target)
        assert full[0] > 0 and verified(target)
    outcomes = {"nothing": 0, "whole": 0}
    for n in range(KILLS):
        sig = signal.SIGKILL if n % 2 == 0 else signal.SIGINT
        with target_store(backend, folder) as target:
            code, err = run_crm(*command(target), kill_after=rng.uniform(0.0, whole * 1.1),
                                sig=sig)
            found = state(target)
            if found[0] == 0:
                outcomes["nothing"] += 1
                if sig == signal.SIGINT and code != 0:
                    assert err.strip().splitlines()[-1:] == ["crm: interrupted"], err
                if n < 3:  # running it again finishes the job
                    assert run_crm(*command(target))[0] == 0
                    assert state(target) == full
            else:
                outcomes["whole"] += 1
                assert found == full and verified(target), (sig, found, full)
    assert outcomes["nothing"] >= KILLS // 4, outcomes  # most signals landed in the work


def needs(backend: str) -> None:
    if backend == "postgres" and not PG_URL:
        pytest.skip("CRM_TEST_POSTGRES_URL is not set")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_log_import_killed_at_random_moments(backend, big_zone, tmp_path):
    needs(backend)
    kill_at_random(backend, tmp_path, lambda target: (["import", str(big_zone[1])], target))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_ledger_import_killed_at_random_moments(backend, ledger, tmp_path):
    needs(backend)
    kill_at_random(backend, tmp_path, lambda target: (["import", str(ledger)], target))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_copy_killed_at_random_moments(backend, big_zone, tmp_path):
    needs(backend)
    source = str(big_zone[0])
    kill_at_random(backend, tmp_path, lambda target: (["copy", "--to", target], source))


def _mount_of(pid: int) -> Path:
    """Where the test run by process `pid` mounts its small disk."""
    return Path(f"/tmp/crm-tiny-{pid}")


@contextlib.contextmanager
def tiny_filesystem(folder: Path, size: str):
    """A small tmpfs (needs root), unmounted after; where the database server may reach it."""
    mount = _mount_of(os.getpid())
    mount.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (it needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        mount.rmdir()


@contextlib.contextmanager
def store_on(backend: str, mount: Path):
    """A store whose data live on `mount`: an SQLite file, or a PostgreSQL database in a
    tablespace there."""
    if backend == "sqlite":
        yield str(mount / "events.sqlite")
        return
    import psycopg

    os.chown(mount, *_postgres_ids())
    name = f"crm_tiny_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        _drop_leftovers(admin)
        admin.execute(f"CREATE TABLESPACE {name} LOCATION '{mount}'")
        # FILE_COPY writes every block of the new database to the small disk now. The
        # default (WAL_LOG) leaves most of them only in the server's shared memory: once
        # the disk is full they can never be written, and every backend of the server that
        # needs their buffers fails, other tests' included, until the server restarts.
        admin.execute(f"CREATE DATABASE {name} TABLESPACE {name} STRATEGY FILE_COPY")
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        # Room again before the drop, so whatever the server still holds for this disk
        # can be written, whatever the test left behind.
        subprocess.run(["mount", "-o", "remount,size=256m", str(mount)], capture_output=True)
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP TABLESPACE IF EXISTS {name}")


def _drop_leftovers(admin) -> None:
    """The database and tablespace of a run killed before its clean-up (its process is
    gone): dropped, which also frees the server of pages it could no longer write."""
    found = admin.execute("SELECT spcname FROM pg_tablespace WHERE spcname LIKE 'crm_tiny_%' "
                          "UNION SELECT datname FROM pg_database WHERE datname LIKE 'crm_tiny_%'")
    for (left,) in found.fetchall():
        pid = left.rsplit("_", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            admin.execute(f"DROP DATABASE IF EXISTS {left} WITH (FORCE)")
            admin.execute(f"DROP TABLESPACE IF EXISTS {left}")
            subprocess.run(["umount", "-l", str(_mount_of(int(pid)))], capture_output=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_full_disk_leaves_the_log_as_before(backend, ledger, tmp_path):
    needs(backend)
    with tiny_filesystem(tmp_path, "24m") as mount, store_on(backend, mount) as store:
        assert run_crm(["contact", "先来", "--investor", "I", "--sector", "其他", "--planned",
                        "1亿", "--date", "2021-01-04"], store)[0] == 0
        before = state(store)
        code, err = run_crm(["import", str(ledger)], store)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "disk" in err or "space" in err, err
        assert state(store) == before and verified(store)
        if backend == "postgres":
            checkpoint()


def checkpoint() -> None:
    """The shared server is left healthy by a full disk: a checkpoint, which writes every
    page the server holds, succeeds while the small disk is still full (else it raises)."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("CHECKPOINT")
