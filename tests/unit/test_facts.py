"""Folding facts into state on a business date."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from crm.domain.facts import Correction, Fact, effective_facts, fold, trace

T = datetime(2022, 1, 1, tzinfo=timezone.utc)


def fact(seq, event, on, **fields):
    return Fact(seq=seq, event=event, occurred_on=date.fromisoformat(on), recorded_at=T,
                recorded_by="t", fields=fields)


FACTS = [
    fact(1, "ContactMade", "2021-01-10", name="A", investor="I", sector="新能源",
         planned=Decimal(100), relocation=True),
    fact(2, "VisitLogged", "2021-02-01", kind="outbound"),
    fact(3, "ContractSigned", "2021-03-01", amount=Decimal(300)),
    fact(4, "CapitalArrived", "2021-04-01", amount=Decimal(50)),
    fact(5, "CapitalArrived", "2021-05-01", amount=Decimal(25)),
    fact(6, "ProjectDropped", "2021-06-01", reason="r"),
]


def test_state_as_of_a_date():
    assert fold(FACTS, as_of=date(2021, 1, 9)) is None
    assert fold(FACTS, as_of=date(2021, 1, 10)).stage == "lead"
    st = fold(FACTS, as_of=date(2021, 4, 30))
    assert (st.stage, st.capital, st.investment) == ("capital", Decimal(50), Decimal(300))
    st = fold(FACTS)
    assert (st.stage, st.capital, st.dropped_on) == ("dropped", Decimal(75), date(2021, 6, 1))


def test_trace_has_one_step_per_business_day():
    state, steps = trace(FACTS)
    assert [d.isoformat() for d, *_ in steps] == [
        "2021-01-10", "2021-02-01", "2021-03-01", "2021-04-01", "2021-05-01", "2021-06-01"]
    assert [s for _, s, _, _ in steps] == [
        "lead", "negotiating", "signed", "capital", "capital", "dropped"]
    assert [c for *_, c in steps] == [0, 0, 0, 50, 75, 75]
    assert [i for _, _, i, _ in steps] == [100, 100, 300, 300, 300, 300]
    assert state.stage_dates == {"lead": date(2021, 1, 10), "negotiating": date(2021, 2, 1),
                                 "signed": date(2021, 3, 1), "capital": date(2021, 4, 1),
                                 "dropped": date(2021, 6, 1)}


def test_corrections_supersede_fields_and_void_facts():
    fixes = [
        Correction(seq=7, target=3, changes={"amount": Decimal(400)}, void=False, reason="typo",
                   recorded_at=T, recorded_by="t"),
        Correction(seq=8, target=5, changes={}, void=True, reason="duplicate", recorded_at=T,
                   recorded_by="t"),
        Correction(seq=9, target=4, changes={"occurred_on": date(2021, 3, 15)}, void=False,
                   reason="date", recorded_at=T, recorded_by="t"),
    ]
    st = fold(effective_facts(FACTS, fixes), as_of=date(2021, 3, 31))
    assert (st.contracted, st.capital, st.stage) == (Decimal(400), Decimal(50), "capital")
    assert fold(effective_facts(FACTS, fixes)).capital == Decimal(50)
