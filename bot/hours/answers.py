"""Resident-facing answers about opening hours, in plain Simplified Chinese.

All wording lives here, built from the calendar, the schedule and a parsed question; the
callers (:mod:`bot.hours.halls`) add address and source lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import List, Mapping, Optional, Sequence

from bot.hours.calendar import (
    WEEKDAYS_ZH,
    DayInfo,
    DayKind,
    HolidayPeriod,
    calendar_knows,
    classify_day,
)
from bot.hours.clock import TZ, to_local
from bot.hours.phrases import WhenQuery
from bot.hours.schedule import (
    breaks,
    fmt_minutes,
    fmt_periods,
    next_opening,
    parse_period,
    periods_for,
    status_at,
)


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


def regular_hours(hours: Mapping[str, Sequence[str]], note: str = "") -> str:
    """The one wording of a centre's regular week, with the centre's own note after it.

    '工作日 09:00-12:00、13:30-17:00；周六休息；周日休息；法定节假日休息。（每月最后一个周六上午办公）'
    """
    text = f"{weekly_summary(hours)}。"
    return text + (f"（{note.rstrip('。')}）" if note else "")


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
        open_dates = [d for d in period.days if periods_for(hall.hours, classify_day(d))]
        state = ("法定节假日休息，不办公" if not open_dates
                 else f"法定节假日{describe_day(hall.hours, classify_day(open_dates[0]))}")
        return (f"{period.year}年{name}的具体放假和调休安排尚未公布。按规定 {days} 为法定节假日，"
                f"{hall.name} {state}；其余日期请以届时官方通知为准。")
    first, last = period.first, period.last
    assert first is not None and last is not None
    span = (f"{first.month}月{first.day}日" if first == last
            else f"{first.month}月{first.day}日至{last.month}月{last.day}日")
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
