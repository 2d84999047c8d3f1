"""Working days against the State Council's published schedules (国务院办公厅 holiday notices).

Expected dates are counted by hand from those notices; the comments show the count.
"""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
import pytest

from apps.core import workdays
from apps.core.models import CalendarDay
from apps.core.workdays import add_working_days, is_workday, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date

# The last year the installed chinesecalendar has a schedule for, read from the library itself.
LAST_KNOWN_YEAR = max(chinese_calendar.constants.holidays).year
# Years no schedule can exist for yet, so the Monday-Friday fallback applies whatever the pin. They are
# 2026, 2027 and 2028 plus 56 years: the calendar repeats every 28 years (no skipped leap year between),
# so the weekdays, and the hand counts below, are those of 2026-2028.
Y0, Y1, Y2 = 2082, 2083, 2084


@pytest.fixture(autouse=True)
def _reset_warned_years():
    workdays._warned_years.clear()
    yield
    workdays._warned_years.clear()


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# --- The official calendar -------------------------------------------------------------------

OFF = [
    *days(D(2025, 1, 28), D(2025, 2, 4)),  # 2025 春节
    *days(D(2025, 10, 1), D(2025, 10, 8)),  # 2025 国庆节、中秋节
    *days(D(2026, 2, 15), D(2026, 2, 23)),  # 2026 春节
    *days(D(2026, 10, 1), D(2026, 10, 7)),  # 2026 国庆节
]
MAKE_UP_WORKING_DAYS = [
    D(2025, 1, 26),  # Sunday
    D(2025, 2, 8),  # Saturday
    D(2025, 9, 28),  # Sunday
    D(2025, 10, 11),  # Saturday
    D(2026, 2, 14),  # Saturday
    D(2026, 2, 28),  # Saturday
    D(2026, 10, 10),  # Saturday
]


@pytest.mark.parametrize("day", OFF, ids=str)
def test_official_holidays_are_off(day):
    assert is_workday(day) is False


@pytest.mark.parametrize("day", MAKE_UP_WORKING_DAYS, ids=str)
def test_make_up_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_workday(day) is True


def test_ordinary_weekdays_and_weekends():
    assert is_workday(D(2025, 3, 12)) is True  # a Wednesday
    assert is_workday(D(2025, 3, 15)) is False  # a Saturday
    assert is_workday(D(2025, 3, 16)) is False  # a Sunday


def test_working_days_in_2025_and_2026():
    # 2025: 261 weekdays - 18 weekday holidays (元旦 1, 春节 6, 清明 1, 劳动节 3, 端午 1, 国庆中秋 6)
    # + 5 make-up days (01-26, 02-08, 04-27, 09-28, 10-11) = 248
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248
    # 2026: 261 weekdays - 19 (元旦 2, 春节 6, 清明 1, 劳动节 3, 端午 1, 中秋 1, 国庆 5)
    # + 6 make-up days (01-04, 02-14, 02-28, 05-09, 09-20, 10-10) = 248
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


# --- add_working_days ------------------------------------------------------------------------


def test_zero_days_is_the_start_itself_even_on_a_holiday():
    assert add_working_days(D(2025, 3, 12), 0) == D(2025, 3, 12)
    assert add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)


def test_negative_days_raise():
    with pytest.raises(ValueError, match="zero or positive"):
        add_working_days(D(2025, 3, 12), -1)


