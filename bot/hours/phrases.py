"""Reading which day and time a question is about: 今天/明天/周六/国庆节/中午/现在, dates, clock times.

A holiday word resolves to that holiday's whole period (dates from the calendar); anything else
to a list of days plus an optional minute of day; with no day or time given, "right now".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import List, Optional, Sequence, Tuple

from bot.hours.calendar import DayKind, HolidayPeriod, calendar_knows, classify_day, upcoming_holiday
from bot.hours.clock import to_local

# words residents use for each holiday; "十一"/"五一" must not be part of a time or date
_HOLIDAY_WORDS: Sequence[Tuple[str, str]] = (
    (r"元旦", "元旦"),
    (r"春节|过年|大年初[一二三]|除夕", "春节"),
    (r"清明", "清明节"),
    (r"劳动节|(?<![\d十])五一(?![点号日时\d])|(?<!\d)51(?![\d点号日时])", "劳动节"),
    (r"端午", "端午节"),
    (r"中秋", "中秋节"),
    (r"国庆|(?<![\d一二三四五六七八九十])十一(?![点号月日时\d])", "国庆节"),
)

_SCHEDULE_WORDS = re.compile(r"办公时间|上班时间|工作时间|营业时间|作息|几点到几点|节假日|放假|周末")
_NOW_WORDS = re.compile(r"现在|此刻|这会儿?|目前|当前|马上|立刻|此时")
_LUNCH_WORDS = re.compile(r"中午|午休|午饭|午间|午餐")
_WEEKDAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": -1}
_WEEKDAY_RE = re.compile(r"(下下|下个?|这个?|本|上个?)?(?:周|星期|礼拜)([一二三四五六日天末1-7])")
_REL_DAYS = (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("明儿", 1), ("今天", 0), ("今日", 0), ("今儿", 0))
_ISO_DATE = re.compile(r"(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MD_DATE = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号]")
_TIME_HM = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)")
_TIME_ZH = re.compile(r"(上午|早上|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})"
                      r"\s*点\s*(半|(\d{1,2})分?)?")
_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass(frozen=True)
class WhenQuery:
    """What moment or day a resident asks about."""

    days: Tuple[date, ...]  # empty only when a holiday's date is not published
    at: Optional[int] = None  # minute of day asked about (explicit time or now)
    is_now: bool = False
    about_lunch: bool = False
    holiday: Optional[HolidayPeriod] = None  # the resident asked about a holiday period
    explicit_day: bool = False  # a day word was given (not just the default "today")


def parse_when(text: str, now: datetime, day_entity: Optional[str] = None) -> WhenQuery:
    """Read the day and time a question is about; default: right now."""
    now = to_local(now)
    today = now.date()
    source = " ".join(part for part in (day_entity, text) if part)

    for pattern, name in _HOLIDAY_WORDS:
        if re.search(pattern, source):
            period = upcoming_holiday(name, today)
            return WhenQuery(days=period.days, holiday=period, explicit_day=True,
                             about_lunch=bool(_LUNCH_WORDS.search(source)))

    found: List[Optional[date]] = []  # None for impossible dates ("2月30日"), dropped below
    for match in _ISO_DATE.finditer(source):
        found.append(_safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    for match in _MD_DATE.finditer(_ISO_DATE.sub(" ", source)):
        month, dom = int(match.group(1)), int(match.group(2))
        candidate = _safe_date(today.year, month, dom)
        if candidate and candidate < today - timedelta(days=31):  # "1月3日" asked in December
            candidate = _safe_date(today.year + 1, month, dom)
        found.append(candidate)
    for word, offset in _REL_DAYS:
        if word in source and not (word == "后天" and "大后天" in source):
            found.append(today + timedelta(days=offset))
    for match in _WEEKDAY_RE.finditer(source):
        found.extend(_weekday_dates(match.group(1) or "", match.group(2), today))
    days = [d for d in dict.fromkeys(found) if d is not None]
    if not days and "调休" in source:  # "调休那天上班吗": the next make-up working day, if published
        days = [d for d in (_next_makeup_day(today),) if d is not None]

    about_lunch = bool(_LUNCH_WORDS.search(source))
    at = _parse_time(source)
    explicit_day = bool(days)
    is_now = False
    if not days:
        days = [today]
        if at is None and not about_lunch:
            is_now = True  # "开门吗" / "现在开门吗": right now
    if days == [today] and at is None and not about_lunch:
        is_now = True  # "今天开门吗" / "现在还开着吗": the status right now answers it best
    if is_now:
        at = now.hour * 60 + now.minute
    return WhenQuery(days=tuple(days), at=at, is_now=is_now, about_lunch=about_lunch, explicit_day=explicit_day)


def wants_schedule(text: str) -> bool:
    """"办公时间是几点 / 节假日上班吗": the resident wants the regular timetable, not only one day."""
    return bool(_SCHEDULE_WORDS.search(text or ""))


def _next_makeup_day(today: date, horizon_days: int = 366) -> Optional[date]:
    for offset in range(horizon_days):
        day = today + timedelta(days=offset)
        if not calendar_knows(day.year):
            return None
        if classify_day(day).kind == DayKind.MAKEUP:
            return day
    return None


def _safe_date(year: int, month: int, dom: int) -> Optional[date]:
    try:
        return date(year, month, dom)
    except ValueError:
        return None


def _weekday_dates(prefix: str, char: str, today: date) -> List[date]:
    target = int(char) - 1 if char.isdigit() else _WEEKDAY_CHARS[char]
    monday = today - timedelta(days=today.weekday())
    weeks = 2 if prefix.startswith("下下") else 1 if prefix.startswith("下") else -1 if prefix.startswith("上") else 0
    targets = [5, 6] if target == -1 else [target]
    result = []
    for t in targets:
        day = monday + timedelta(days=7 * weeks + t)
        if not prefix and day < today:  # a bare "周一" asked on Wednesday means next Monday
            day += timedelta(days=7)
        result.append(day)
    return result


def _parse_time(source: str) -> Optional[int]:
    match = _TIME_HM.search(source)
    if match:
        return int(match.group(1)) * 60 + int(match.group(2))
    match = _TIME_ZH.search(source)
    if not match:
        return None
    raw = match.group(2)
    hour = int(raw) if raw.isdigit() else _zh_number(raw)
    if hour is None or hour > 24:
        return None
    minute = 30 if match.group(3) == "半" else int(match.group(4) or 0)
    if match.group(1) in ("下午", "傍晚", "晚上") and hour < 12:
        hour += 12
    elif match.group(1) == "中午" and hour < 6:
        hour += 12
    elif match.group(1) is None and 1 <= hour <= 6:  # "5点关门吗" in office context means 17:00
        hour += 12
    return min(hour * 60 + minute, 24 * 60 - 1)


def _zh_number(raw: str) -> Optional[int]:
    if raw == "十":
        return 10
    if raw.startswith("十"):
        return 10 + _ZH_NUM.get(raw[1:], 0)
    if len(raw) == 2 and raw[1] == "十":
        return _ZH_NUM.get(raw[0], 0) * 10
    if len(raw) == 3 and raw[1] == "十":
        return _ZH_NUM.get(raw[0], 0) * 10 + _ZH_NUM.get(raw[2], 0)
    return _ZH_NUM.get(raw)
