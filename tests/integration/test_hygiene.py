"""Bad input and a bad environment, as a hostile or unlucky user meets them: one line naming
the value and what to do, exit 2 (1 only for a rule of the log), no SQL, no data, no traceback
— and no store made or touched by a command that reads, or one that is refused."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import CRM, PG_URL, fresh_database

CONTACT = ("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "2亿",
           "--date", "2021-04-06")


def one_line(r, code: int = 2) -> str:
    assert r.code == code, (r.code, r.err)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: "), r.err
    assert "unexpected" not in r.err and "Traceback" not in r.err
    for word in ("SELECT", "INSERT", "[SQL", "[parameters"):
        assert word not in r.err
    return lines[0]


# -- no store made by a read or a refused command ------------------------------------------

@pytest.mark.parametrize("args", [("list",), ("show", "星河光伏"), ("history", "星河光伏"),
                                  ("verify",), ("pipeline",), ("report", "quarter", "2021Q1"),
                                  ("alerts",), ("export", "--format", "jsonl")])
def test_a_read_makes_no_store(tmp_path, crm_at, args):
    store = tmp_path / "events.sqlite"
    line = one_line(crm_at(store).fails(*args))
    assert "there is no store at" in line and "crm init" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ("contact", "星河光伏", "--investor", "星河能源", "--sector", "新能源", "--planned", "0"),
    ("visit", "星河光伏", "--kind", "reception"),
    ("sign", "星河光伏", "--amount", "1亿"),
    ("zone", "set", "tiers", "abc"),
])
def test_a_refused_write_makes_no_store(tmp_path, crm_at, args):
    store = tmp_path / "events.sqlite"
    r = crm_at(store).fails(*args)
    assert r.code in (1, 2) and len(r.err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_first_write_makes_the_store_and_the_next_command_reads_it(tmp_path, crm_at):
    store = tmp_path / "events.sqlite"
    crm = crm_at(store)
    crm(*CONTACT)
    assert store.exists()
    assert [p["name"] for p in crm("list", "--format", "json").json()] == ["星河光伏"]
    assert crm("verify").out.startswith("log intact: 1 events")


def test_init_makes_an_empty_store_a_read_then_finds(tmp_path, crm_at):
    store = tmp_path / "events.sqlite"
    crm = crm_at(store)
    crm("init")
    assert crm("list", "--format", "json").json() == []


# -- another application's SQLite file -----------------------------------------------------

@pytest.mark.parametrize("args", [("verify",), ("list",), ("visit", "星河光伏", "--kind", "reception"),
                                  CONTACT, ("init",)])
def test_another_applications_sqlite_file_is_refused_untouched(tmp_path, crm_at, args):
    other = tmp_path / "app.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE stored_events (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO stored_events (body) VALUES ('theirs')")
    db.close()
    before = other.read_bytes()
    line = one_line(crm_at(other).fails(*args))
    assert "another application's SQLite database" in line
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path, crm_at):
    other = tmp_path / "notes.sqlite"
    other.write_text("not a database\n")
    line = one_line(crm_at(other).fails(*CONTACT))
    assert "not an SQLite database" in line
    assert other.read_text() == "not a database\n"


@pytest.mark.parametrize("name", ["x?y.sqlite", "z%41.sqlite", "a#b.sqlite", "file:c.sqlite"])
def test_a_store_path_with_uri_characters_is_one_file(tmp_path, crm_at, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    crm = crm_at(name)
    if name.startswith("file:"):  # SQLite would read it as a URI: refused, not guessed at
        assert "keeps nothing" in one_line(crm.fails(*CONTACT))
        return
    crm(*CONTACT)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert len(crm("list", "--format", "json").json()) == 1
    assert crm("verify").out.startswith("log intact: 1 events")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files: run as a user")
def test_a_read_only_store_is_one_line(tmp_path, crm_at):
    store = tmp_path / "events.sqlite"
    crm_at(store)(*CONTACT)
    store.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        line = one_line(crm_at(store).fails("visit", "星河光伏", "--kind", "reception"))
        assert "may not be written" in line
    finally:
        tmp_path.chmod(0o755)


# -- the environment and the command line --------------------------------------------------

@pytest.mark.parametrize("env,value,words", [
    ({"CRM_LOCK_TIMEOUT": "abc"}, "'abc'", "whole number of seconds"),
    ({"CRM_NOW": "garbage"}, "'garbage'", "a moment such as"),
    ({"CRM_NOW": "2021-02-30T10:00:00"}, "'2021-02-30T10:00:00'", "a moment such as"),
])
def test_a_bad_environment_is_one_line_and_nothing_written(tmp_path, crm_at, monkeypatch,
                                                           env, value, words):
    store = tmp_path / "events.sqlite"
    crm = crm_at(store)
    for key, text in env.items():
        monkeypatch.setenv(key, text)
    line = one_line(crm.fails(*CONTACT))
    assert value in line and words in line
    assert not store.exists()


@pytest.mark.parametrize("user", ["", "  ", "ok\x1b]52;c;aGk=\x07", "a\u202eb", "zero\u200bwidth",
                                  "two\nlines"])
def test_who_records_is_a_name_without_hidden_characters(tmp_path, crm_at, user):
    store = tmp_path / "events.sqlite"
    line = one_line(crm_at(store).fails("--user", user, *CONTACT))
    assert line.startswith("crm: --user ") and "without control or invisible" in line
    assert "\x1b" not in line and "\u202e" not in line
    assert not store.exists()


def test_bytes_that_are_not_utf8_on_the_command_line(tmp_path):
    """GBK bytes typed in a UTF-8 terminal: refused in one line, exit 2, not a traceback."""
    store = tmp_path / "events.sqlite"
    env = {**os.environ, "CRM_STORE": str(store), "CRM_LANG": "en", "LC_ALL": "C.UTF-8"}
    p = subprocess.run([os.fsencode(CRM), b"show", "星河".encode("gbk")], env=env,
                       capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8")
    assert p.returncode == 2 and len(err.splitlines()) == 1, err
    assert "\\xd0" in err and "not UTF-8 text" in err
    assert not store.exists()


@pytest.mark.parametrize("period", ["0000Q1", "9999Q4", "1899Q4", "3000Q1"])
def test_a_quarter_off_the_calendar_is_one_line(run, period):
    run(*CONTACT)
    line = one_line(run.fails("report", "quarter", period))
    assert f"'{period}'" in line and "1900Q1 to 2999Q4" in line


def test_a_report_into_a_missing_folder_is_one_line(run, tmp_path):
    run(*CONTACT)
    for args in (("report", "quarter", "2021Q2", "--out", "/nonexistent/r.xlsx"),
                 ("report", "years", "2020-2021", "--out", "/nonexistent/r.md"),
                 ("export", "--out", "/nonexistent/x.csv")):
        line = one_line(run.fails(*args))
        assert "/nonexistent" in line and "--out" in line


@pytest.mark.parametrize("head", ["99999999999999999999999:" + "ab" * 32,
                                  "9223372036854775808:" + "ab" * 32, "-1:" + "ab" * 32, "1:zz"])
def test_a_head_that_cannot_be_is_one_line(run, head):
    run(*CONTACT)
    line = one_line(run.fails("verify", "--extends", head))
    assert "--extends" in line


def test_a_known_on_before_every_record_is_an_empty_view(run):
    run(*CONTACT)
    for day in ("0001-01-01", "1900-01-01"):
        assert run("list", "--known-on", day, "--format", "json").json() == []
        report = run("report", "quarter", "2021Q2", "--known-on", day, "--format", "json").json()
        assert report["quarter"]["signed"]["count"] == 0
    assert run("list", "--known-on", "9999-12-31", "--format", "json").json()[0]["name"] == "星河光伏"


# -- files that are not what their names say ----------------------------------------------

def test_files_that_are_not_workbooks_are_one_line(run, tmp_path):
    run(*CONTACT)
    before = run.log_digest()
    text = tmp_path / "台账.xlsx"
    text.write_text("项目名称,投资方\n甲,乙\n", encoding="utf-8")
    other_zip = tmp_path / "压缩.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("readme.txt", "hello")
    utf16 = tmp_path / "unicode.csv"
    utf16.write_bytes("项目名称\t投资方\n甲\t乙\n".encode("utf-16"))
    for path, words in ((text, "not an Excel workbook"), (other_zip, "not an Excel workbook"),
                        (utf16, "UTF-16")):
        line = one_line(run.fails("import", str(path)))
        assert path.name in line and words in line
    assert run.log_digest() == before


def test_a_gbk_csv_comes_in(run, tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_bytes("项目名称,投资方,产业类别,计划总投资（万元）,首次接洽日期\n"
                       "星河光伏,星河能源,新能源,20000,2021-04-06\n".encode("gbk"))
    run("import", str(ledger))
    (project,) = run("list", "--format", "json").json()
    assert project["name"] == "星河光伏" and project["planned_investment"] == "200000000"


# -- PostgreSQL ------------------------------------------------------------------------------

pg = pytest.mark.skipif(not PG_URL, reason="CRM_TEST_POSTGRES_URL is not set: no PostgreSQL "
                                           "server to test against")


@pg
def test_crm_now_is_refused_on_a_team_store(crm_at, monkeypatch):
    with fresh_database() as url:
        crm = crm_at(url)
        monkeypatch.setenv("CRM_NOW", "2021-04-06T10:00:00+08:00")
        line = one_line(crm.fails(*CONTACT))
        assert "CRM_NOW" in line and "unset CRM_NOW" in line
        monkeypatch.delenv("CRM_NOW")
        crm(*CONTACT)


@pg
def test_a_read_of_a_database_without_the_log_makes_nothing(crm_at):
    import psycopg

    with fresh_database() as url:
        line = one_line(crm_at(url).fails("list"))
        assert "there is no store at" in line
        with psycopg.connect(url) as db:
            tables = db.execute("SELECT count(*) FROM information_schema.tables "
                                "WHERE table_schema = 'public'").fetchone()[0]
        assert tables == 0


@pg
def test_two_imports_at_once_on_a_new_team_store(tmp_path):
    """Two offices import into the same new database at the same moment: one comes in, the
    other is one line (or comes in after it) — never SQL, never a half."""
    ledger = tmp_path / "台账.csv"
    rows = "".join(f"项目{i},投资方{i},新能源,{1000 + i},2021-04-06\n" for i in range(300))
    ledger.write_text("项目名称,投资方,产业类别,计划总投资（万元）,首次接洽日期\n" + rows,
                      encoding="utf-8")
    with fresh_database() as url:
        env = {**os.environ, "CRM_STORE": url, "CRM_LANG": "en", "CRM_USER": "office"}
        env.pop("CRM_NOW", None)
        runs = [subprocess.Popen([CRM, "import", str(ledger)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(p.wait(timeout=300), p.stderr.read()) for p in runs]
        for p in runs:
            p.stdout.close()
            p.stderr.close()
        assert any(code == 0 for code, _ in results), results
        for code, err in results:
            if code:
                assert len(err.splitlines()) == 1 and "SELECT" not in err and "INSERT" not in err, err
        listed = subprocess.run([CRM, "list", "--format", "json"], env=env, capture_output=True,
                                text=True, timeout=120)
        import json

        assert len(json.loads(listed.stdout)) == 300
        verified = subprocess.run([CRM, "verify"], env=env, capture_output=True, text=True,
                                  timeout=120)
        assert verified.returncode == 0, verified.stderr


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="POSIX file modes and bytes in argv")


