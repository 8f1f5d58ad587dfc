"""bot.hours.calendar: the kind of each day and the holiday periods, from China's official calendar."""
from __future__ import annotations

from datetime import date

from bot.hours import DayKind, classify_day, holiday_period


def test_the_calendar_knows_the_fixed_dates() -> None:
    assert classify_day(date(2026, 11, 4)).kind == DayKind.WORKDAY
    assert classify_day(date(2026, 11, 7)).kind == DayKind.SATURDAY
    assert classify_day(date(2026, 11, 8)).kind == DayKind.SUNDAY
    holiday = classify_day(date(2026, 10, 2))
    assert (holiday.kind, holiday.holiday, holiday.known) == (DayKind.HOLIDAY, "国庆节", True)
    # a weekend day inside the holiday period is a holiday, not a plain Saturday
    assert classify_day(date(2026, 10, 3)).kind == DayKind.HOLIDAY
    makeup = classify_day(date(2026, 10, 10))
    assert (makeup.kind, makeup.holiday, makeup.hours_key) == (DayKind.MAKEUP, "国庆节", "weekday")
    assert classify_day(date(2026, 9, 20)).kind == DayKind.MAKEUP  # a 调休 Sunday


def test_a_holiday_period_has_its_dates_and_makeup_days() -> None:
    labour = holiday_period("劳动节", 2026)
    assert labour.first == date(2026, 5, 1) and labour.last == date(2026, 5, 5)
    assert labour.makeup_days == (date(2026, 5, 9),)


def test_a_year_beyond_the_calendar_falls_back_to_the_regular_week() -> None:
    info = classify_day(date(2027, 1, 5))
    assert not info.known and info.kind == DayKind.WORKDAY