def test_plain_week():
    # Wed 03-12 → Thu 13 (1), Fri 14 (2), Mon 17 (3)
    assert add_working_days(D(2025, 3, 12), 1) == D(2025, 3, 13)
    assert add_working_days(D(2025, 3, 12), 3) == D(2025, 3, 17)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 2025 春节: Fri 01-24 → Sat 25 off, Sun 26 make-up (1)
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        # → 26 (1), Mon 27 (2), 28..02-04 off, Wed 02-05 (3)
        (D(2025, 1, 24), 3, D(2025, 2, 5)),
        # Mon 01-27 → 02-05 (1), 06 (2), 07 (3), Sat 08 make-up (4), Sun 09 off, Mon 10 (5)
        (D(2025, 1, 27), 5, D(2025, 2, 10)),
        # a 20-day limit from Mon 01-20: 21,22,23,24 (4), 26 (5), 27 (6), 02-05..08 (10), 10..14 (15), 17..21 (20)
        (D(2025, 1, 20), 20, D(2025, 2, 21)),
        # a holiday start: 02-01 → 02-05 (1)
        (D(2025, 2, 1), 1, D(2025, 2, 5)),
        # 2025 国庆: Fri 09-26 → Sat 27 off, Sun 28 make-up (1)
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        # → 28 (1), Mon 29 (2), Tue 30 (3)
        (D(2025, 9, 26), 3, D(2025, 9, 30)),
        # Tue 09-30 → 10-01..08 off, Thu 09 (1)
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        # → 09 (1), Fri 10 (2), Sat 11 make-up (3)
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        # → ... Sun 12 off, Mon 13 (4)
        (D(2025, 9, 30), 4, D(2025, 10, 13)),
        # 2026 春节: Fri 02-13 → Sat 14 make-up (1)
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        # → 14 (1), 15..23 off, Tue 24 (2)
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        # → 24 (2), 25 (3), 26 (4), 27 (5), Sat 28 make-up (6)
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        # → ... Sun 03-01 off, Mon 03-02 (7)
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        # 2026 国庆: Wed 09-30 → 10-01..07 off, Thu 08 (1), Fri 09 (2), Sat 10 make-up (3)
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
    ],
)
def test_add_working_days_across_holidays(start, n, expected):
    assert add_working_days(start, n) == expected


# --- working_days_between --------------------------------------------------------------------


def test_working_days_between_examples():
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 5)) == 3
    assert working_days_between(D(2025, 3, 12), D(2025, 3, 12)) == 0
    # (Fri 09-26, Sat 09-27]: a weekend day off
    assert working_days_between(D(2025, 9, 26), D(2025, 9, 27)) == 0


def test_working_days_between_is_negative_when_b_is_before_a():
    assert working_days_between(D(2025, 2, 5), D(2025, 1, 24)) == -3
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == -4


@pytest.mark.parametrize("n", [0, 1, 3, 14, 20])
def test_working_days_between_inverts_add_working_days(n):
    # every start day of 2025 and 2026 (holidays, make-up days and weekends included)
    for start in days(D(2025, 1, 1), D(2026, 11, 30)):
        end = add_working_days(start, n)
        assert working_days_between(start, end) == n, (start, n, end)
        assert working_days_between(end, start) == -n, (start, n, end)
        if n:
            assert is_workday(end), (start, n, end)


# --- Years the library does not know, and staff entries --------------------------------------


def test_the_fallback_years_are_unknown_to_the_library_and_weekday_twins_of_2026_to_2028():
    for year, twin in ((Y0, 2026), (Y1, 2027), (Y2, 2028)):
        assert year > LAST_KNOWN_YEAR
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(year, 3, 1))
        assert [D(year, m, 1).weekday() for m in range(1, 13)] == [D(twin, m, 1).weekday() for m in range(1, 13)]


def test_the_year_after_the_librarys_last_falls_back_to_monday_to_friday(caplog):
    # given the first year the installed library has no schedule for, and no staff entries
    caplog.set_level(logging.WARNING, logger="apps.core.workdays")
    unknown = LAST_KNOWN_YEAR + 1
    new_year = D(unknown, 1, 1)
    # when a limit runs from the library's last day into it
    result = add_working_days(D(LAST_KNOWN_YEAR, 12, 31), 10)
    # then its days count Monday to Friday, New Year's Day included when a weekday
    weekdays = [day for day in days(new_year, D(unknown, 1, 31)) if day.weekday() < 5]
    assert result == weekdays[9]
    assert is_workday(new_year) is (new_year.weekday() < 5)
    # and it is warned about once
    messages = [r.getMessage() for r in caplog.records if r.name == "apps.core.workdays"]
    assert len(messages) == 1
    assert f"no official schedule for {unknown}" in messages[0]
    assert workdays._warned_years == {unknown}


