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


# -- the walk against its definition ---------------------------------------------------------

def walk_by_definition(recorder, decode_timestamp=None):
    """`verify` as first written, a row at a time: each read as a StoredRow beside a
    ChainRow, each link by `link_of`. The walk's fast path (`follow`) must name the very
    same problem at the very same position, or fail as this does."""
    from crm.app.audit import CHANGED, DELETED, ID_FORM, INSERTED, RESTAMPED
    from crm.store.chain import GENESIS, STORED_ID, format_head, link_of, stamp_text

    rows, chain = recorder.stored_rows(), recorder.chain_rows()
    row, link_row = next(rows, None), next(chain, None)
    previous, floor, position, events = GENESIS, "", 0, 0
    while row is not None or link_row is not None:
        if link_row is None or (row is not None and row.position < link_row.event_position):
            return events, None, row.position, INSERTED
        if row is None or link_row.event_position < row.position:
            return events, None, link_row.position, DELETED
        if not STORED_ID.fullmatch(row.id_text):
            return events, None, link_row.position, ID_FORM
        if link_row.position <= position or (link_row.format == 2
                                              and link_row.position != position + 1):
            return events, None, link_row.position, CHANGED
        if link_of(previous, row, link_row) != link_row.link:
            return events, None, link_row.position, CHANGED
        if link_row.stamped_at < floor:
            return events, None, link_row.position, RESTAMPED
        if link_row.format == 1 and decode_timestamp is not None:
            if link_row.stamped_at != max(stamp_text(decode_timestamp(row.state)), floor):
                return events, None, link_row.position, RESTAMPED
        previous, floor, position = link_row.link, link_row.stamped_at, link_row.position
        events += 1
        row, link_row = next(rows, None), next(chain, None)
    return events, format_head(position, previous) if position else None, None, None


def same_walk(store) -> None:
    """`verify`, plain and deep, against `walk_by_definition`: the same answer, or the same
    failure."""
    from crm.app.audit import verify
    from crm.app.log import ProjectLog

    def outcome(walk, *args):
        try:
            found = walk(*args)
        except Exception as e:  # a store too broken to read: the same failure
            return type(e), str(e)
        return found if isinstance(found, tuple) else (
            found.events, found.head, found.bad_position, found.problem)

    app = ProjectLog(store=str(store))
    try:
        decode = app.mapper.transcoder.decode
        for derive in (None, lambda state: decode(state)["timestamp"]):
            assert outcome(verify, app.recorder, derive) == outcome(
                walk_by_definition, app.recorder, derive)
    finally:
        app.close()


def test_every_tampering_is_named_as_the_walks_definition_names_it(sealed):
    """Forgeries one after another, each before the last, so each is the first problem."""
    crm, sql, _ = sealed
    same_walk(sql.store)
    forged_id = "gen_random_uuid()" if sql.pg else "upper(originator_id)"
    for chain_position, statement in [
            (10, "UPDATE event_chain SET stamped_by = NULL WHERE position = ?"),
            (9, "UPDATE event_chain SET stamped_at = '2999-01-01T00:00:00.000000+00:00' "
                "WHERE position = ?"),
            (8, "UPDATE event_chain SET format = 1 WHERE position = ?"),
            (7, "UPDATE event_chain SET link = ? WHERE position = ?"),
            (6, "DELETE FROM event_chain WHERE position = ?"),
            (5, "UPDATE event_chain SET position = position + 100 WHERE position = ?"),
            (4, f"UPDATE {{events}} SET originator_id = {forged_id} WHERE {{pos}} = ?"),
            (3, "UPDATE {events} SET originator_version = originator_version + 100 "
                "WHERE {pos} = ?"),
            (2, "UPDATE {events} SET topic = topic || 'x' WHERE {pos} = ?"),
            (1, "DELETE FROM {events} WHERE {pos} = ?")]:
        at = chain_position if "event_chain" in statement else store_position(sql,
                                                                               chain_position)
        sql(statement, (bytes(32), at) if "link = ?" in statement else (at,))
        same_walk(sql.store)
    sql("INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) "
        "SELECT -5, originator_id, 50, topic, state FROM {events} WHERE {pos} = ?",
        (store_position(sql, 10),))
    same_walk(sql.store)


