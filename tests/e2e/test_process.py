"""`crm` as a user runs it: a separate process, the installed console script, a real file.

Only what a process alone shows is tested here (start-up, the default store, exit codes
as the shell sees them); everything else runs in-process, much faster."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import CRM, Crm

CONTACT = ("contact", "星河光伏", "--investor", "星河能源集团", "--sector", "新能源",
           "--planned", "2亿", "--date", "2018-03-01")


def test_a_project_from_contact_to_capital_in_separate_processes(tmp_path):
    crm = Crm(tmp_path / "events.sqlite")
    assert crm(*CONTACT).out == "recorded contact: 星河光伏 (lead)\n"
    crm("sign", "星河光伏", "--amount", "2.2亿", "--date", "2018-09-10")
    crm("land", "星河光伏", "--mu", "60.5", "--date", "2018-11-05")
    out = crm("capital", "星河光伏", "--amount", "8000万", "--date", "2018-12-20").out
    assert out == "recorded capital arrival: 星河光伏 (capital)\n"
    shown = crm("show", "星河光伏", "--format", "json").json()
    assert (shown["stage"], shown["capital_arrived"], shown["land_mu"]) == (
        "capital", "80000000", "60.5")
    refused = crm.fails("land", "星河光伏", "--mu", "十亩")
    assert refused.code == 2 and refused.out == ""
    assert refused.err == "crm: --mu '十亩' is not valid: expected an area in 亩 such as 120.5\n"
    assert crm.fails("capital", "不存在", "--amount", "1亿").code == 1
    assert crm.fails("no-such-command").code == 2


def test_default_store_is_events_sqlite_in_the_current_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CRM_STORE"}
    subprocess.run([CRM, *CONTACT], cwd=tmp_path, env=env, check=True, capture_output=True)
    assert (tmp_path / "events.sqlite").exists()


def test_store_variable(tmp_path):
    store = tmp_path / "b.sqlite"
    Crm(tmp_path / "a.sqlite", env={"CRM_STORE": str(store)})(*CONTACT)
    assert store.exists() and not (tmp_path / "a.sqlite").exists()


def test_the_sqlite_default_imports_nothing_of_postgresql(tmp_path):
    code = ("import sys, cli; cli.main(['--store', sys.argv[1], 'contact', 'X', '--investor', "
            "'I', '--sector', '其他', '--planned', '1亿']); cli.main(['--store', sys.argv[1], "
            "'report', 'quarter', '2021Q1', '--format', 'json']); "
            "print(sorted(m for m in sys.modules if 'psycopg' in m or m == 'crm.store.postgres'))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "e.sqlite")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_logging_a_visit_loads_no_read_side_and_no_report_code(tmp_path):
    """A writing command starts lean: it never loads SQLAlchemy, the read models, the
    report's renderers or any PostgreSQL driver."""
    code = ("import sys, cli; s = sys.argv[1]; "
            "cli.main(['--store', s, 'contact', 'X', '--investor', 'I', '--sector', '其他', "
            "'--planned', '1亿', '--date', '2021-01-04']); "
            "cli.main(['--store', s, 'visit', 'X', '--kind', 'outbound', '--date', '2021-01-05']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'projections', 'openpyxl', 'tabulate', 'psycopg') "
            "or m.startswith('crm.text.report')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "e.sqlite")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