def test_year_end_falls_back_to_monday_to_friday_and_warns(caplog):
    # given years no library schedule covers and no staff entries
    caplog.set_level(logging.WARNING, logger="apps.core.workdays")
    # when a limit runs across the year end
    result = add_working_days(D(Y0, 12, 30), 5)
    # then Monday-Friday counts: Thu 12-31 (1), Fri 01-01 (2), Mon 04 (3), Tue 05 (4), Wed 06 (5)
    assert result == D(Y1, 1, 6)
    warnings = [r for r in caplog.records if r.name == "apps.core.workdays"]
    assert [w.levelno for w in warnings] == [logging.WARNING, logging.WARNING]
    assert f"no official schedule for {Y0}" in warnings[0].getMessage()
    assert f"no official schedule for {Y1}" in warnings[1].getMessage()
    assert workdays._warned_years == {Y0, Y1}


def test_fallback_warns_once_per_year(caplog):
    caplog.set_level(logging.WARNING, logger="apps.core.workdays")
    assert is_workday(D(Y1, 3, 1)) is True  # a Monday
    assert is_workday(D(Y1, 3, 6)) is False  # a Saturday
    assert add_working_days(D(Y1, 3, 5), 1) == D(Y1, 3, 8)
    assert is_workday(D(Y2, 3, 6)) is True  # a Monday in another unknown year
    messages = [r.getMessage() for r in caplog.records if r.name == "apps.core.workdays"]
    assert len(messages) == 2
    assert str(Y1) in messages[0]
    assert str(Y2) in messages[1]


def test_staff_entries_for_an_unknown_year_change_the_result():
    # Fallback: Thu 12-31 (1), Fri 01-01 (2), Mon 04..Fri 08 (3..7)
    assert add_working_days(D(Y0, 12, 30), 7) == D(Y1, 1, 8)

    # given staff enter 元旦 as a day off
    CalendarDay.objects.create(date=D(Y1, 1, 1), is_workday=False, name="元旦")
    # then: 12-31 (1), Mon 04..Fri 08 (2..6), Mon 11 (7)
    assert add_working_days(D(Y0, 12, 30), 7) == D(Y1, 1, 11)
    assert add_working_days(D(Y0, 12, 30), 5) == D(Y1, 1, 7)

    # and a make-up Saturday
    CalendarDay.objects.create(date=D(Y1, 1, 9), is_workday=True, name="调休上班")
    # then: 12-31 (1), 04..08 (2..6), Sat 09 (7)
    assert add_working_days(D(Y0, 12, 30), 7) == D(Y1, 1, 9)
    assert is_workday(D(Y1, 1, 9)) is True
    assert is_workday(D(Y1, 1, 1)) is False
    assert working_days_between(D(Y0, 12, 30), D(Y1, 1, 9)) == 7


def test_staff_entry_overrides_the_library_for_a_known_year():
    # given the library says Thu 2025-10-09 is a working day and Sat 10-04 a holiday
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # when staff correct both
    CalendarDay.objects.create(date=D(2025, 10, 9), is_workday=False, name="更正")
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 10)
    CalendarDay.objects.create(date=D(2025, 10, 4), is_workday=True, name="更正")
    # then the entries win
    assert is_workday(D(2025, 10, 9)) is False
    assert is_workday(D(2025, 10, 4)) is True
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 4)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 10)) == 2  # Sat 10-04 and Fri 10-10


def test_long_run_of_staff_days_off_extends_the_window():
    # given staff mark March and April 2025 off (61 days, beyond the first 42-day window)
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_workday=False, name="test") for day in days(D(2025, 3, 1), D(2025, 4, 30))
    )
    # then the next working day after 02-28 is after 劳动节 (05-01..05 off): Tue 05-06
    assert add_working_days(D(2025, 2, 28), 1) == D(2025, 5, 6)
    # and entries in the extended window count too
    CalendarDay.objects.create(date=D(2025, 5, 6), is_workday=False, name="test")
    assert add_working_days(D(2025, 2, 28), 1) == D(2025, 5, 7)
    assert add_working_days(D(2025, 2, 28), 2) == D(2025, 5, 8)
