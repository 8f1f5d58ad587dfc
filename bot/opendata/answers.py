"""Answers in plain Simplified Chinese about public facilities, built from the open-data cache.

Pure functions of their inputs (rows, clock, location): the actions only gather the inputs.
Every answer is non-empty and ends with its source and date. The service centres' hours are
registry data and are answered by :mod:`bot.hours.halls`.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any, Mapping, Optional, Sequence, Tuple

from bot.nlu.textnorm import halfwidth, simplified
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


_NEARBY_WORDS = re.compile(r"附近|最近|离我|周边|旁边|近点|近一点|怎么走")


def wants_nearby(text: str) -> bool:
    """"最近的 / 附近有没有": the resident would like the nearest ones, so we invite the location."""
    return bool(_NEARBY_WORDS.search(text or ""))


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
    order = list(dict.fromkeys(r["district"] for r in dataset.rows if r.get("district")))
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
    tail = ([f"还有 {len(pool) - limit} {kind.unit}未列出，发送您的位置可以查看离您最近的。"]
            if len(pool) > limit else [])
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

