import datetime

import pytest

from awards.calendar import working_period


@pytest.mark.parametrize(
    ("published", "days", "first", "last"),
    [
        # Thursday 14 Sep 2023: Thu, Fri, Mon, Tue, Wed.
        (datetime.date(2023, 9, 14), 5, datetime.date(2023, 9, 14), datetime.date(2023, 9, 20)),
        # Monday: the same week.
        (datetime.date(2023, 9, 11), 5, datetime.date(2023, 9, 11), datetime.date(2023, 9, 15)),
        # Saturday: the period starts on Monday.
        (datetime.date(2023, 9, 16), 5, datetime.date(2023, 9, 18), datetime.date(2023, 9, 22)),
        # Friday, one day.
        (datetime.date(2023, 9, 15), 1, datetime.date(2023, 9, 15), datetime.date(2023, 9, 15)),
        # Friday, seven days: Fri + Mon..Fri + Mon.
        (datetime.date(2023, 9, 15), 7, datetime.date(2023, 9, 15), datetime.date(2023, 9, 25)),
    ],
)
def test_working_period(published, days, first, last):
    assert working_period(published, days) == (first, last)
