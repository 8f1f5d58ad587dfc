"""Whether a hall is open at a moment: its periods on a classified day, lunch breaks, next opening.

Pure: the caller passes the moment (``now``), so tests use fixed clocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.hours.calendar import DayInfo, classify_day
from bot.hours.clock import TZ, to_local

Period = Tuple[int, int]  # minutes since midnight, end exclusive; 24:00 = 1440


def parse_period(text: str) -> Period:
    start, end = text.strip().split("-", 1)
    return _minutes(start), _minutes(end)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.strip().split(":")
    return int(hours) * 60 + int(minutes)


def fmt_minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def fmt_periods(periods: Iterable[Period]) -> str:
    return "、".join(f"{fmt_minutes(a)}-{fmt_minutes(b)}" for a, b in periods)


def periods_for(hours: Mapping[str, Sequence[str]], info: DayInfo) -> List[Period]:
    """The opening periods of a location on a classified day, sorted."""
    values = (hours or {}).get(info.hours_key) or []
    return sorted(parse_period(v) for v in values)


def breaks(periods: Sequence[Period]) -> List[Period]:
    """Gaps between periods of one day, e.g. the lunch break 12:00-13:30."""
    return [(a[1], b[0]) for a, b in pairwise(periods) if b[0] > a[1]]


@dataclass(frozen=True)
class OpenStatus:
    when: datetime
    day: DayInfo
    periods: Tuple[Period, ...]
    is_open: bool
    current: Optional[Period] = None  # the period we are in, when open
    on_break: bool = False  # between two periods of the same day (lunch break)
    before_opening: bool = False  # today opens later
    next_open: Optional[datetime] = None  # when closed: the next opening, if within two weeks

    @property
    def closes_at(self) -> Optional[str]:
        return fmt_minutes(self.current[1]) if self.current else None


def status_at(hours: Mapping[str, Sequence[str]], when: datetime) -> OpenStatus:
    """Whether a location with ``hours`` is open at ``when`` (Asia/Shanghai)."""
    when = to_local(when)
    info = classify_day(when.date())
    periods = tuple(periods_for(hours, info))
    minute = when.hour * 60 + when.minute
    for period in periods:
        if period[0] <= minute < period[1]:
            return OpenStatus(when, info, periods, True, current=period)
    later = [p for p in periods if p[0] > minute]
    earlier = [p for p in periods if p[1] <= minute]
    next_open = next_opening(hours, when)
    return OpenStatus(
        when,
        info,
        periods,
        False,
        on_break=bool(later and earlier),
        before_opening=bool(later and not earlier),
        next_open=next_open,
    )


def next_opening(hours: Mapping[str, Sequence[str]], after: datetime, horizon_days: int = 15) -> Optional[datetime]:
    """The first opening strictly after ``after`` within ``horizon_days``."""
    after = to_local(after)
    for offset in range(horizon_days + 1):
        day = after.date() + timedelta(days=offset)
        for start, _end in periods_for(hours, classify_day(day)):
            moment = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(minutes=start)
            if moment > after:
                return moment
    return None