#: Forgeries of one row of an SQLite store (at chain position :k, its event at :e): every
#: column of both tables, and values of other types than the store writes.
FORGERIES = [
    "UPDATE stored_events SET state = state || x'20' WHERE rowid = :e",
    "UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = :e",
    "UPDATE stored_events SET originator_id = upper(originator_id) WHERE rowid = :e",
    "UPDATE stored_events SET originator_version = originator_version + 1000 WHERE rowid = :e",
    "UPDATE stored_events SET originator_version = 'v' WHERE rowid = :e",
    "UPDATE stored_events SET topic = topic || 'x' WHERE rowid = :e",
    "UPDATE stored_events SET state = (SELECT state FROM stored_events WHERE rowid = :e + 1) "
    "WHERE rowid = :e",
    "DELETE FROM stored_events WHERE rowid = :e",
    "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
    "SELECT 0, originator_id, 999, topic, state FROM stored_events WHERE rowid = :e",
    "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
    "SELECT originator_id, 999, topic, state FROM stored_events WHERE rowid = :e",
    "DELETE FROM event_chain WHERE position = :k",
    "UPDATE event_chain SET link = zeroblob(32) WHERE position = :k",
    "UPDATE event_chain SET position = position + 1000 WHERE position = :k",
    "UPDATE event_chain SET event_position = event_position + 1000 WHERE position = :k",
    "UPDATE event_chain SET stamped_at = '2000-01-01T00:00:00.000000+00:00' "
    "WHERE position = :k",
    "UPDATE event_chain SET stamped_at = '2999-01-01T00:00:00.000000+00:00' "
    "WHERE position = :k",
    "UPDATE event_chain SET stamped_at = NULL WHERE position = :k",
    "UPDATE event_chain SET stamped_by = NULL WHERE position = :k",
    "UPDATE event_chain SET stamped_by = 'x' WHERE position = :k",
    "UPDATE event_chain SET stamped_by = 5 WHERE position = :k",
    "UPDATE event_chain SET format = 3 - format WHERE position = :k",
    "UPDATE event_chain SET format = 7 WHERE position = :k",
    "DELETE FROM event_chain WHERE position >= :k",
]


def test_a_mixed_log_forged_anywhere_is_named_as_the_walks_definition_names_it(tmp_path,
                                                                              crm_at):
    """The first product's log (format 1) carried on (format 2), each row forged alone,
    first, last and where the formats meet."""
    import shutil
    import sqlite3

    from tests.conftest import DATA

    base = tmp_path / "base.sqlite"
    shutil.copy(DATA / "legacy-v1.sqlite", base)
    crm = crm_at(base)
    crm("contact", "新项目", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2020-01-10")
    for day in range(11, 14):
        crm("visit", "新项目", "--kind", "outbound", "--date", f"2020-01-{day}")
    same_walk(base)
    with sqlite3.connect(base) as con:
        last, formats = con.execute("SELECT max(position), group_concat(DISTINCT format) "
                                    "FROM event_chain").fetchone()
    assert last == 51 and formats == "1,2"
    for k in (1, 47, 48, last):
        for n, statement in enumerate(FORGERIES):
            store = tmp_path / f"forged-{k}-{n}.sqlite"
            with sqlite3.connect(base) as source, sqlite3.connect(store) as con:
                source.backup(con)
                for table in ("stored_events", "event_chain"):
                    for action in ("update", "delete"):
                        con.execute(f"DROP TRIGGER IF EXISTS crm_{table}_no_{action}")
                e = con.execute("SELECT event_position FROM event_chain WHERE position = ?",
                                (k,)).fetchone()[0]
                con.execute(statement, {"k": k, "e": e})
            same_walk(store)
