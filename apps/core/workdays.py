"""Chinese working days: official holidays and make-up working days (调休).

Where a day's status comes from, first match wins:
1. ``CalendarDay`` rows staff entered in the admin (also corrections);
2. the ``chinesecalendar`` library (the State Council's published schedule);
3. Monday to Friday, for a year neither knows yet — logged once per year, never an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import chinese_calendar

logger = logging.getLogger(__name__)

_warned_years: set[int] = set()


def _table(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def _library_or_weekday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "working-day calendar: no official schedule for %s; counting Monday-Friday. "
                "Enter the year's holidays and make-up days in the admin (日历调整).",
                day.year,
            )
        return day.weekday() < 5


class _Calendar:
    """Answers is_workday for a window of days with one query for the staff table."""

    def __init__(self, start: dt.date, end: dt.date):
        self.start, self.end = start, end
        self.table = _table(start, end)

    def extend(self, end: dt.date) -> None:
        self.table.update(_table(self.end + dt.timedelta(days=1), end))
        self.end = end

    def is_workday(self, day: dt.date) -> bool:
        if day > self.end:
            self.extend(day + dt.timedelta(days=120))
        if day in self.table:
            return self.table[day]
        return _library_or_weekday(day)


def is_workday(day: dt.date) -> bool:
    return _Calendar(day, day).is_workday(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day strictly after ``start`` (``start`` itself when n is 0)."""
    if n < 0:
        raise ValueError("n must be zero or positive")
    day = start
    calendar = _Calendar(start, start + dt.timedelta(days=n * 2 + 40))
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            remaining -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]: ``working_days_between(d, add_working_days(d, n)) == n``.

    Negative when b is before a (the days overdue, read the other way round).
    """
    if b < a:
        return -working_days_between(b, a)
    calendar = _Calendar(a, b)
    count = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def working_days_from(a: dt.date, days: Iterable[dt.date]) -> dict[dt.date, int]:
    """``working_days_between(a, d)`` for each of ``days``, with one calendar (one query) for all:
    a list's "working days left" per row."""
    wanted = set(days)
    if not wanted:
        return {}
    start, end = min(wanted | {a}), max(wanted | {a})
    calendar = _Calendar(start, end)
    counted: dict[dt.date, int] = {}
    running, day = 0, start
    # Working days in (start, day] for every day of the window, then each answer as a difference.
    while day <= end:
        if day > start and calendar.is_workday(day):
            running += 1
        counted[day] = running
        day += dt.timedelta(days=1)
    return {d: counted[d] - counted[a] for d in wanted}
