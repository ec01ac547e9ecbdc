"""A team's store with a login each: `crm init --roles` makes the zone's roles; a recorder
appends but cannot UPDATE or DELETE (nor can the owner: triggers), an auditor reads and never
writes events, only the owner changes the zone's settings; each event is stamped with the
login that wrote it."""
from __future__ import annotations

import itertools
import os

import pytest

from tests.conftest import PG_URL, InProcess, fresh_database

needs_postgres = pytest.mark.skipif(not PG_URL, reason="CRM_TEST_POSTGRES_URL is not set: "
                                    "no PostgreSQL server to test against")
_logins = itertools.count()


@pytest.fixture
def zone_db(monkeypatch, capsys):
    """A fresh database with the zone's roles, and a login per role: url(login) -> URL."""
    import psycopg

    with fresh_database() as url:
        admin = InProcess(url, monkeypatch, capsys)
        admin("contact", "甲", "--investor", "x", "--sector", "其他", "--planned", "2亿",
              "--date", "2021-01-04")
        roles = admin("init", "--roles").out
        db = url.rsplit("/", 1)[1]
        assert f"{db}_owner, {db}_recorder, {db}_auditor" in roles
        logins = {}
        with psycopg.connect(PG_URL, autocommit=True) as con:
            for role in ("owner", "recorder", "auditor"):
                login = f"crm_{role}_{os.getpid()}_{next(_logins)}"
                con.execute(f'CREATE ROLE "{login}" LOGIN')
                con.execute(f'GRANT "{db}_{role}" TO "{login}"')
                logins[role] = login
        try:
            yield lambda role: url.replace("postgres@", f"{logins[role]}@", 1)
        finally:
            with psycopg.connect(url, autocommit=True) as con:
                for login in logins.values():
                    con.execute(f'REASSIGN OWNED BY "{login}" TO postgres')
                    con.execute(f'DROP OWNED BY "{login}"')
            with psycopg.connect(PG_URL, autocommit=True) as con:
                for login in logins.values():
                    con.execute(f'DROP ROLE IF EXISTS "{login}"')


@needs_postgres
def test_each_role_does_what_it_may(zone_db, monkeypatch, capsys):
    import psycopg

    recorder = InProcess(zone_db("recorder"), monkeypatch, capsys)
    recorder("visit", "甲", "--kind", "outbound", "--date", "2021-01-05")
    history = recorder("history", "甲", "--format", "json").json()
    assert history[-1]["event"] == "VisitLogged"
    refused = recorder("zone", "set", "tiers", "5亿,1亿", check=False)
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1
    auditor = InProcess(zone_db("auditor"), monkeypatch, capsys)
    assert auditor("report", "quarter", "2021Q1", "--format", "json").json()["quarter"][
        "activities"]["outbound"] == 1
    assert auditor("verify").code == 0
    refused = auditor("visit", "甲", "--kind", "reception", "--date", "2021-01-06", check=False)
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1
    owner = InProcess(zone_db("owner"), monkeypatch, capsys)
    owner("zone", "set", "tiers", "5亿,1亿")
    for role in ("recorder", "owner"):
        with psycopg.connect(zone_db(role), autocommit=True) as con:
            for statement in ("UPDATE crm_events SET topic = 'x'", "DELETE FROM crm_events",
                              "DELETE FROM event_chain"):
                with pytest.raises(psycopg.Error):
                    con.execute(statement)


@needs_postgres
def test_roles_need_a_login_that_may_create_them(zone_db, monkeypatch, capsys):
    recorder = InProcess(zone_db("recorder"), monkeypatch, capsys)
    r = recorder("init", "--roles", check=False)
    assert r.code == 2 and "CREATEROLE" in r.err and len(r.err.strip().splitlines()) == 1


def test_roles_are_for_postgresql(crm_at, tmp_path):
    r = crm_at(tmp_path / "events.sqlite")("init", "--roles", check=False)
    assert r.code == 2 and "PostgreSQL" in r.err
