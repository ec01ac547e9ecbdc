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


@needs_postgres
def test_heads_printed_on_a_log_with_gaps_verify_on_every_faithful_copy(tmp_path, run):
    """PostgreSQL positions have gaps (a writer that loses a race still takes a number):
    chain positions do not, so every head printed verifies on a copy, an export re-imported
    and a copy of the copy."""
    import psycopg

    heads = []
    with fresh_database() as url, fresh_database() as copy_url:
        run("--store", url, "contact", "A", "--investor", "I", "--sector", "其他",
            "--planned", "1亿", "--date", "2021-01-04")
        for i in range(6):
            with psycopg.connect(url, autocommit=True) as con:  # numbers taken, never used
                con.execute("SELECT nextval(pg_get_serial_sequence('crm_events', "
                            "'notification_id')) FROM generate_series(1, %s)", (i + 1,))
            run("--store", url, "visit", "A", "--kind", "outbound", "--date", f"2021-02-0{i + 1}")
            heads.append(run("--store", url, "verify", "--head").out.strip())
        with psycopg.connect(url) as con:
            positions = [r[0] for r in con.execute(
                "SELECT notification_id FROM crm_events ORDER BY 1").fetchall()]
        assert positions[-1] > len(positions)  # there are gaps
        assert [int(h.split(":")[0]) for h in heads] == list(range(2, 8))  # the chain has none
        exported = tmp_path / "events.jsonl"
        run("--store", url, "export", "--out", str(exported))
        copies = {"sqlite copy": str(tmp_path / "copy.sqlite"), "postgres copy": copy_url,
                  "re-import": str(tmp_path / "reimported.sqlite")}
        run("--store", url, "copy", "--to", copies["sqlite copy"])
        run("--store", copies["sqlite copy"], "copy", "--to", copy_url)
        run("--store", copies["re-import"], "import", str(exported))
        for label, store in copies.items():
            for head in heads:
                r = run("--store", store, "verify", "--extends", head, check=False)
                assert r.code == 0, (label, head, r.err)


@needs_postgres
def test_a_write_waits_for_the_logs_lock_no_longer_than_crm_lock_timeout(run, monkeypatch):
    """The wait's limit is set in the same statement that asks for the log's lock: a write
    behind a writer that holds it gives up after CRM_LOCK_TIMEOUT seconds, in one line, and
    writes nothing."""
    import threading

    import psycopg

    from crm.store.postgres import APPEND_LOCK

    with fresh_database() as url:
        run("--store", url, "contact", "甲", "--investor", "甲", "--sector", "其他",
            "--planned", "1亿", "--date", "2021-01-04")
        monkeypatch.setenv("CRM_LOCK_TIMEOUT", "1")
        held, done = threading.Event(), threading.Event()

        def hold() -> None:  # until the write has given up, or for 20 s at the most
            with psycopg.connect(url) as holder:
                holder.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
                held.set()
                done.wait(20)
                holder.rollback()

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert held.wait(20)
            r = run("--store", url, "visit", "甲", "--kind", "outbound", "--date", "2021-01-05",
                    check=False)
        finally:
            done.set()
            holder.join()
        assert r.code == 2 and "another command held the store too long" in r.err
        assert len(r.err.strip().splitlines()) == 1
        history = run("--store", url, "history", "甲", "--format", "json").json()
        assert [e["event"] for e in history] == ["ContactMade"]
