"""Dates typed in the ROC or the Gregorian calendar (pure parser) and the form field that uses it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from geo_portal.reissue.dates import parse_date
from geo_portal.reissue.forms import AmountField, FlexibleDateField

DAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    "text",
    [
        "115/12/02", "115/12/2", "115-12-02", "115.12.02", "1151202", "民國115年12月2日", "中華民國115年12月02日",
        "115年12月2日", "民國一一五年十二月二日", "民國一百一十五年十二月二日", "１１５／１２／０２", " 115 / 12 / 02 ",
        "2026-12-02", "2026/12/2", "2026.12.02", "20261202", "2026年12月2日",
    ],
)  # fmt: skip
def test_both_calendars_in_their_usual_forms(text):
    assert parse_date(text) == DAY


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("02/12/2026", "'02/12/2026': write the year first (2026-12-02 or 115/12/02)"),
        ("115/13/01", "'115/13/01' is not a date of the calendar (month 13, day 1)"),
        ("民國115年2月30日", "'民國115年2月30日' is not a date of the calendar (month 2, day 30)"),
        ("0/1/1", "'0/1/1': 民國 years start at 1"),
        ("next week", "'next week' is not a date"),
        ("", "no date given"),
    ],
)
def test_what_is_not_a_date_says_why(text, reason):
    with pytest.raises(ValueError) as exc:
        parse_date(text)
    assert str(exc.value) == reason


def test_the_form_fields_read_dates_and_whole_dollars():
    field = FlexibleDateField()
    assert field.clean("民國115年12月2日") == DAY
    with translation.override("en"), pytest.raises(Exception) as exc:
        field.clean("12/2")
    assert exc.value.messages == ["Enter a date such as 115/12/02, 民國115年12月2日 or 2026-12-02."]
    amount = AmountField()
    assert [amount.clean(t) for t in ("200", "1,200", "NT$200", "200元", "-50")] == [200, 1200, 200, 200, -50]
    with translation.override("en"), pytest.raises(Exception) as exc:
        amount.clean("2OO")
    assert exc.value.messages == ["Enter a whole number of NT dollars, such as 200."]
