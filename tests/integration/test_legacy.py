"""Logs made by the first product (kept in tests/data as it wrote them) stay readable,
verifiable, correctable and re-importable under the rules they were recorded with."""
from __future__ import annotations

import shutil

from tests.conftest import DATA

HEAD = (DATA / "legacy-v1.head").read_text().strip()


def test_an_old_store_reads_verifies_and_corrects_unchanged(tmp_path, crm_at):
    store = tmp_path / "events.sqlite"
    shutil.copy(DATA / "legacy-v1.sqlite", store)
    crm = crm_at(store)
    assert crm("verify", "--extends", HEAD).out.startswith("log intact: 47 events")
    history = crm("history", "回溯项目", "--format", "json").json()
    assert [e["event"] for e in history] == ["ContactMade", "ProjectDropped", "ProjectReopened",
                                             "ProjectDropped"]
    assert all("rules" not in e for e in history)  # recorded under the first rules
    # The first product let a drop be dated before an earlier reopening; today's rules would
    # refuse it, but what was recorded stays, and correcting it is not refused for it.
    crm("correct", "回溯项目", "4", "--reason", "补记原因", "--void")
    report = crm("report", "quarter", "2019Q4", "--format", "json").json()
    assert report["year_to_date"]["signed"]["count"] == 3


def test_an_old_export_reimports_to_the_same_head(tmp_path, crm_at):
    crm = crm_at(tmp_path / "events.sqlite")
    out = crm("import", str(DATA / "legacy-v1.jsonl")).out
    assert out.startswith(f"imported 47 events from legacy-v1.jsonl; the log verifies, head {HEAD}")
    shown = crm("show", "框架在后", "--format", "json").json()
    assert shown["framework_investment"] == "100000000"  # agreed after signing, back then
    crm("contact", "新项目", "--investor", "I", "--sector", "其他", "--planned", "1亿",
        "--date", "2020-01-10")
    crm("sign", "新项目", "--amount", "2亿", "--date", "2020-02-01")
    refused = crm.fails("agree", "新项目", "--amount", "1亿", "--date", "2020-03-01")
    assert refused.code == 1 and "comes after the contract" in refused.err  # not any more



def test_a_visit_without_project_ids_reads_back_as_one():
    """A visit stored before visits named their projects by id may be exported with
    `project_ids` null (the synthetic zones of the benchmarks hold such visits)."""
    from crm.app.log_files import _typed

    assert _typed("project_ids", None) is None
    assert _typed("project_ids", ["02c67923763450dda3568e77d7fb9c5e"]) == \
        ["02c67923763450dda3568e77d7fb9c5e"]
