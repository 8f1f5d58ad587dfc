"""Answers in plain Simplified Chinese, built from the cache (facilities) and the registry (halls).

Pure functions of their inputs (rows, clock, location): the actions only gather the inputs.
Every answer is non-empty and every open-data answer ends with its source and date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from bot.nlu.textnorm import halfwidth, simplified
from bot.hours import (
    WEEKDAYS_ZH,
    Hall,
    WhenQuery,
    answer_hours,
    classify_day,
    compact_day,
    day_heading,
    fmt_minutes,
    status_line,
    to_local,
    unknown_caveat,
    weekly_summary,
)
from bot.opendata.facilities import (
    AVAILABLE_LABELS,
    FacilityKind,
    contact_line,
    describe_row,
    district_counts,
    fmt_distance,
    keep_ownership,
    nearest,
    numbered,
)
from bot.opendata.store import CachedDataset

FAR_KM = 50.0  # nearer than this counts as "in the city"


def normalize_text(text: Optional[str]) -> str:
    """Full-width to half-width and traditional to simplified, as the NLU sees it."""
    return simplified(halfwidth(text or ""))


def short_name(name: str, city: str) -> str:
    """江州市东湖区政务服务中心 -> 东湖区政务服务中心; 江州市市民中心 -> 市民中心."""
    return name[len(city):] if city and name.startswith(city) and len(name) > len(city) + 1 else name


# --- facilities --------------------------------------------------------------------------------

def unavailable(label: str, hotline: str) -> str:
    return (f"抱歉，{label}的数据暂时无法获取（开放数据正在更新或暂不可用），请稍后再试，"
            f"也可以拨打 {hotline} 政务服务便民热线咨询。")


def ask_which_facility() -> str:
    return (f"您想找哪类场所？目前可以查：{AVAILABLE_LABELS}。"
            "可以加上区名，例如“东湖区有哪些三甲医院”，或在微信里发送您的位置，我帮您找最近的。")


def unknown_facility(word: str, hotline: str) -> str:
    return (f"暂时还没有“{word}”的开放数据。目前可以查：{AVAILABLE_LABELS}。"
            f"其他问题可以拨打 {hotline} 政务服务便民热线。")


def facility_answer(
    kind: FacilityKind,
    dataset: Optional[CachedDataset],
    *,
    district: Optional[str],
    here: Optional[Tuple[float, float]],
    now: datetime,
    hotline: str,
    city: str,
    stale_after_days: int = 14,
    limit: int = 5,
    nearest_count: int = 3,
    wants_nearby: bool = False,
    ownership: Optional[str] = None,
) -> str:
    if dataset is None or not dataset.rows:
        return unavailable(kind.label, hotline)
    rows = kind.select(dataset.rows)
    if ownership and any(r.get("nature") for r in rows):  # "公办小学", "民办养老院"
        rows = keep_ownership(rows, ownership)
        kind = replace(kind, label=ownership + kind.label)
    order = list(dict.fromkeys(r.get("district") for r in dataset.rows if r.get("district")))
    body = None
    if here is not None:
        body = _nearest_answer(kind, dataset, rows, district, here, nearest_count)
    if body is None and district:
        body = _district_answer(kind, dataset, rows, district, order, city, limit)
    if body is None:
        body = _city_answer(kind, dataset, rows, order, city, limit)
    if wants_nearby and here is None and "发送您的位置" not in body:
        body += "\n想按距离查找，可以在微信里发送您的位置（点“+”选“位置”）。"
    return f"{body}\n{dataset.source_line(now, stale_after_days)}"


def _entry(dataset: CachedDataset, index: int, row: Mapping[str, Any], distance: Optional[float] = None) -> str:
    head = f"{numbered(index)} {describe_row(dataset.name, row)}"
    if distance is not None:
        head += f"，{fmt_distance(distance)}"
    contact = contact_line(row)
    return f"{head}\n   {contact}" if contact else head


def _nearest_answer(kind: FacilityKind, dataset: CachedDataset, rows: Sequence[Mapping[str, Any]],
                    district: Optional[str], here: Tuple[float, float], count: int) -> Optional[str]:
    pool = [r for r in rows if r.get("district") == district] if district else list(rows)
    found = nearest(pool, here, count)
    if not found:
        return None
    where = district or ""
    if found[0][1] > FAR_KM:
        head = f"您的位置离江州市较远，{where}离您最近的{kind.label}（距离 {fmt_distance(found[0][1])}）："
    else:
        head = f"{where}离您最近的 {len(found)} {kind.unit}{kind.label}："
    lines = [_entry(dataset, i, row, km) for i, (row, km) in enumerate(found)]
    return "\n".join([head, *lines])


def _district_answer(kind: FacilityKind, dataset: CachedDataset, rows: Sequence[Mapping[str, Any]],
                     district: str, order: Sequence[str], city: str, limit: int) -> str:
    pool = [r for r in rows if r.get("district") == district]
    if not pool:
        counts = {d: n for d, n in district_counts(rows, order).items() if n}
        text = f"{district}暂时没有{kind.label}的记录。"
        if counts:
            spread = "、".join(f"{d} {n} {kind.unit}" for d, n in counts.items())
            text += f"{city}其他区：{spread}。可以告诉我想查哪个区，或发送您的位置查最近的。"
        return text
    head = f"{district}共有 {len(pool)} {kind.unit}{kind.label}"
    head += f"，列出前 {limit} {kind.unit}：" if len(pool) > limit else "："
    lines = [_entry(dataset, i, row) for i, row in enumerate(pool[:limit])]
    tail = [f"还有 {len(pool) - limit} {kind.unit}未列出，发送您的位置可以查看离您最近的。"] if len(pool) > limit else []
    return "\n".join([head, *lines, *tail])


def _city_answer(kind: FacilityKind, dataset: CachedDataset, rows: Sequence[Mapping[str, Any]],
                 order: Sequence[str], city: str, limit: int) -> str:
    if not rows:
        return f"{city}暂时没有{kind.label}的记录。"
    if len(rows) <= limit:
        lines = [_entry(dataset, i, row) for i, row in enumerate(rows)]
        return "\n".join([f"{city}共有 {len(rows)} {kind.unit}{kind.label}：", *lines])
    counts = {d: n for d, n in district_counts(rows, order).items() if n}
    spread = "、".join(f"{d} {n} {kind.unit}" for d, n in counts.items())
    return (f"{city}共有 {len(rows)} {kind.unit}{kind.label}，各区分布：{spread}。\n"
            f"告诉我您在哪个区（例如“{order[0] if order else '东湖区'}的{kind.label}”），"
            "或在微信里发送您的位置，我帮您找最近的。")


# --- service halls (registry locations) ---------------------------------------------------------

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


_SCHEDULE_WORDS = re.compile(r"办公时间|上班时间|工作时间|营业时间|作息|几点到几点|节假日|放假|周末")
_NEARBY_WORDS = re.compile(r"附近|最近|离我|周边|旁边|近点|近一点|怎么走")


def wants_nearby(text: str) -> bool:
    return bool(_NEARBY_WORDS.search(text or ""))


def wants_schedule(text: str) -> bool:
    return bool(_SCHEDULE_WORDS.search(text or ""))


def registry_source_line(halls: Sequence[HallInfo]) -> str:
    sources = list(dict.fromkeys(h.source for h in halls if h.source)) or ["政务服务事项库"]
    dates = [h.updated for h in halls if h.updated]
    line = f"数据来源：{'、'.join(sources)}"
    return line + (f"，更新于 {max(dates).isoformat()}" if dates else "")


def hall_answer(info: HallInfo, query: WhenQuery, now: datetime, city: str, *, schedule: bool = False) -> str:
    """Hours answer for one hall, then its address and phone, then the source line."""
    hall = info.hall(city)
    text = answer_hours(hall, query, now)
    if schedule and query.holiday is None:
        text += f"常规作息：{weekly_summary(hall.hours)}。"
        if info.hours_note:
            text += f"（{info.hours_note.rstrip('。')}）"
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
        lines = ["各政务服务中心常规作息（调休上班日按工作日时间办公）："]
        lines += [f"· {h.name}：{weekly_summary(h.hours)}" for h in halls]
    elif query.is_now:
        lines = [f"各政务服务中心现在（{WEEKDAYS_ZH[now.weekday()]} {now:%H:%M}）的办公情况："]
        lines += [f"· {h.name}：{status_line(h, now)}" for h in halls]
    else:
        placeholder = "\u0000"
        texts = [answer_hours(Hall(placeholder, h.hours), query, now, makeup_hours=False) for h in halls]
        if texts and all(t == texts[0] for t in texts):  # the same for every hall: say it once
            lines = [texts[0].replace(f"{placeholder} ", "各政务服务中心").replace(placeholder, "各政务服务中心")]
        elif query.holiday is not None or not query.days:
            lines = [answer_hours(h, query, now) for h in halls]
        else:
            lines = _compact_lines(halls, query, today)
    lines.append("告诉我您在哪个区（例如“东湖区政务中心明天开门吗”），我可以给出该中心的详细办公时间、地址和电话。")
    lines.append(registry_source_line(infos))
    return "\n".join(lines)


def _compact_lines(halls: Sequence[Hall], query: WhenQuery, today: date) -> List[str]:
    infos = [classify_day(d) for d in query.days]
    lines = [unknown_caveat(date(y, 1, 1)) for y in sorted({i.day.year for i in infos if not i.known})]
    when = "、".join(day_heading(i, today) for i in infos)
    if query.about_lunch:
        when += "中午"
    elif query.at is not None:
        when += fmt_minutes(query.at)
    lines.append(f"{when}各政务服务中心：")
    for hall in halls:
        parts = [compact_day(hall.hours, i, about_lunch=query.about_lunch, at=query.at) for i in infos]
        if len(infos) > 1:
            parts = [f"{i.weekday_zh} {p}" for i, p in zip(infos, parts)]
        lines.append(f"· {hall.name}：{'；'.join(parts)}")
    return lines
