"""Shared fixtures: a real store — an SQLite file in a temporary folder, and a fresh database
on the PostgreSQL server named by CRM_TEST_POSTGRES_URL — and `crm` run as a user runs it.

Every test that takes `store` (or a fixture built on it) runs on both."""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CRM = str(Path(sys.executable).with_name("crm"))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class Crm:
    """Runs the installed `crm` console script against one store, as a subprocess."""

    def __init__(self, store: Path, env: dict[str, str] | None = None):
        self.store = store
        self.env = {**os.environ, "CRM_STORE": str(store), "CRM_USER": "tester",
                    "CRM_LANG": "en", **(env or {})}
        self.env.pop("CRM_NOW", None)
        if env and "CRM_NOW" in env:
            self.env["CRM_NOW"] = env["CRM_NOW"]

    def __call__(self, *args: str, now: str | None = None, user: str | None = None,
                 check: bool = True) -> Result:
        env = dict(self.env)
        if now:
            env["CRM_NOW"] = now
        if user:
            env["CRM_USER"] = user
        p = subprocess.run([CRM, *args], env=env, capture_output=True, text=True, timeout=120)
        result = Result(p.returncode, p.stdout, p.stderr)
        if check and p.returncode != 0:
            raise AssertionError(f"crm {' '.join(args)} -> {p.returncode}: {p.stderr}")
        return result

    def fails(self, *args: str, **kw) -> Result:
        return self(*args, check=False, **kw)

    def log_digest(self) -> str:
        return log_digest(self.store)


def log_digest(store: Path | str) -> str:
    """A digest of every stored event and chain link: equal digests, unchanged log."""
    if isinstance(store, Path) and not store.exists():
        return "absent"
    from crm.application import ProjectLog

    app = ProjectLog(store=str(store))
    try:
        h = hashlib.sha256()
        h.update(repr(app.recorder.read_events(0, 10**9)).encode())
        h.update(repr(app.recorder.read_links(0, 10**9)).encode())
        return h.hexdigest()
    finally:
        app.close()


PG_URL = os.environ.get("CRM_TEST_POSTGRES_URL")
_databases = itertools.count()


def is_postgres(store: Path | str) -> bool:
    return str(store).startswith("postgresql://")


@contextlib.contextmanager
def fresh_database(template: str | None = None) -> Iterator[str]:
    """A new, empty database on the test server (or a copy of `template`), dropped after."""
    import psycopg

    name = f"crm_test_{os.getpid()}_{next(_databases)}"
    admin = psycopg.connect(PG_URL, autocommit=True)
    try:
        suffix = f" TEMPLATE {template}" if template else ""
        admin.execute(f"CREATE DATABASE {name}{suffix}")
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request) -> str:
    if request.param == "postgres" and not PG_URL:
        pytest.skip("CRM_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    return request.param


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Path | str]:
    if backend == "sqlite":
        yield tmp_path / "events.sqlite"
        return
    with fresh_database() as url:
        yield url


@pytest.fixture
def crm(store: Path | str) -> Crm:
    return Crm(store)


@pytest.fixture
def app(store: Path):
    from crm.application import ProjectLog

    log = ProjectLog(store=str(store), user="tester")
    yield log
    log.close()


DATA = Path(__file__).parent / "data"


def scenario_lines(name: str = "zone-2019.sh") -> list[list[str]]:
    """The crm command lines of a scenario file, without the leading `crm`."""
    import shlex

    lines = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(shlex.split(line)[1:])
    return lines


class InProcess:
    """Runs `crm` in this process (much faster than a subprocess) against one store."""

    def __init__(self, store: Path, monkeypatch, capsys):
        self.store, self.monkeypatch, self.capsys = store, monkeypatch, capsys
        monkeypatch.setenv("CRM_STORE", str(store))
        monkeypatch.setenv("CRM_USER", "tester")
        monkeypatch.setenv("CRM_LANG", "en")
        monkeypatch.delenv("CRM_NOW", raising=False)

    def __call__(self, *args: str, now: str | None = None, check: bool = True) -> Result:
        import cli

        if now:
            self.monkeypatch.setenv("CRM_NOW", now)
        self.capsys.readouterr()
        code = cli.main(list(args))
        out, err = self.capsys.readouterr()
        if check and code != 0:
            raise AssertionError(f"crm {' '.join(args)} -> {code}: {err}")
        return Result(code, out, err)


@pytest.fixture
def run(store: Path, monkeypatch, capsys) -> InProcess:
    return InProcess(store, monkeypatch, capsys)


@pytest.fixture
def zone2019(run: InProcess) -> InProcess:
    """The worked example's small zone, 2018-2019, logged command by command."""
    for args in scenario_lines():
        run(*args)
    return run


@pytest.fixture(scope="session")
def chromium() -> str:
    """A headless Chromium for rendering checks: found on the PATH, or installed from the
    distribution's packages by the test setup itself when it can (as root with apt-get)."""
    import shutil
    import subprocess

    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium", "fonts-wqy-microhei"],
                       env=env, capture_output=True, timeout=900)
        if shutil.which("chromium"):
            return shutil.which("chromium")
    pytest.skip("no Chromium here and no way to install it (needs root and apt-get)")
