"""Working days for the 公示 period: weekends are skipped."""

import datetime


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def next_working_day(day: datetime.date) -> datetime.date:
    """The day itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def working_period(start: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period of `days` working days beginning on or after `start`.

    A notice published on Thursday for 5 working days runs Thursday, Friday, Monday,
    Tuesday and Wednesday.
    """
    first = next_working_day(start)
    last = first
    for _ in range(days - 1):
        last = next_working_day(last + datetime.timedelta(days=1))
    return first, last
