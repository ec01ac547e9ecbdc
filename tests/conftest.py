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
    from crm.app.log import ProjectLog

    app = ProjectLog(store=str(store))
    try:
        h = hashlib.sha256()
        h.update(repr(list(app.recorder.stored_rows())).encode())
        h.update(repr(list(app.recorder.chain_rows())).encode())
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
def process(store: Path | str) -> Crm:
    """`crm` as a separate process: for the few tests of what only a process shows."""
    return Crm(store)


@pytest.fixture
def app(store: Path):
    from crm.app.log import ProjectLog

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

    def __init__(self, store: Path | str, monkeypatch, capsys):
        self.store, self.monkeypatch, self.capsys = store, monkeypatch, capsys
        monkeypatch.delenv("CRM_STORE", raising=False)
        monkeypatch.setenv("CRM_USER", "tester")
        monkeypatch.setenv("CRM_LANG", "en")
        monkeypatch.delenv("CRM_NOW", raising=False)

    def __call__(self, *args: str, now: str | None = None, user: str | None = None,
                 check: bool = True) -> Result:
        import cli

        if now and is_postgres(self.store):
            # A team's store refuses CRM_NOW (its server stamps record times): the business
            # clock of this one command is set in this process instead, as a test may.
            self.monkeypatch.setattr("crm.app.clock.now", _fixed_clock(now))
        elif now:
            self.monkeypatch.setenv("CRM_NOW", now)
        if user:
            self.monkeypatch.setenv("CRM_USER", user)
        self.capsys.readouterr()
        try:
            code = cli.main(["--store", str(self.store), *args] if args else [])
        finally:
            if user:
                self.monkeypatch.setenv("CRM_USER", "tester")
            if now:  # this command's moment only
                self.monkeypatch.delenv("CRM_NOW", raising=False)
                self.monkeypatch.setattr("crm.app.clock.now", _REAL_NOW)
        out, err = self.capsys.readouterr()
        if check and code != 0:
            raise AssertionError(f"crm {' '.join(args)} -> {code}: {err}")
        return Result(code, out, err)

    def fails(self, *args: str, **kw) -> Result:
        return self(*args, check=False, **kw)

    def log_digest(self) -> str:
        return log_digest(self.store)


def _real_now():
    from crm.app import clock

    return clock.now


_REAL_NOW = _real_now()


def _fixed_clock(text: str):
    from datetime import datetime, timezone

    moment = datetime.fromisoformat(text)
    moment = (moment if moment.tzinfo else moment.astimezone()).astimezone(timezone.utc)
    return lambda: moment


@pytest.fixture
def run(store: Path, monkeypatch, capsys) -> InProcess:
    return InProcess(store, monkeypatch, capsys)


@pytest.fixture
def crm_at(monkeypatch, capsys):
    """crm_at(store) -> `crm` in this process against another store."""
    return lambda store: InProcess(store, monkeypatch, capsys)


@pytest.fixture
def crm(run: InProcess) -> InProcess:
    """`crm` run in this process: the commands' contract, at the speed of a function call."""
    return run


class Scenarios:
    """Each scenario's log made once a session and store kind, handed out as copies: a
    copied SQLite file, or a PostgreSQL database made from a template database."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: dict[tuple[str, str], Path | str] = {}

    def source(self, name: str, backend: str) -> Path | str:
        key = (name, backend)
        if key not in self.made:
            if backend == "sqlite":
                store: Path | str = self.folder / f"{name}.sqlite"
            else:
                import psycopg

                template = f"crm_scenario_{os.getpid()}_{len(self.made)}"
                with psycopg.connect(PG_URL, autocommit=True) as admin:
                    admin.execute(f"CREATE DATABASE {template}")
                store = PG_URL.rsplit("/", 1)[0] + "/" + template
            import cli

            saved = {k: os.environ.pop(k) for k in ("CRM_NOW", "CRM_LANG") if k in os.environ}
            try:
                for args in scenario_lines(name):
                    assert cli.main(["--store", str(store), "--user", "tester", *args]) == 0, args
            finally:
                os.environ.update(saved)
            self.made[key] = store
        return self.made[key]

    def close(self) -> None:
        templates = [s for (_, b), s in self.made.items() if b == "postgres"]
        if templates:
            import psycopg

            with psycopg.connect(PG_URL, autocommit=True) as admin:
                for url in templates:
                    admin.execute(f"DROP DATABASE IF EXISTS {str(url).rsplit('/', 1)[1]} "
                                  "WITH (FORCE)")


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory):
    made = Scenarios(tmp_path_factory.mktemp("scenarios"))
    yield made
    made.close()


@pytest.fixture
def scenario(backend, tmp_path, scenarios, monkeypatch, capsys):
    """scenario(name) -> `crm` in this process on a fresh copy of that scenario's log."""
    import shutil

    with contextlib.ExitStack() as stack:
        def copy(name: str) -> InProcess:
            source = scenarios.source(name, backend)
            if backend == "sqlite":
                target: Path | str = tmp_path / f"{name}.sqlite"
                shutil.copy(source, target)
            else:
                target = stack.enter_context(fresh_database(str(source).rsplit("/", 1)[1]))
            return InProcess(target, monkeypatch, capsys)

        yield copy


@pytest.fixture
def zone2019(scenario) -> InProcess:
    """The worked example's small zone, 2018-2019, logged command by command."""
    return scenario("zone-2019.sh")


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
        # Another test process may be installing them too: wait for its lock, not fail.
        subprocess.run(["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=600",
                        "chromium", "fonts-wqy-microhei"],
                       env=env, capture_output=True, timeout=900)
        if shutil.which("chromium"):
            return shutil.which("chromium")
    pytest.skip("no Chromium here and no way to install it (needs root and apt-get)")
