"""Shared fixtures: a real SQLite store in a temporary folder, and `crm` run as a user runs it."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
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
        """A digest of every stored event and chain link: equal digests, unchanged store."""
        if not self.store.exists():
            return "absent"
        con = sqlite3.connect(self.store)
        try:
            h = hashlib.sha256()
            for table in ("stored_events", "event_chain"):
                try:
                    rows = con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                except sqlite3.OperationalError:
                    continue
                h.update(repr(rows).encode())
            return h.hexdigest()
        finally:
            con.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def crm(store: Path) -> Crm:
    return Crm(store)


@pytest.fixture
def app(store: Path):
    from crm.application import ProjectLog

    log = ProjectLog(store=str(store), user="tester")
    yield log
    log.close()
