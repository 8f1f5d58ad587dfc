"""Which kind of day a date is under China's official calendar (``chinese_calendar``).

Statutory holidays (法定节假日, including the weekend days inside a holiday period) and 调休
make-up working days decide which list of hours applies. For a year the library does not know
yet (the State Council publishes each year's arrangement late in the previous year), only the
holidays fixed by law count and the day is marked ``known=False``, so answers can add a caveat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import chinese_calendar

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# chinese_calendar's English names -> what residents call them
HOLIDAY_ZH: Dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
# Holidays on fixed solar dates under 《全国年节及纪念日放假办法》: known even before a year's
# 调休 arrangement is published.
FIXED_HOLIDAYS: Dict[Tuple[int, int], str] = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}


class DayKind(str, Enum):
    WORKDAY = "workday"  # Monday-Friday working day
    SATURDAY = "saturday"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"  # statutory holiday (法定节假日), incl. weekend days inside the period
    MAKEUP = "makeup"  # 调休 make-up working day on a weekend


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    holiday: Optional[str] = None  # Chinese holiday name for HOLIDAY and MAKEUP days
    known: bool = True  # False: this year's holiday arrangement is not published yet

    @property
    def hours_key(self) -> str:
        if self.kind in (DayKind.WORKDAY, DayKind.MAKEUP):
            return "weekday"
        return self.kind.value

    @property
    def weekday_zh(self) -> str:
        return WEEKDAYS_ZH[self.day.weekday()]


def calendar_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def classify_day(day: date) -> DayInfo:
    """Which kind of day ``day`` is under China's official holiday arrangement."""
    weekend = day.weekday() >= 5
    try:
        workday = chinese_calendar.is_workday(day)
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        fixed = FIXED_HOLIDAYS.get((day.month, day.day))
        if fixed:
            return DayInfo(day, DayKind.HOLIDAY, fixed, known=False)
        return DayInfo(day, _weekly_kind(day), None, known=False)
    zh = HOLIDAY_ZH.get(name, name) if name else None
    if workday:
        return DayInfo(day, DayKind.MAKEUP, zh) if weekend else DayInfo(day, DayKind.WORKDAY)
    if name:
        return DayInfo(day, DayKind.HOLIDAY, zh)
    return DayInfo(day, _weekly_kind(day))


def _weekly_kind(day: date) -> DayKind:
    return {5: DayKind.SATURDAY, 6: DayKind.SUNDAY}.get(day.weekday(), DayKind.WORKDAY)


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    year: int
    days: Tuple[date, ...]  # the days off, in order; empty when not published
    makeup_days: Tuple[date, ...]  # 调休上班日 belonging to this holiday
    known: bool

    @property
    def first(self) -> Optional[date]:
        return self.days[0] if self.days else None

    @property
    def last(self) -> Optional[date]:
        return self.days[-1] if self.days else None


@lru_cache(maxsize=64)
def holiday_period(name: str, year: int) -> HolidayPeriod:
    """The days off and make-up days of one holiday (Chinese name) in one year."""
    if not calendar_knows(year):
        fixed = tuple(date(year, m, d) for (m, d), n in sorted(FIXED_HOLIDAYS.items()) if n == name)
        return HolidayPeriod(name, year, fixed, (), known=False)
    days: List[date] = []
    makeup: List[date] = []
    # 调休 days may fall in the neighbouring year (e.g. 元旦 make-up in late December)
    start, end = date(year - 1, 12, 1), date(year, 12, 31)
    current = start
    while current <= end:
        info = classify_day(current) if calendar_knows(current.year) else None
        if info and info.holiday == name:
            if info.kind == DayKind.HOLIDAY and current.year == year:
                days.append(current)
            elif info.kind == DayKind.MAKEUP:
                makeup.append(current)
        current += timedelta(days=1)
    if days:  # keep only make-up days near this year's period (not last year's same holiday)
        makeup = [d for d in makeup if abs((d - days[0]).days) <= 60]
    return HolidayPeriod(name, year, tuple(days), tuple(makeup), known=True)


def upcoming_holiday(name: str, today: date) -> HolidayPeriod:
    """This year's holiday, or next year's when this year's is over."""
    period = holiday_period(name, today.year)
    if period.last is not None and period.last < today:
        return holiday_period(name, today.year + 1)
    if period.known and not period.days:  # e.g. a one-off holiday that does not recur
        return holiday_period(name, today.year + 1)
    return period
