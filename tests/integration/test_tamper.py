"""Tamper evidence, on both stores: every forgery the integrity issue names is caught by
`crm verify` (naming where), `verify --extends` with a published head, or `verify --deep`."""
from __future__ import annotations

import pytest

from tests.conftest import is_postgres


class Tampering:
    """Raw SQL on a store, as a forger with write access to its tables would run it."""

    def __init__(self, store):
        self.store = store
        self.pg = is_postgres(store)
        self.events = "crm_events" if self.pg else "stored_events"
        self.position = "notification_id" if self.pg else "rowid"

    def unguard(self) -> None:
        """Drop the triggers that keep the log append-only, as the database's owner could:
        what is left to catch a forger is the chain."""
        for table in (self.events, "event_chain"):
            if self.pg:
                for suffix in ("rows", "truncate"):
                    self(f"DROP TRIGGER IF EXISTS crm_append_only_{suffix}_{table} ON {table}")
            else:
                for action in ("update", "delete"):
                    self(f"DROP TRIGGER IF EXISTS crm_{table}_no_{action}")

    def __call__(self, statement: str, params: tuple = ()) -> list:
        if not statement.startswith("DROP TRIGGER"):  # crm puts them back when it opens
            self.unguard()
        statement = statement.replace("{events}", self.events).replace("{pos}", self.position)
        if self.pg:
            import psycopg

            with psycopg.connect(self.store, autocommit=True) as con:
                cur = con.execute(statement.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []
        import sqlite3

        con = sqlite3.connect(self.store)
        try:
            rows = con.execute(statement, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()


@pytest.fixture
def sealed(run):
    """A small zone's log, verified, with the head a report would have printed."""
    run("contact", "A", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2021-01-04")
    for i in range(2, 9):
        run("visit", "A", "--kind", "outbound", "--date", f"2021-01-{i + 4:02d}")
    run("sign", "A", "--amount", "2亿", "--date", "2021-02-01")
    run("capital", "A", "--amount", "5000万", "--date", "2021-03-01")
    head = run("verify", "--head").out.strip()
    assert head.startswith("10:") and len(head) == 3 + 64
    assert run("verify").out.startswith("log intact: 10 events")
    assert run("verify", "--extends", head).code == 0
    return run, Tampering(run.store), head


def broken(crm, *args) -> tuple[int, str]:
    r = crm.fails("verify", *args)
    assert r.code == 1 and len(r.err.strip().splitlines()) == 1, r.err
    return int(r.err.split("position ")[1].split(":")[0]), r.err


def store_position(sql, chain_position: int) -> int:
    return sql("SELECT event_position FROM event_chain WHERE position = ?", (chain_position,))[0][0]


def test_one_changed_byte_is_caught(sealed):
    crm, sql, _ = sealed
    at = store_position(sql, 9)
    state = bytes(sql("SELECT state FROM {events} WHERE {pos} = ?", (at,))[0][0])
    sql("UPDATE {events} SET state = ? WHERE {pos} = ?",
        (state.replace(b"200000000", b"300000000"), at))  # 2亿 becomes 3亿
    assert broken(crm)[0] == 9


def test_a_deleted_middle_event_is_caught(sealed):
    crm, sql, _ = sealed
    sql("DELETE FROM {events} WHERE {pos} = ?", (store_position(sql, 5),))
    position, err = broken(crm)
    assert position == 5 and "deleted" in err
    sql("DELETE FROM event_chain WHERE position = 5")  # covering the tracks
    assert broken(crm)[0] == 6


def test_an_event_inserted_past_the_head_is_caught(sealed):
    crm, sql, _ = sealed
    last = store_position(sql, 10)
    sql("INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 11, topic, state FROM {events} WHERE {pos} = ?", (last,))
    position, err = broken(crm)
    assert position > last and "not in the chain" in err


@pytest.mark.parametrize("forged_at", [0, -5])
def test_an_event_inserted_below_every_position_is_caught(sealed, forged_at):
    """Loading a project reads every row of it, whatever its position: so does verify."""
    crm, sql, _ = sealed
    sql("INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) "
        "SELECT ?, originator_id, 11, topic, state FROM {events} WHERE {pos} = ?",
        (forged_at, store_position(sql, 10)))
    assert crm("history", "A", "--format", "json").json()[-1]["position"] == 11  # it is read…
    assert broken(crm) == (forged_at, broken(crm)[1])  # …and named


def test_an_id_written_in_another_form_is_caught(sealed):
    crm, sql, _ = sealed
    if sql.pg:  # a uuid column has one text form; another id is another event
        sql("UPDATE {events} SET originator_id = gen_random_uuid() WHERE {pos} = ?",
            (store_position(sql, 4),))
        assert broken(crm)[0] == 4
        return
    sql("UPDATE {events} SET originator_id = upper(originator_id) WHERE {pos} = ?",
        (store_position(sql, 4),))
    position, err = broken(crm)
    assert position == 4 and "another form" in err


def test_two_swapped_events_are_caught(sealed):
    crm, sql, _ = sealed
    a, b = store_position(sql, 3), store_position(sql, 4)
    for statement in ("UPDATE {events} SET state = ? WHERE {pos} = ?",):
        sa = sql("SELECT state FROM {events} WHERE {pos} = ?", (a,))[0][0]
        sb = sql("SELECT state FROM {events} WHERE {pos} = ?", (b,))[0][0]
        sql(statement, (sb, a))
        sql(statement, (sa, b))
    assert broken(crm)[0] == 3


def test_a_record_time_moved_is_caught(sealed):
    """`--known-on` rests on record times: moving one breaks the chain."""
    crm, sql, _ = sealed
    sql("UPDATE event_chain SET stamped_at = ? WHERE position = 7",
        ("2000-01-01T00:00:00.000000+00:00",))
    assert broken(crm)[0] == 7


def test_a_log_truncated_below_a_published_head_is_caught(sealed):
    crm, sql, head = sealed
    keep = store_position(sql, 8)
    sql("DELETE FROM {events} WHERE {pos} > ?", (keep,))
    sql("DELETE FROM event_chain WHERE position > 8")
    assert crm("verify").code == 0  # what is left is a consistent, shorter log …
    position, err = broken(crm, "--extends", head)
    assert position == 10 and "truncated" in err  # … but not the one the report came from


def test_a_log_rewritten_with_every_hash_recomputed_is_caught_by_its_published_head(sealed):
    from crm.store.chain import GENESIS, ChainRow, StoredRow, link_of

    crm, sql, head = sealed
    at = store_position(sql, 9)
    state = bytes(sql("SELECT state FROM {events} WHERE {pos} = ?", (at,))[0][0])
    sql("UPDATE {events} SET state = ? WHERE {pos} = ?",
        (state.replace(b"200000000", b"900000000"), at))
    previous = GENESIS
    for r in sql("SELECT c.position, c.stamped_at, c.stamped_by, c.format, e.originator_id, "
                 "e.originator_version, e.topic, e.state FROM event_chain c JOIN {events} e "
                 "ON e.{pos} = c.event_position ORDER BY c.position"):
        row = StoredRow(0, str(r[4]).replace("-", ""), r[5], r[6], bytes(r[7]))
        previous = link_of(previous, row, ChainRow(r[0], b"", 0, r[1], r[2] or "", r[3]))
        sql("UPDATE event_chain SET link = ? WHERE position = ?", (previous, r[0]))
    assert crm("verify").code == 0  # a forger who recomputes every link passes a plain walk
    position, err = broken(crm, "--extends", head)
    assert position == 10 and "rewritten" in err


def test_an_edited_read_model_row_is_named_by_a_deep_verify(sealed):
    crm, sql, _ = sealed
    crm("list")
    assert crm("verify", "--deep").out.endswith("the read models agree with the log\n")
    sql("UPDATE rm_projects SET stage = 'lead' WHERE name = 'A'")
    sql("DELETE FROM rm_facts WHERE seq = 3")
    r = crm.fails("verify", "--deep")
    lines = r.err.strip().splitlines()
    assert r.code == 1 and len(lines) == 3, r.err
    assert "rm_projects" in lines[0] and "stage: 'lead' stored, 'capital' from the log" in lines[0]
    assert "rm_facts" in lines[1] and "missing" in lines[1]
    assert lines[2].startswith("crm: 2 read-model row(s) differ from the log")
    crm("projections", "rebuild")
    assert crm("verify", "--deep").code == 0


def test_read_models_ahead_of_the_log_are_rebuilt_with_a_notice(sealed):
    crm, sql, _ = sealed
    crm("list")
    sql("UPDATE rm_tracking SET position = position + 1000 WHERE name = 'pipeline'")
    r = crm("list", "--format", "json")
    assert "ahead of the log" in r.err and len(r.json()) == 1
    crm("contact", "B", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2021-01-04")
    assert len(crm("list", "--format", "json").json()) == 2  # new events are projected again
    sql("UPDATE rm_tracking SET position = position + 1000 WHERE name = 'pipeline'")
    status = crm("projections", "status", "--format", "json")
    assert "ahead of the log" in status.err and status.json()["behind"] == 0


def test_verify_in_chinese_and_a_bad_head(sealed):
    crm, sql, _ = sealed
    r = crm.fails("verify", "--extends", "10:nothex")
    assert r.code == 2 and "10:nothex" in r.err
    sql("DELETE FROM {events} WHERE {pos} = ?", (store_position(sql, 2),))
    r = crm.fails("--lang", "zh", "verify")
    assert r.code == 1 and "第 2 位" in r.err
