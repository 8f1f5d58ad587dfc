"""bot.hours.schedule: open, closed or on a lunch break at a moment, and the next opening."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.hours import TZ, DayKind, status_at
from tests.hours.support import HOURS, LUNCH, MAKEUP_SATURDAY, NATIONAL_DAY, SATURDAY, SUNDAY, WEDNESDAY


def test_normal_weekday_afternoon_is_open_until_closing() -> None:
    status = status_at(HOURS, WEDNESDAY)
    assert status.is_open and status.closes_at == "17:00" and not status.on_break


def test_lunch_break_is_closed_and_knows_when_it_reopens() -> None:
    status = status_at(HOURS, LUNCH)
    assert not status.is_open and status.on_break and not status.before_opening
    assert status.next_open == datetime(2026, 11, 4, 13, 30, tzinfo=TZ)


def test_before_opening_and_after_closing() -> None:
    assert status_at(HOURS, datetime(2026, 11, 4, 8, 10, tzinfo=TZ)).before_opening
    status = status_at(HOURS, datetime(2026, 11, 4, 17, 0, tzinfo=TZ))  # closing time itself is closed
    assert not status.is_open and status.next_open == datetime(2026, 11, 5, 9, 0, tzinfo=TZ)


def test_weekend_uses_saturday_hours_and_sunday_is_closed() -> None:
    assert status_at(HOURS, SATURDAY).is_open
    assert not status_at(HOURS, datetime(2026, 11, 7, 14, 0, tzinfo=TZ)).is_open
    sunday = status_at(HOURS, SUNDAY)
    assert not sunday.is_open and sunday.periods == ()
    assert sunday.next_open == datetime(2026, 11, 9, 9, 0, tzinfo=TZ)


def test_statutory_holiday_is_closed_until_the_first_working_day_after_it() -> None:
    status = status_at(HOURS, NATIONAL_DAY)
    assert not status.is_open and status.day.kind == DayKind.HOLIDAY
    assert status.next_open == datetime(2026, 10, 8, 9, 0, tzinfo=TZ)


def test_makeup_saturday_uses_weekday_hours() -> None:
    status = status_at(HOURS, MAKEUP_SATURDAY)  # 14:00: closed on a normal Saturday, open on a weekday
    assert status.is_open and status.day.kind == DayKind.MAKEUP and status.closes_at == "17:00"


def test_naive_and_utc_clocks_are_read_as_beijing_time() -> None:
    assert status_at(HOURS, datetime(2026, 11, 4, 10, 0)).is_open  # naive = Asia/Shanghai
    utc = datetime(2026, 11, 4, 2, 5, tzinfo=timezone.utc)  # 10:05 in Beijing
    assert status_at(HOURS, utc).is_open
    assert not status_at(HOURS, datetime(2026, 11, 4, 10, 0, tzinfo=timezone.utc)).is_open  # 18:00 in Beijing
