"""When the desk has staff: hours per weekday, statutory holidays and 调休 from the official calendar.

Pure functions over a :class:`DeskHours` and a moment, so tests use fixed clocks; the file is
read again when it changes, so a new timetable applies from the next handoff without a restart.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import yaml

from bot.config import PROJECT_ROOT
from bot.hours.calendar import WEEKDAYS_ZH, DayKind, classify_day
from bot.hours.clock import TZ, to_local
from bot.hours.schedule import Period, fmt_periods, parse_period

logger = logging.getLogger(__name__)

DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_FILE = PROJECT_ROOT / "data" / "desk" / "hours.yml"


@dataclass(frozen=True)
class DeskHours:
    """Opening periods per weekday, on statutory holidays and on 调休 make-up working days."""

    weekly: Tuple[Tuple[Period, ...], ...]  # Monday first
    holiday: Tuple[Period, ...] = ()
    makeup: Tuple[Period, ...] = ()
    average_handling_minutes: float = 4.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> DeskHours:
        def periods(key: str) -> Tuple[Period, ...]:
            values = data.get(key) or []
            if not isinstance(values, list):
                raise ValueError(f"{key} 应为时间段列表，如 [\"09:00-12:00\"]")
            parsed = tuple(sorted(parse_period(str(v)) for v in values))
            for start, end in parsed:
                if not 0 <= start < end <= 24 * 60:
                    raise ValueError(f"{key} 的时间段 {start}-{end} 无效")
            return parsed

        weekly = tuple(periods(key) for key in DAY_KEYS)
        makeup = periods("makeup") if data.get("makeup") is not None else weekly[0]
        minutes = float(data.get("average_handling_minutes") or 4)  # type: ignore[arg-type]
        return cls(weekly, periods("holiday"), makeup, max(0.5, minutes))

    def periods_on(self, day: date) -> Tuple[Period, ...]:
        info = classify_day(day)
        if info.kind is DayKind.HOLIDAY:
            return self.holiday
        if info.kind is DayKind.MAKEUP:
            return self.makeup
        return self.weekly[day.weekday()]

    def is_open(self, when: datetime) -> bool:
        when = to_local(when)
        minute = when.hour * 60 + when.minute
        return any(start <= minute < end for start, end in self.periods_on(when.date()))

    def next_open(self, after: datetime, horizon_days: int = 31) -> Optional[datetime]:
        """The first opening strictly after ``after`` (None when the desk never opens)."""
        after = to_local(after)
        for offset in range(horizon_days + 1):
            day = after.date() + timedelta(days=offset)
            for start, _end in self.periods_on(day):
                moment = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(minutes=start)
                if moment > after:
                    return moment
        return None

    def describe(self) -> str:
        """The usual week in one line, for residents: 「周一至周五 09:00-12:00、13:30-17:30；周六 09:00-12:00」."""
        groups: List[Tuple[List[int], Tuple[Period, ...]]] = []
        for index, periods in enumerate(self.weekly):
            if groups and groups[-1][1] == periods and groups[-1][0][-1] == index - 1:
                groups[-1][0].append(index)
            else:
                groups.append(([index], periods))
        parts = []
        for days, periods in groups:
            if not periods:
                continue
            name = WEEKDAYS_ZH[days[0]] if len(days) == 1 else f"{WEEKDAYS_ZH[days[0]]}至{WEEKDAYS_ZH[days[-1]]}"
            parts.append(f"{name} {fmt_periods(periods)}")
        text = "；".join(parts) or "暂无人工服务时间"
        return text + ("，法定节假日休息" if not self.holiday else "")


def when_text(moment: datetime, now: datetime) -> str:
    """「今天 13:30」「明天 09:00」「12月1日（周一）09:00」 for a resident."""
    moment, now = to_local(moment), to_local(now)
    days = (moment.date() - now.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return f"今天 {clock}"
    if days == 1:
        return f"明天 {clock}"
    return f"{moment.month}月{moment.day}日（{WEEKDAYS_ZH[moment.weekday()]}）{clock}"


class _HoursFile:
    """The timetable file, read again when its modification time changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: Dict[str, Tuple[float, DeskHours]] = {}

    def load(self, path: Optional[Path] = None) -> DeskHours:
        path = path or Path(os.environ.get("DESK_HOURS_FILE") or DEFAULT_FILE)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            logger.error("desk hours file %s is missing: the desk counts as closed", path)
            return DeskHours(weekly=((),) * 7)
        with self._lock:
            cached = self._cache.get(str(path))
            if cached and cached[0] == mtime:
                return cached[1]
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                hours = DeskHours.from_mapping(data if isinstance(data, dict) else {})
            except (OSError, ValueError, yaml.YAMLError) as exc:
                if cached:
                    logger.error("desk hours file %s is invalid (%s): keeping the previous timetable", path, exc)
                    return cached[1]
                logger.error("desk hours file %s is invalid (%s): the desk counts as closed", path, exc)
                return DeskHours(weekly=((),) * 7)
            self._cache[str(path)] = (mtime, hours)
            return hours


desk_hours = _HoursFile().load
