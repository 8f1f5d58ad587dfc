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
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
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

Period = Tuple[int, int]  # minutes since midnight, end exclusive; 24:00 = 1440


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


def now_local() -> datetime:
    """The real clock in Asia/Shanghai (actions take a clock so tests can fix it)."""
    return datetime.now(TZ)


def to_local(when: datetime) -> datetime:
    """Naive datetimes are taken as Asia/Shanghai wall time."""
    return when.replace(tzinfo=TZ) if when.tzinfo is None else when.astimezone(TZ)


# --- calendar ----------------------------------------------------------------------------------

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


# --- hours -------------------------------------------------------------------------------------

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
    return [(a[1], b[0]) for a, b in zip(periods, periods[1:]) if b[0] > a[1]]


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


# --- understanding "今天/明天/周六/国庆节/中午/现在" -------------------------------------------------

_NOW_WORDS = re.compile(r"现在|此刻|这会儿?|目前|当前|马上|立刻|此时")
_LUNCH_WORDS = re.compile(r"中午|午休|午饭|午间|午餐")
_WEEKDAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": -1}
_WEEKDAY_RE = re.compile(r"(下下|下个?|这个?|本|上个?)?(?:周|星期|礼拜)([一二三四五六日天末1-7])")
_REL_DAYS = (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("明儿", 1), ("今天", 0), ("今日", 0), ("今儿", 0))
_ISO_DATE = re.compile(r"(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MD_DATE = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号]")
_TIME_HM = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)")
_TIME_ZH = re.compile(r"(上午|早上|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*点\s*(半|(\d{1,2})分?)?")
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

    days: List[date] = []
    for match in _ISO_DATE.finditer(source):
        days.append(_safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    for match in _MD_DATE.finditer(_ISO_DATE.sub(" ", source)):
        month, dom = int(match.group(1)), int(match.group(2))
        candidate = _safe_date(today.year, month, dom)
        if candidate and candidate < today - timedelta(days=31):  # "1月3日" asked in December
            candidate = _safe_date(today.year + 1, month, dom)
        days.append(candidate)
    for word, offset in _REL_DAYS:
        if word in source and not (word == "后天" and "大后天" in source):
            days.append(today + timedelta(days=offset))
    for match in _WEEKDAY_RE.finditer(source):
        days.extend(_weekday_dates(match.group(1) or "", match.group(2), today))
    days = [d for d in dict.fromkeys(days) if d is not None]
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


# --- answers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hall:
    """What the hours answer needs to know about a location (plain data, no session)."""

    name: str
    hours: Mapping[str, Sequence[str]]
    district: Optional[str] = None
    address: str = ""
    phone: str = ""
    hours_note: str = ""


def day_label(day: date, today: date) -> str:
    """今天（10月10日 周六） / 10月12日（周一） / 2027年1月1日（周五）."""
    rel = {0: "今天", 1: "明天", 2: "后天"}.get((day - today).days)
    md = f"{day.month}月{day.day}日" if day.year == today.year else f"{day.year}年{day.month}月{day.day}日"
    weekday = WEEKDAYS_ZH[day.weekday()]
    return f"{rel}（{md} {weekday}）" if rel else f"{md}（{weekday}）"


def _day_kind_phrase(info: DayInfo) -> str:
    if info.kind == DayKind.HOLIDAY:
        return f"{info.holiday}假期" if info.known else f"{info.holiday}（法定节假日）"
    if info.kind == DayKind.MAKEUP:
        return f"{info.holiday}调休上班日"
    return ""


def describe_day(hours: Mapping[str, Sequence[str]], info: DayInfo) -> str:
    """'办公时间 09:00-12:00、13:30-17:00，中午 12:00-13:30 休息' or '休息，不办公'."""
    periods = periods_for(hours, info)
    if not periods:
        return "休息，不办公"
    text = f"办公时间 {fmt_periods(periods)}"
    gaps = breaks(periods)
    if gaps:
        text += f"，中午 {fmt_periods(gaps)} 休息"
    return text


def _next_open_phrase(moment: Optional[datetime], today: date) -> str:
    if moment is None:
        return "近两周暂无办公安排，请拨打电话咨询"
    return f"下次办公：{day_label(moment.date(), today)}{fmt_minutes(moment.hour * 60 + moment.minute)}"


def unknown_caveat(day: date) -> str:
    return (f"{day.year}年的法定节假日和调休安排尚未公布，以下按常规作息回答，"
            "如遇节假日请以届时官方通知为准。")


def compact_day(hours: Mapping[str, Sequence[str]], info: DayInfo, *, about_lunch: bool = False,
                at: Optional[int] = None) -> str:
    """Short form for lists of halls: '09:00-12:00、13:30-17:00' / '休息' / '12:00-13:30 午休'."""
    periods = periods_for(hours, info)
    if not periods:
        return "休息"
    if at is not None:
        return "在办公时间内" if any(a <= at < b for a, b in periods) else f"不在办公时间（{fmt_periods(periods)}）"
    if about_lunch:
        gaps = breaks(periods)
        return f"{fmt_periods(gaps)} 午休" if gaps else "中午不休息"
    return fmt_periods(periods)


def day_heading(info: DayInfo, today: date) -> str:
    """明天（11月5日 周四） plus the kind of day when it matters."""
    kind = _day_kind_phrase(info)
    if info.kind == DayKind.MAKEUP:
        kind += "，按工作日时间办公"
    return day_label(info.day, today) + (f"（{kind}）" if kind else "")


def weekly_summary(hours: Mapping[str, Sequence[str]]) -> str:
    """工作日 09:00-12:00、13:30-17:00；周六 09:00-12:00；周日休息；法定节假日休息."""
    parts = []
    for key, label in (("weekday", "工作日"), ("saturday", "周六"), ("sunday", "周日"), ("holiday", "法定节假日")):
        periods = sorted(parse_period(p) for p in (hours or {}).get(key) or [])
        parts.append(f"{label} {fmt_periods(periods)}" if periods else f"{label}休息")
    return "；".join(parts)


def answer_hours(hall: Hall, query: WhenQuery, now: datetime, *, makeup_hours: bool = True) -> str:
    """The full answer about one hall for one question (without address/source lines).

    ``makeup_hours=False`` leaves the weekday hours out of the 调休 sentence (for one answer
    covering several halls).
    """
    now = to_local(now)
    today = now.date()
    if query.holiday is not None:
        return _answer_holiday(hall, query.holiday, today, makeup_hours)
    sentences: List[str] = []
    caveat_years = sorted({d.year for d in query.days if not calendar_knows(d.year)})
    for year in caveat_years:
        sentences.append(unknown_caveat(date(year, 1, 1)))
    for index, day in enumerate(query.days):
        info = classify_day(day)
        who = f"{hall.name} " if index == 0 else ""  # name the hall once
        if query.is_now and day == today:
            sentences.append(_answer_now(hall, now))
        elif query.at is not None:
            sentences.append(_answer_at(hall, who, info, query.at, today))
        else:
            sentences.append(_answer_day(hall, who, info, today, query.about_lunch))
    return "".join(sentences)


def _answer_now(hall: Hall, now: datetime) -> str:
    today = now.date()
    status = status_at(hall.hours, now)
    info = status.day
    stamp = f"{info.weekday_zh} {now:%H:%M}"
    kind = _day_kind_phrase(info)
    kind_note = f"今天是{kind}，" if kind else ""
    periods = list(status.periods)
    today_hours = describe_day(hall.hours, info)
    if status.is_open:
        return f"{hall.name} 现在（{stamp}）正在办公，{kind_note}今天{today_hours}。"
    if status.on_break:
        reopen = next(p for p in periods if p[0] > now.hour * 60 + now.minute)
        return (f"{hall.name} 现在（{stamp}）是午休时间，{fmt_minutes(reopen[0])} 恢复办公。"
                f"{kind_note}今天{today_hours}。")
    if status.before_opening:
        return (f"{hall.name} 现在（{stamp}）还没开始办公，{kind_note}今天 {fmt_minutes(periods[0][0])} 开门，"
                f"{today_hours}。")
    if periods:
        return (f"{hall.name} 今天（{stamp}）已经下班了，{kind_note}今天{today_hours}。"
                f"{_next_open_phrase(status.next_open, today)}。")
    reason = f"今天是{kind}，休息不办公" if kind else f"今天{info.weekday_zh}休息，不办公"
    return f"{hall.name} 现在（{stamp}）不办公：{reason}。{_next_open_phrase(status.next_open, today)}。"


def _answer_day(hall: Hall, who: str, info: DayInfo, today: date, about_lunch: bool) -> str:
    label = day_label(info.day, today)
    kind = _day_kind_phrase(info)
    periods = periods_for(hall.hours, info)
    if info.kind == DayKind.MAKEUP:
        head = f"{who}{label}是{kind}，按工作日时间办公"
    elif kind:
        head = f"{who}{label}是{kind}"
    else:
        head = f"{who}{label}"
    if not periods:
        after = datetime(info.day.year, info.day.month, info.day.day, 23, 59, tzinfo=TZ)
        sep = "，" if kind else ""
        return f"{head}{sep}休息，不办公。{_next_open_phrase(next_opening(hall.hours, after), today)}。"
    sep = "：" if info.kind == DayKind.MAKEUP else "，" if kind else ""
    body = describe_day(hall.hours, info)
    if info.kind == DayKind.MAKEUP:
        body = body.replace("办公时间 ", "", 1)
    if about_lunch:
        gaps = breaks(periods)
        lunch = (f"中午 {fmt_periods(gaps)} 午休不办理，请在 {fmt_periods(periods)} 前往" if gaps
                 else "中午不休息，可以正常办理")
        return f"{head}{sep}{lunch}。"
    return f"{head}{sep}{body}。"


def _answer_at(hall: Hall, who: str, info: DayInfo, minute: int, today: date) -> str:
    label = day_label(info.day, today)
    periods = periods_for(hall.hours, info)
    kind = _day_kind_phrase(info)
    kind_note = f"（{kind}）" if kind else ""
    moment = fmt_minutes(minute)
    if any(a <= minute < b for a, b in periods):
        return f"{who}{label}{moment}在办公时间内{kind_note}，当天{describe_day(hall.hours, info)}。"
    if periods:
        return f"{who}{label}{moment}不在办公时间{kind_note}，当天{describe_day(hall.hours, info)}。"
    return f"{who}{label}{kind_note}休息，不办公。"


def _answer_holiday(hall: Hall, period: HolidayPeriod, today: date, makeup_hours: bool = True) -> str:
    name = period.name
    if not period.known and not period.days:
        holiday_hours = sorted(parse_period(p) for p in (hall.hours or {}).get("holiday") or [])
        state = f"法定节假日办公时间 {fmt_periods(holiday_hours)}" if holiday_hours else "法定节假日休息，不办公"
        return (f"{period.year}年{name}的放假安排尚未公布，具体放假日期暂不确定。{name}是法定节假日，"
                f"{hall.name} {state}；调休上班日按工作日时间办公，请以届时官方通知为准。")
    if not period.known:
        days = "、".join(f"{d.month}月{d.day}日" for d in period.days)
        open_days = [d for d in period.days if periods_for(hall.hours, classify_day(d))]
        state = "法定节假日休息，不办公" if not open_days else f"法定节假日{describe_day(hall.hours, classify_day(open_days[0]))}"
        return (f"{period.year}年{name}的具体放假和调休安排尚未公布。按规定 {days} 为法定节假日，"
                f"{hall.name} {state}；其余日期请以届时官方通知为准。")
    first, last = period.first, period.last
    assert first is not None and last is not None
    span = f"{first.month}月{first.day}日" if first == last else f"{first.month}月{first.day}日至{last.month}月{last.day}日"
    year = "" if first.year == today.year else f"{first.year}年"
    open_days = [(d, periods_for(hall.hours, classify_day(d))) for d in period.days]
    open_days = [(d, p) for d, p in open_days if p]
    if not open_days:
        text = f"{hall.name} {year}{name}假期（{span}）休息，不办公"
        after = datetime(last.year, last.month, last.day, 23, 59, tzinfo=TZ)
        resume = next_opening(hall.hours, after)
        if resume is not None:
            text += f"，{day_label(resume.date(), today)}起恢复办公。"
        else:
            text += "。"
    else:
        listed = "；".join(f"{d.month}月{d.day}日 {fmt_periods(p)}" for d, p in open_days)
        text = f"{hall.name} {year}{name}假期（{span}）安排：{listed}，其余日期休息。"
    if period.makeup_days:
        days = "、".join(f"{d.month}月{d.day}日（{WEEKDAYS_ZH[d.weekday()]}）" for d in period.makeup_days)
        weekday = sorted(parse_period(p) for p in (hall.hours or {}).get("weekday") or [])
        hours = f"（{fmt_periods(weekday)}）" if makeup_hours else ""
        text += f"调休上班：{days}按工作日时间办公{hours}。"
    return text


def status_line(hall: Hall, now: datetime) -> str:
    """One short line for a list of halls: '正在办公，17:00 下班' / '午休中，13:30 恢复办公'."""
    now = to_local(now)
    status = status_at(hall.hours, now)
    minute = now.hour * 60 + now.minute
    if status.is_open:
        return f"正在办公，{status.closes_at} {'下班' if status.current == status.periods[-1] else '午休'}"
    if status.on_break:
        reopen = next(p for p in status.periods if p[0] > minute)
        return f"午休中，{fmt_minutes(reopen[0])} 恢复办公"
    if status.before_opening:
        return f"今天 {fmt_minutes(status.periods[0][0])} 开门"
    if status.next_open is None:
        return "近期不办公"
    label = day_label(status.next_open.date(), now.date())
    when = fmt_minutes(status.next_open.hour * 60 + status.next_open.minute)
    if status.periods:
        return f"今天已下班，{label}{when} 开门"
    kind = _day_kind_phrase(status.day)
    return f"今天{kind or '休息'}不办公，{label}{when} 开门"
