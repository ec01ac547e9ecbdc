"""Parsing what a person types: the accepted forms, the refusals, and properties."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.text.errors import InvalidValue
from crm.text.inputs import ContactInput, VisitInput
from crm.text.parsing import (
    parse_amount,
    parse_area,
    parse_date,
    parse_name,
    parse_quarter,
    parse_sector,
    parse_visit_kind,
)
from crm.text.tables import money, yuan


@pytest.mark.parametrize("text", ["350000000", "3.5亿", "3.5亿元", "35000万", "35000万元",
                                  "350,000,000", "３.５亿", " 3.5 亿 ", "350000000元"])
def test_amount_forms(text):
    assert parse_amount(text) == Decimal(350_000_000)


@pytest.mark.parametrize("text, expected", [
    ("9999万", Decimal(99_990_000)), ("0.01", Decimal("0.01")), ("1.2345亿", Decimal(123_450_000)),
    ("-5", Decimal(-5)),  # parsed; the domain refuses it as not positive
])
def test_amount_values(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "3.5亿x", "3.5e8", "亿", "1,23", "0.001",
                                  "1.0000000000001万", "3.5 million", "1" * 41, "nan", "inf"])
def test_amount_refusals_name_the_value(text):
    with pytest.raises(InvalidValue) as e:
        parse_amount(text, "--amount")
    assert "--amount" in str(e.value) and repr(text) in str(e.value)


@pytest.mark.parametrize("text, expected", [("120.5", "120.5"), ("60", "60"), ("0.25亩", "0.25")])
def test_area_forms(text, expected):
    assert parse_area(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["x", "1.00001", "12亩地", ""])
def test_area_refusals(text):
    with pytest.raises(InvalidValue):
        parse_area(text)


@pytest.mark.parametrize("text", ["2021-08-03", "2021/8/3", "2021年8月3日", "2021/08/03",
                                  "２０２１年８月３日"])
def test_date_forms(text):
    assert parse_date(text) == date(2021, 8, 3)


@pytest.mark.parametrize("text", ["2021-02-30", "2021-13-01", "03/08/2021", "yesterday",
                                  "2021-8", "2021年8月"])
def test_date_refusals(text):
    with pytest.raises(InvalidValue) as e:
        parse_date(text)
    assert repr(text) in str(e.value)


def test_leap_day():
    assert parse_date("2020-02-29") == date(2020, 2, 29)
    with pytest.raises(InvalidValue):
        parse_date("2021-02-29")


@pytest.mark.parametrize("text, kind", [("outbound", "outbound"), ("外出招商", "outbound"),
                                        ("接待客商", "reception"), ("Pairing", "pairing"),
                                        ("山海协作", "pairing"), ("online", "online")])
def test_visit_kinds(text, kind):
    assert parse_visit_kind(text) == kind


def test_unknown_visit_kind():
    with pytest.raises(InvalidValue, match="'golf'"):
        parse_visit_kind("golf")


def test_sectors(monkeypatch):
    assert parse_sector("新能源") == "新能源"
    assert parse_sector("new-energy") == "新能源"
    with pytest.raises(InvalidValue, match="化工"):
        parse_sector("化工")
    monkeypatch.setenv("CRM_SECTORS", "化工,新能源")
    assert parse_sector("化工") == "化工"
    with pytest.raises(InvalidValue):
        parse_sector("大健康")


def test_quarters():
    assert parse_quarter("2021Q3") == (2021, 3)
    assert parse_quarter("2021q1") == (2021, 1)
    with pytest.raises(InvalidValue):
        parse_quarter("2021Q5")


def test_names():
    assert parse_name("  星河光伏 ") == "星河光伏"
    for bad in ["", "   ", "a\x00b", "x" * 101]:
        with pytest.raises(InvalidValue):
            parse_name(bad)


def test_models_bundle_the_parsers():
    data = ContactInput.parse(name="A", investor="I", sector="新能源", planned="2亿",
                              occurred_on="2021年3月1日", channel=None, region=None, owner=None,
                              relocation=True, note=None)
    assert data.planned == Decimal(200_000_000) and data.occurred_on == date(2021, 3, 1)
    with pytest.raises(InvalidValue, match="--date"):
        VisitInput.parse(names=("A",), kind="outbound", occurred_on="someday",
                         participants=None, note=None)
    with pytest.raises(InvalidValue, match="--investor"):
        ContactInput.parse(name="A", investor="  ", sector="新能源", planned="1",
                           occurred_on=None, channel=None, region=None, owner=None,
                           relocation=False, note=None)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000000000"),
                      places=2, allow_nan=False, allow_infinity=False)


@given(amounts)
def test_every_printed_amount_parses_back(amount):
    assert parse_amount(money(amount)) == amount
    assert parse_amount(yuan(amount)) == amount


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_no_input_crashes_the_parsers(text):
    for parse in (parse_amount, parse_area, parse_date, parse_quarter, parse_visit_kind,
                  parse_sector, parse_name):
        try:
            parse(text)
        except InvalidValue:
            pass


@given(st.from_regex(r"[+-]?[0-9,.]{0,20}(亿元|亿|万元|万|元)?", fullmatch=True))
def test_number_like_input_never_crashes(text):
    try:
        result = parse_amount(text)
    except InvalidValue:
        return
    assert result == result.quantize(Decimal("0.01"))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_date_form_parses_back(d):
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d


@pytest.mark.parametrize("text", ["1000000000000000000000000", "99999999999999999999亿", "1" * 40])
def test_huge_numbers_are_refused_not_crashed_on(text):
    with pytest.raises(InvalidValue):
        parse_amount(text)
    with pytest.raises(InvalidValue):
        parse_area(text)


def test_the_largest_amount_is_ten_thousand_yi():
    assert parse_amount("10000亿") == Decimal(10) ** 12
    for text in ("10000.01亿", "1000000000000.01", "1e30", "1e400", "NaN", "0.001", "Infinity"):
        with pytest.raises(InvalidValue):
            parse_amount(text)
