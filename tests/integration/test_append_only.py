"""The database itself keeps the log append-only: UPDATE, DELETE (and on PostgreSQL TRUNCATE)
of events and chain rows are refused by trigger, whoever asks."""
from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import is_postgres


@pytest.fixture
def logged(run):
    run("contact", "甲", "--investor", "x", "--sector", "其他", "--planned", "2亿",
        "--date", "2021-01-04")
    run("visit", "甲", "--kind", "outbound", "--date", "2021-01-05")
    return run


@pytest.mark.parametrize("statement", [
    "UPDATE {events} SET topic = 'forged'", "DELETE FROM {events}",
    "UPDATE event_chain SET stamped_by = 'someone'", "DELETE FROM event_chain",
])
def test_events_and_chain_rows_are_never_changed(logged, statement):
    store = logged.store
    if is_postgres(store):
        import psycopg

        with psycopg.connect(store, autocommit=True) as con:
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                con.execute(statement.replace("{events}", "crm_events"))
            if statement.startswith("DELETE"):
                table = statement.split()[-1].replace("{events}", "crm_events")
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    con.execute(f"TRUNCATE {table}")
    else:
        con = sqlite3.connect(store)
        try:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(statement.replace("{events}", "stored_events"))
        finally:
            con.close()
    assert logged("verify").out.startswith("log intact: 2 events")
