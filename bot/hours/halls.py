"""Answers about the service centres' hours (the registry's locations): one centre, or all.

Pure functions of plain data and a clock, like the rest of :mod:`bot.hours`: the caller reads
the registry (off the event loop) and passes :class:`HallInfo` values in. The day and time
wording comes from :mod:`bot.hours.answers`; this module adds the address, phone and source
lines, and says things once when every centre has the same answer.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import List, Mapping, Optional, Sequence

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
from bot.hours.calendar import WEEKDAYS_ZH, classify_day
from bot.hours.clock import to_local
from bot.hours.phrases import WhenQuery
from bot.hours.schedule import fmt_minutes

logger = logging.getLogger(__name__)

ALL_HALLS = "各政务服务中心"
ASK_DISTRICT = "告诉我您在哪个区（例如“东湖区政务中心明天开门吗”），我可以给出该中心的详细办公时间、地址和电话。"


def short_name(name: str, city: str) -> str:
    """江州市东湖区政务服务中心 -> 东湖区政务服务中心; 江州市市民中心 -> 市民中心."""
    return name[len(city):] if city and name.startswith(city) and len(name) > len(city) + 1 else name


@dataclass(frozen=True)
class HallInfo:
    """A registry location as plain data (read in a worker thread, formatted on the loop)."""

    code: str
    name: str
    district: Optional[str]
    address: str
    phone: str
    hours: Mapping[str, Sequence[str]]
    hours_note: str
    source: str
    updated: Optional[date]

    def hall(self, city: str) -> Hall:
        return Hall(name=short_name(self.name, city), hours=self.hours, district=self.district,
                    address=self.address, phone=self.phone, hours_note=self.hours_note)


def registry_source_line(halls: Sequence[HallInfo]) -> str:
    """数据来源：江州市政务服务网（示例数据），更新于 2026-10-15 — the newest date of the halls given."""
    sources = list(dict.fromkeys(h.source for h in halls if h.source)) or ["政务服务事项库"]
    dates = [h.updated for h in halls if h.updated]
    line = f"数据来源：{'、'.join(sources)}"
    return line + (f"，更新于 {max(dates).isoformat()}" if dates else "")


def hall_answer(info: HallInfo, query: WhenQuery, now: datetime, city: str, *, schedule: bool = False) -> str:
    """Hours answer for one hall, then its address and phone, then the source line.

    ``schedule``: the resident asked for the timetable ("办公时间"), so the regular week follows.
    """
    hall = info.hall(city)
    text = answer_hours(hall, query, now)
    if schedule and query.holiday is None:
        text += f"常规作息：{regular_hours(hall.hours, hall.hours_note)}"
    contact = "，".join(x for x in (f"地址：{info.address}" if info.address else "",
                                   f"电话：{info.phone}" if info.phone else "") if x)
    lines = [text]
    if contact:
        lines.append(contact + "。")
    lines.append(registry_source_line([info]))
    return "\n".join(lines)


def halls_overview(infos: Sequence[HallInfo], query: WhenQuery, now: datetime, city: str, *,
                   schedule: bool = False) -> str:
    """All halls briefly, when the resident did not say which one."""
    now = to_local(now)
    today = now.date()
    halls = [i.hall(city) for i in infos]
    if schedule and query.holiday is None and not query.explicit_day:
        lines = [f"{ALL_HALLS}常规作息（调休上班日按工作日时间办公）："]
        lines += [f"· {h.name}：{weekly_summary(h.hours)}" for h in halls]
    elif query.is_now:
        lines = [f"{ALL_HALLS}现在（{WEEKDAYS_ZH[now.weekday()]} {now:%H:%M}）的办公情况："]
        lines += [f"· {h.name}：{status_line(h, now)}" for h in halls]
    else:
        placeholder = "\u0000"
        texts = [answer_hours(Hall(placeholder, h.hours), query, now, makeup_hours=False) for h in halls]
        if texts and all(t == texts[0] for t in texts):  # the same for every hall: say it once
            lines = [texts[0].replace(f"{placeholder} ", ALL_HALLS).replace(placeholder, ALL_HALLS)]
        elif query.holiday is not None or not query.days:
            lines = [answer_hours(h, query, now) for h in halls]
        else:
            lines = _compact_lines(halls, query, today)
    lines.append(ASK_DISTRICT)
    lines.append(registry_source_line(infos))
    return "\n".join(lines)


def _compact_lines(halls: Sequence[Hall], query: WhenQuery, today: date) -> List[str]:
    """One line per hall for the asked days: '· 东湖区政务服务中心：周六 09:00-12:00；周日 休息'."""
    infos = [classify_day(d) for d in query.days]
    lines = [unknown_caveat(date(y, 1, 1)) for y in sorted({i.day.year for i in infos if not i.known})]
    when = "、".join(day_heading(i, today) for i in infos)
    if query.about_lunch:
        when += "中午"
    elif query.at is not None:
        when += fmt_minutes(query.at)
    lines.append(f"{when}{ALL_HALLS}：")
    for hall in halls:
        parts = [compact_day(hall.hours, i, about_lunch=query.about_lunch, at=query.at) for i in infos]
        if len(infos) > 1:
            parts = [f"{i.weekday_zh} {p}" for i, p in zip(infos, parts, strict=True)]
        lines.append(f"· {hall.name}：{'；'.join(parts)}")
    return lines
