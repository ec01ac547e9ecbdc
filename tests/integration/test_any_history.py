"""Random command sequences on a real store: every accepted command leaves a history the
rule checker accepts, and the log exports and re-imports to the same head."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.app import audit
from crm.app.log import ProjectLog
from crm.app.log_files import export_events, import_events
from crm.domain.errors import CrmError
from crm.domain.facts import business_order
from crm.domain.rules import violations

COMMANDS = st.lists(st.tuples(
    st.sampled_from(["visit", "aftercare", "agree", "sign", "land", "capital",
                     "drop", "reopen", "correct", "void"]),
    st.integers(0, 2),  # which project
    st.integers(0, 500),  # business day
), max_size=30)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(COMMANDS)
def test_every_accepted_command_keeps_the_log_valid_and_reimportable(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("any")
    app = ProjectLog(store=str(folder / "events.sqlite"), user="p")
    start = date(2020, 1, 1)
    for which in range(3):
        app.contact(name=f"P{which}", investor="I", sector="其他", planned=Decimal(10**8),
                    occurred_on=start + timedelta(days=which))
    for command, which, offset in steps:
        name, on = f"P{which}", start + timedelta(days=offset)
        amount = Decimal(offset + 1) * 10_000
        try:
            if command in ("visit", "aftercare"):
                app.log_visit(names=[name, f"P{(which + 1) % 3}"], occurred_on=on,
                              kind="pairing" if command == "visit" else "aftercare")
            elif command == "agree":
                app.agree(name=name, amount=amount, occurred_on=on)
            elif command == "sign":
                app.sign(name=name, amount=amount, occurred_on=on)
            elif command == "land":
                app.transfer_land(name=name, mu=Decimal(offset + 1), occurred_on=on)
            elif command == "capital":
                app.receive_capital(name=name, amount=amount, occurred_on=on)
            elif command == "drop":
                app.drop(name=name, reason="r", occurred_on=on)
            elif command == "reopen":
                app.reopen(name=name, occurred_on=on)
            else:
                version = app.get_project(name).version
                app.correct(name=name, position=1 + offset % version, reason="x",
                            void=command == "void",
                            changes={} if command == "void" else {"occurred_on": on})
        except CrmError:
            continue
    today = date.today()
    for project in app.projects():
        assert violations(business_order(project.facts), today) == [], project.name
    exported = folder / "events.jsonl"
    exported.write_text("".join(line + "\n" for line in export_events(app)), encoding="utf-8")
    head = audit.current_head(app.recorder)
    app.close()
    copy = ProjectLog(store=str(folder / "copy.sqlite"), user="p")
    assert import_events(copy, exported)[1] == head
    copy.close()
