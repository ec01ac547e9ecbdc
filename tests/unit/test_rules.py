"""Each rule once: a command is accepted exactly when the history with it is valid, backdated
facts included; a history recorded under earlier rules keeps what they allowed."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crm.domain import errors, rules
from crm.domain.facts import Fact, business_order
from crm.domain.project import Project

TODAY = date(2021, 12, 31)
NOW = datetime(2021, 12, 31, 8, tzinfo=timezone.utc)


def common(on: str | date, **extra):
    day = on if isinstance(on, date) else date.fromisoformat(on)
    return {"occurred_on": day, "today": TODAY, "timestamp": NOW, "recorded_by": "t",
            "note": None, **extra}


def project(on="2020-01-10") -> Project:
    c = common(on)
    c.pop("note")
    return Project.make_contact(name="A", investor="I", sector="新能源", planned=Decimal(5), **c)


def test_a_drop_dated_before_an_earlier_reopen_is_refused():
    """The repro of the architecture issue: the command accepted it, the history check did
    not, and every later correction of the project was refused."""
    p = project()
    p.drop(reason="r", **common("2020-03-01"))
    p.reopen(**common("2020-06-01"))
    with pytest.raises(errors.ProjectIsDropped):
        p.drop(reason="r2", **common("2020-04-01"))
    p.correct(target=2, changes={"reason": "资金"}, void=False, reason="x", **common("2021-01-01"))


@pytest.mark.parametrize("method, kwargs", [
    ("receive_capital", {"amount": Decimal(1)}),
    ("transfer_land", {"mu": Decimal(1), "parcel": None, "price": None}),
    ("log_visit", {"kind": "outbound", "visit_id": uuid.uuid4(), "projects": ["A"],
                   "participants": None}),
])
def test_nothing_but_a_reopening_is_dated_inside_a_dropped_period(method, kwargs):
    p = project()
    p.sign_contract(amount=Decimal(9), **common("2020-02-01"))
    p.drop(reason="r", **common("2020-03-01"))
    p.reopen(**common("2020-06-01"))
    with pytest.raises(errors.ProjectIsDropped):
        getattr(p, method)(**kwargs, **common("2020-04-01"))
    getattr(p, method)(**kwargs, **common("2020-06-02"))


def test_a_backdated_drop_may_not_swallow_later_facts():
    p = project()
    p.log_visit(kind="outbound", visit_id=uuid.uuid4(), projects=["A"], participants=None,
                **common("2020-05-15"))
    with pytest.raises(errors.ProjectIsDropped):
        p.drop(reason="r", **common("2020-05-01"))


def test_an_aftercare_visit_needs_a_signed_project():
    p = project()
    with pytest.raises(errors.NotSigned):
        p.log_visit(kind="aftercare", visit_id=uuid.uuid4(), projects=["A"], participants=None,
                    **common("2020-02-01"))
    assert p.state.stage == "lead"


def test_a_framework_agreement_is_no_later_than_the_signing():
    p = project()
    p.sign_contract(amount=Decimal(9), **common("2020-05-01"))
    with pytest.raises(errors.AgreementAfterSigning):
        p.sign_framework(amount=Decimal(5), **common("2020-05-02"))
    p.sign_framework(amount=Decimal(5), **common("2020-05-01"))  # the same day is fine


def test_a_correction_may_not_break_a_rule():
    p = project()
    p.sign_contract(amount=Decimal(9), **common("2020-05-01"))
    p.receive_capital(amount=Decimal(1), **common("2020-06-01"))
    with pytest.raises(errors.BeforeSigning):
        p.correct(target=3, changes={"occurred_on": date(2020, 4, 1)}, void=False, reason="x",
                  **common("2021-01-01"))
    with pytest.raises(errors.NotSigned):
        p.correct(target=2, changes={}, void=True, reason="x", **common("2021-01-01"))


def legacy(seq: int, event: str, on: str, **fields) -> Fact:
    """A fact as the first product recorded it (no `rules` field)."""
    return Fact(seq=seq, event=event, occurred_on=date.fromisoformat(on), recorded_at=NOW,
                recorded_by="t", fields=fields)


def test_a_history_recorded_under_earlier_rules_stays_valid_and_correctable():
    """The first product accepted a drop dated before a reopen; such a history is read,
    re-imported (each fact checked as it was then) and corrected, never refused for what
    it already holds."""
    history = [legacy(1, "ContactMade", "2020-01-10", name="A", planned=Decimal(5)),
               legacy(2, "ProjectDropped", "2020-03-01", reason="r"),
               legacy(3, "ProjectReopened", "2020-06-01"),
               legacy(4, "ProjectDropped", "2020-04-01", reason="r2")]
    for i in range(1, len(history)):
        rules.refuse_legacy(history[:i], history[i], TODAY)
    assert rules.violations(business_order(history), TODAY)  # not valid by today's rules…
    fixed = [*history[:3], history[3]._replace(fields={"reason": "资金"})]
    rules.refuse_new(history, fixed, TODAY)  # …yet a correction adds nothing new: accepted
    late_visit = Fact(seq=5, event="VisitLogged", occurred_on=date(2020, 4, 15), recorded_at=NOW,
                      recorded_by="t", fields={"kind": "outbound", "rules": 2})
    with pytest.raises(errors.ProjectIsDropped):  # …but new facts obey today's rules
        rules.refuse_new(history, [*history, late_visit], TODAY)


# -- property: every accepted command leaves a history the checker accepts ----------------

COMMANDS = st.sampled_from(["visit", "aftercare", "agree", "sign", "land", "capital", "drop",
                            "reopen", "correct_date", "void"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(COMMANDS, st.integers(0, 400)), max_size=25))
def test_every_accepted_command_leaves_a_valid_history(steps):
    p = project("2020-01-01")
    start = date(2020, 1, 1)
    for command, offset in steps:
        on = start + timedelta(days=offset)
        c = common(on)
        try:
            if command in ("visit", "aftercare"):
                p.log_visit(kind="outbound" if command == "visit" else "aftercare",
                            visit_id=uuid.uuid4(), projects=["A"], participants=None, **c)
            elif command == "agree":
                p.sign_framework(amount=Decimal(offset + 1), **c)
            elif command == "sign":
                p.sign_contract(amount=Decimal(offset + 1), **c)
            elif command == "land":
                p.transfer_land(mu=Decimal(offset + 1), parcel=None, price=None, **c)
            elif command == "capital":
                p.receive_capital(amount=Decimal(offset + 1), **c)
            elif command == "drop":
                p.drop(reason="r", **c)
            elif command == "reopen":
                p.reopen(**c)
            elif p.version > 1:
                target = 2 + offset % (p.version - 1)
                if p.event_at(target) is not None:
                    changes = {} if command == "void" else {"occurred_on": on}
                    p.correct(target=target, changes=changes, void=command == "void",
                              reason="x", **common(TODAY))
        except (errors.RuleViolation, errors.InputError):
            continue
        assert rules.violations(business_order(p.facts), TODAY) == []


# -- property: checking one fact more refuses what checking the whole history refuses -------

KINDS = st.sampled_from(["VisitLogged", "VisitLogged", "FrameworkAgreementSigned",
                         "ContractSigned", "ContractSigned", "LandTransferred", "CapitalArrived",
                         "CapitalArrived", "ProjectDropped", "ProjectReopened",
                         "ConstructionStarted", "ProductionStarted", "CommitmentMade",
                         "OwnerChanged"])


def _outcome(check, *args):
    try:
        return "accepted", {rules._key(e) for e in check(*args)}
    except errors.RuleViolation as e:
        return "refused", (type(e).__name__, e.at, vars(e))


def _next(facts, fact, today, walked, passes):
    """`refuse_next`, and what the history with the fact breaks by where its pass ended —
    which is where a pass over the whole history with it ends."""
    passes.append(rules.refuse_next(facts, fact, today, walked))
    whole = rules._walk(business_order([*facts, fact]), today, rules.RULES)[1]
    assert _place(passes[0]) == _place(whole)
    return rules.as_of(passes[0].lasting, [*facts, fact], today)


def _place(walked):
    return (walked.whole, walked.seen, walked.last,
            [(rules._key(e), vars(e)) for e in walked.lasting])


def _forced(kind, offset=5):
    return kind, offset, 0, 1, False, True


def _then(kind, offset):
    return kind, offset, 0, 1, False, False


@settings(max_examples=300, deadline=None)
# what a first signing, land or start, or a drop, dated after the rest, changes of the facts
# before it: a fact that lacked it, recorded all the same, then breaks another rule, or none
@example([_forced("CapitalArrived"), _then("ContractSigned", 5)])
@example([_forced("CapitalArrived"), _then("ContractSigned", 0)])
@example([_forced("ConstructionStarted"), _then("LandTransferred", 3)])
@example([_forced("ConstructionStarted"), _then("LandTransferred", 0)])
@example([_then("ContractSigned", 1), _then("LandTransferred", 1),
          _forced("ProductionStarted"), _then("ConstructionStarted", 4)])
@example([_then("ContractSigned", 1), _then("LandTransferred", 1),
          _forced("ProductionStarted"), _then("ConstructionStarted", 0)])
@example([_forced("ProjectReopened"), _then("ProjectDropped", 2)])
@example([_forced("ProjectReopened"), _then("ProjectDropped", 0)])
@given(st.lists(st.tuples(KINDS, st.integers(-15, 40), st.integers(-20, 40),
                          st.sampled_from([-1, *[1] * 7]), st.sampled_from([True, *[False] * 3]),
                          st.booleans()), max_size=20))
def test_the_next_fact_is_refused_as_the_whole_history_would_refuse_it(steps):
    """`refuse_next`, going on from where the pass over the history before ended (on another
    day too), or from nothing, refuses exactly what `refuse_new` refuses, at the same fact,
    finds the same violations, and ends where a pass over the whole history ends; histories
    that already break rules (recorded under earlier ones) included, and a first signing,
    land or start, or a drop, dated after facts that lacked it (the examples above)."""
    start = date(2020, 1, 1)
    facts = [Fact(seq=1, event="ContactMade", occurred_on=start, recorded_at=NOW,
                  recorded_by="t", fields={"name": "A", "planned": Decimal(5), "rules": 2})]
    walked, latest, seq = None, start, 1
    for kind, offset, day, sign, aftercare, forced in steps:
        seq += 1
        on = latest + timedelta(days=offset)  # mostly after the others, sometimes backdated
        today = max(latest, on) + timedelta(days=day)  # a future date now and then
        fields = {"rules": 2, "kind": "aftercare" if aftercare else "outbound",
                  "amount": Decimal(sign), "mu": Decimal(sign), "invest": Decimal(sign)}
        fact = Fact(seq=seq, event=kind, occurred_on=on, recorded_at=NOW, recorded_by="t",
                    fields=fields)
        expected = _outcome(rules.refuse_new, facts, [*facts, fact], today)
        passes: list = []
        actual = _outcome(_next, facts, fact, today, walked, passes)
        assert actual == expected
        if actual[0] == "accepted":  # the next fact goes on from here
            walked = passes[0]
        elif forced:  # recorded all the same, as the first product could: the pass starts again
            walked = None
        else:
            seq -= 1
            continue
        facts = [*facts, fact]
        latest = max(latest, on)
