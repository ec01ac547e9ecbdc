"""The shared store: plain errors for a server that cannot be used, passwords never shown,
and moving a log between stores with `crm copy`."""
from __future__ import annotations

import pytest

from tests.conftest import PG_URL, InProcess, fresh_database

needs_postgres = pytest.mark.skipif(not PG_URL, reason="CRM_TEST_POSTGRES_URL is not set")


def host() -> str:
    return PG_URL.split("@", 1)[1].split("/", 1)[0]


@needs_postgres
@pytest.mark.parametrize("url, piece", [
    ("postgresql://postgres:s3cret@127.0.0.1:1/test", "cannot reach PostgreSQL at 127.0.0.1:1"),
    ("postgresql://postgres:s3cret@{host}/crm_no_such_database", "does not exist"),
    ("postgresql://crm_no_such_role:s3cret@{host}/test", "no role 'crm_no_such_role'"),
    ("postgresql://postgres:s3cret@no-such-host.invalid/test", "cannot reach PostgreSQL"),
])
def test_a_store_that_cannot_be_used_is_one_plain_line(tmp_path, url, piece, crm_at):
    crm = crm_at(url.format(host=host()))
    for command in (["list"], ["contact", "X", "--investor", "I", "--sector", "其他",
                               "--planned", "1亿"], ["verify"]):
        r = crm.fails(*command)
        assert r.code == 2, r.err
        line = r.err.strip()
        assert len(line.splitlines()) == 1 and "Traceback" not in line
        assert piece in line and "s3cret" not in line and ":***@" in line


@pytest.fixture
def run(tmp_path, monkeypatch, capsys) -> InProcess:
    """`crm` in this process; each test names its stores with --store."""
    return InProcess(tmp_path / "unused.sqlite", monkeypatch, capsys)


@needs_postgres
def test_a_log_moves_to_postgresql_and_back_unchanged(tmp_path, run):
    from tests.conftest import scenario_lines

    sqlite_store = tmp_path / "events.sqlite"
    for args in scenario_lines():
        run("--store", str(sqlite_store), *args)
    head = run("--store", str(sqlite_store), "verify", "--head").out.strip()
    report = run("--store", str(sqlite_store), "report", "quarter", "2019Q4",
                 "--format", "json").out
    history = run("--store", str(sqlite_store), "history", "华锂新材", "--format", "json").out
    with fresh_database() as url:
        out = run("--store", str(sqlite_store), "copy", "--to", url).out
        assert out.startswith("copied 38 events") and "the same as the original's" in out
        assert run("--store", url, "verify", "--extends", head).code == 0
        assert run("--store", url, "report", "quarter", "2019Q4", "--format", "json").out == report
        assert run("--store", url, "history", "华锂新材", "--format", "json").out == history
        refused = run("--store", str(sqlite_store), "copy", "--to", url, check=False)
        assert refused.code == 1 and "already holds 38 events" in refused.err
        back = tmp_path / "back.sqlite"
        run("--store", url, "copy", "--to", str(back))
        assert run("--store", str(back), "verify", "--head").out.strip() == head


@needs_postgres
def test_init_creates_a_shared_database(run):
    with fresh_database() as url:
        out = run("--store", url, "init").out
        assert out.strip() == f"{url}: ready, 0 events"
        assert run("--store", url, "list", "--format", "json").json() == []
