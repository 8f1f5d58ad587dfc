"""Opening hours of service halls: is a hall open at a given moment, on a given day?

A location's ``hours`` holds four lists of ``"HH:MM-HH:MM"`` periods (empty list = closed)::

    {"weekday": ["09:00-12:00", "13:30-17:00"], "saturday": [...], "sunday": [], "holiday": []}

Which list applies to a date follows China's official calendar (``chinese_calendar``):
statutory holidays (法定节假日, including the weekend days inside a holiday period) use
``holiday``; 调休 make-up working days on a Saturday or Sunday use ``weekday``. For a year the
library does not know yet (the State Council publishes each year's arrangement late in the
previous year), the holidays fixed by law (元旦, 劳动节 5/1-5/2, 国庆节 10/1-10/3) still count as
holidays and every other date falls back to the regular weekly hours, with a caveat.

Everything here is pure: the caller passes the moment (``now``), so tests use fixed clocks.

One concern per module: :mod:`.clock` (time zone), :mod:`.calendar` (kind of day, holiday
periods), :mod:`.schedule` (open/closed/lunch break, next opening), :mod:`.phrases` (which day
and time a question is about), :mod:`.answers` (resident-facing text about one hall) and
:mod:`.halls` (the service centres' answers, with address, phone and source lines). This
package re-exports the names the rest of the bot imports, so importers keep using ``bot.hours``.
"""
from __future__ import annotations

from bot.hours.answers import (
    Hall,
    answer_hours,
    compact_day,
    day_heading,
    regular_hours,
    status_line,
    unknown_caveat,
    weekly_summary,
)
from bot.hours.calendar import WEEKDAYS_ZH, DayKind, classify_day, holiday_period
from bot.hours.clock import TZ, now_local, to_local
from bot.hours.halls import HallInfo, hall_answer, halls_overview
from bot.hours.phrases import WhenQuery, parse_when, wants_schedule
from bot.hours.schedule import fmt_minutes, status_at

__all__ = [
    "TZ",
    "WEEKDAYS_ZH",
    "DayKind",
    "Hall",
    "HallInfo",
    "WhenQuery",
    "answer_hours",
    "classify_day",
    "compact_day",
    "day_heading",
    "fmt_minutes",
    "hall_answer",
    "halls_overview",
    "holiday_period",
    "now_local",
    "parse_when",
    "regular_hours",
    "status_at",
    "status_line",
    "to_local",
    "unknown_caveat",
    "wants_schedule",
    "weekly_summary",
]
