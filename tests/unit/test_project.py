"""The Project aggregate's rules, each broken once, with no store."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from crm.domain import errors
from crm.domain.project import Project
from crm.domain.values import project_id

TODAY = date(2021, 12, 31)
NOW = datetime(2021, 12, 31, 8, tzinfo=timezone.utc)


def common(on: str, **extra):
    return {"occurred_on": date.fromisoformat(on), "today": TODAY, "timestamp": NOW,
            "recorded_by": "tester", "note": None, **extra}


def new_project(name="星河光伏", on="2021-03-01", planned="2亿") -> Project:
    amount = Decimal(200_000_000) if planned == "2亿" else Decimal(planned)
    c = common(on)
    c.pop("note")
    return Project.make_contact(name=name, investor="星河能源集团", sector="新能源",
                                planned=amount, **c)


def signed_project() -> Project:
    p = new_project()
    p.sign_contract(amount=Decimal(220_000_000), **common("2021-06-01"))
    return p


def test_contact_creates_a_lead_with_an_id_from_the_name():
    p = new_project(name="ＫＡ游")
    assert p.state.stage == "lead"
    assert p.id == project_id("ka游")
    assert p.state.planned == Decimal(200_000_000)


def test_stages_move_forward_only():
    p = signed_project()
    p.receive_capital(amount=Decimal(10), **common("2021-07-01"))
    assert p.state.stage == "capital"
    p.transfer_land(mu=Decimal(60), parcel=None, price=None, **common("2021-08-01"))
    assert p.state.stage == "capital"  # land after capital leaves it at capital
    p.sign_framework(amount=Decimal(5), **common("2021-05-02"))
    assert p.state.stage == "capital"  # a framework agreement recorded late changes nothing
    p.log_visit(kind="aftercare", visit_id=uuid.uuid4(), projects=["星河光伏"],
                participants=None, **common("2021-09-01"))
    assert p.state.stage == "capital"


def test_signing_needs_no_framework_agreement():
    p = new_project()
    p.sign_contract(amount=Decimal(1), **common("2021-03-02"))
    assert p.state.stage == "signed"


@pytest.mark.parametrize("method, kwargs", [
    ("sign_contract", {"amount": Decimal(0)}),
    ("sign_framework", {"amount": Decimal(-1)}),
])
def test_amounts_are_positive(method, kwargs):
    p = new_project()
    with pytest.raises(errors.NonPositiveAmount):
        getattr(p, method)(**kwargs, **common("2021-04-01"))
    assert len(p.pending_events) == 1


def test_planned_investment_is_positive():
    with pytest.raises(errors.NonPositiveAmount):
        new_project(planned="0")


def test_capital_is_positive():
    p = signed_project()
    with pytest.raises(errors.NonPositiveAmount):
        p.receive_capital(amount=Decimal("-0.01"), **common("2021-07-01"))


def test_areas_are_positive():
    p = signed_project()
    with pytest.raises(errors.NonPositiveArea):
        p.transfer_land(mu=Decimal(0), parcel=None, price=None, **common("2021-07-01"))


def test_a_business_date_is_not_in_the_future():
    p = new_project()
    with pytest.raises(errors.FutureDate):
        p.log_visit(kind="outbound", visit_id=uuid.uuid4(), projects=[], participants=None,
                    **common("2022-01-01"))
    with pytest.raises(errors.FutureDate):
        new_project(on="2022-01-01")


def test_a_business_date_is_not_before_the_contact():
    p = new_project(on="2021-03-01")
    with pytest.raises(errors.DateBeforeContact):
        p.sign_contract(amount=Decimal(1), **common("2021-02-28"))


def test_land_needs_a_signed_project():
    p = new_project()
    with pytest.raises(errors.NotSigned):
        p.transfer_land(mu=Decimal(1), parcel=None, price=None, **common("2021-04-01"))


def test_capital_needs_a_signed_project():
    p = new_project()
    with pytest.raises(errors.NotSigned):
        p.receive_capital(amount=Decimal(1), **common("2021-04-01"))


def test_land_may_not_precede_the_signing():
    p = signed_project()
    with pytest.raises(errors.BeforeSigning):
        p.transfer_land(mu=Decimal(1), parcel=None, price=None, **common("2021-05-01"))


def test_a_dropped_project_accepts_only_reopen():
    p = new_project()
    p.drop(reason="资金链紧张", **common("2021-04-01"))
    assert p.state.stage == "dropped"
    with pytest.raises(errors.ProjectIsDropped):
        p.log_visit(kind="outbound", visit_id=uuid.uuid4(), projects=[], participants=None,
                    **common("2021-04-02"))
    with pytest.raises(errors.ProjectIsDropped):
        p.drop(reason="again", **common("2021-04-02"))
    p.reopen(**common("2021-05-01"))
    assert p.state.stage == "lead"


def test_reopen_returns_to_the_stage_before():
    p = signed_project()
    p.drop(reason="x", **common("2021-07-01"))
    p.reopen(**common("2021-07-02"))
    assert p.state.stage == "signed"


def test_only_a_dropped_project_reopens():
    p = new_project()
    with pytest.raises(errors.NotDropped):
        p.reopen(**common("2021-04-01"))


def test_reopen_not_before_the_drop():
    p = new_project()
    p.drop(reason="x", **common("2021-07-01"))
    with pytest.raises(errors.ReopenBeforeDrop):
        p.reopen(**common("2021-06-30"))


def test_one_signing_and_one_framework_agreement():
    p = signed_project()
    with pytest.raises(errors.AlreadySigned):
        p.sign_contract(amount=Decimal(1), **common("2021-07-01"))
    with pytest.raises(errors.AgreementAfterSigning):
        p.sign_framework(amount=Decimal(1), **common("2021-07-01"))
    p.sign_framework(amount=Decimal(1), **common("2021-05-01"))
    with pytest.raises(errors.AlreadyAgreed):
        p.sign_framework(amount=Decimal(2), **common("2021-05-02"))


def test_refused_commands_record_nothing():
    p = new_project()
    before = list(p.pending_events)
    for attempt in (
        lambda: p.receive_capital(amount=Decimal(1), **common("2021-04-01")),
        lambda: p.sign_contract(amount=Decimal(1), **common("2020-01-01")),
        lambda: p.reopen(**common("2021-04-01")),
    ):
        with pytest.raises(errors.RuleViolation):
            attempt()
    assert p.pending_events == before
    assert p.version == 1


def test_late_entries_fold_in_business_date_order():
    """A visit recorded after the framework agreement but dated before it does not
    move the stage back; the stage dates follow business time."""
    p = new_project(on="2021-01-01")
    p.sign_framework(amount=Decimal(5), **common("2021-05-01"))
    p.log_visit(kind="reception", visit_id=uuid.uuid4(), projects=[], participants=None,
                **common("2021-02-01"))
    st = p.state
    assert st.stage == "framework"
    assert st.stage_dates == {"lead": date(2021, 1, 1), "negotiating": date(2021, 2, 1),
                              "framework": date(2021, 5, 1)}
    assert st.stage_since == date(2021, 5, 1)
