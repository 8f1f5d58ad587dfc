"""The weekly open dataset of what residents asked the assistant: counts by service, district, intent
and outcome, in CKAN's ``datastore_search`` format with ``package_show`` metadata — the format the
project's open-data client reads (:mod:`bot.opendata.ckan`, ``file://`` folders included).

Anonymised by construction: only counts of typed messages (button presses are choices, not
questions), no text, no conversation or message ids; every value is from a closed list (registry item
names, the registry's districts, the domain's intents, five outcomes; anything else becomes 其他 /
未说明), and a combination asked fewer than :data:`MIN_CELL` times is left out (suppressed, not
rounded; no totals are published, so a left-out cell cannot be recovered by subtraction). ``_id`` is
CKAN's row number, nothing else. The week is an ISO week of Asia/Shanghai days.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from sqlalchemy import select

from bot.analytics.events import FALLBACK_INTENT, UserMessage, read_messages
from bot.analytics.report import Period
from bot.config import get_settings
from bot.db import session_scope
from bot.registry.models import ServiceItem
from bot.registry.repository import RegistryRepository

logger = logging.getLogger(__name__)

MIN_CELL = 5
OTHER_SERVICE = "（其他或未识别事项）"
NO_DISTRICT = "（未说明）"
OTHER_INTENT = "other"
OUTCOMES = {"commit": "找到事项", "choose": "请居民选择", "decline": "事项库外", "fallback": "未理解", "other": "其他"}
INTENT_LABELS = {
    "ask_service_guide": "办理流程", "ask_materials": "所需材料", "ask_time_limit": "办理时限", "ask_fee": "收费",
    "ask_online": "网上办理", "ask_where": "办理地点", "ask_hours": "办公时间", "ask_facility": "周边设施",
    "inform": "补充信息", "request_human": "转人工", "complain": "投诉服务", "greet": "问候", "goodbye": "告别",
    "thanks": "感谢", "affirm": "肯定", "deny": "否定", "bot_capabilities": "询问功能", "chitchat": "闲聊",
    "out_of_scope": "范围外", "rate": "评价", "report_problem": "反映问题", "make_suggestion": "提建议",
    "check_workorder": "查询工单", FALLBACK_INTENT: "未理解", OTHER_INTENT: "其他",
}
FIELDS = (("_id", "int"), ("周", "text"), ("事项", "text"), ("所属区", "text"), ("意图", "text"), ("意图名称", "text"),
          ("结果", "text"), ("次数", "int"))
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class ExportError(ValueError):
    """A week or folder the export cannot use; the message is for the operator."""


def parse_week(text: str) -> Tuple[str, Period]:
    """``2026-W47`` → (the canonical label, Monday to Sunday)."""
    match = _WEEK.fullmatch((text or "").strip().upper())
    if not match:
        raise ExportError(f"周的格式应为 YYYY-Www，例如 2026-W47：{text!r}")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ExportError(f"{year} 年没有第 {week} 周") from None
    return f"{year}-W{week:02d}", Period(monday, monday + timedelta(days=6))


def outcome(message: UserMessage) -> str:
    if message.fallback:
        return OUTCOMES["fallback"]
    if message.service or message.verdict == "commit":
        return OUTCOMES["commit"]
    if message.verdict in ("choose", "decline"):
        return OUTCOMES[message.verdict]
    return OUTCOMES["other"]


def cells(messages: Sequence[UserMessage], services: FrozenSet[str], districts: FrozenSet[str],
          intents: FrozenSet[str]) -> Counter:
    """(service, district, intent, outcome) → typed messages, every value from its closed list."""
    counts: Counter = Counter()
    for message in messages:
        if message.payload or not message.text.strip():
            continue
        service = message.service if message.service in services else OTHER_SERVICE
        district = message.district if message.district in districts else NO_DISTRICT
        intent = message.intent if message.intent in intents else OTHER_INTENT
        counts[(service, district, intent, outcome(message))] += 1
    return counts


def _closed_lists() -> Tuple[FrozenSet[str], FrozenSet[str], FrozenSet[str]]:
    from bot.intents import domain_intents

    with session_scope() as session:
        names = session.scalars(select(ServiceItem.name).where(ServiceItem.deleted_at.is_(None))).all()
        districts = RegistryRepository(session).districts()
    return frozenset(names), frozenset(districts), frozenset(domain_intents()) | {FALLBACK_INTENT}


@dataclass(frozen=True)
class Export:
    week: str
    package: str
    resource_id: str
    datastore_path: Path
    package_path: Path
    rows: int  # published
    suppressed: int  # combinations left out (fewer than MIN_CELL messages)
    messages: int  # typed messages of the week


def names(week: str) -> Tuple[str, str]:
    """(package name, resource id) of a week: stable, so a re-export replaces the same dataset."""
    package = f"jiangzhou-assistant-questions-{week.lower()}"
    return package, str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://data.jiangzhou.example/{package}"))


def build(week: str, period: Period, counts: Counter, now: Optional[datetime] = None,
          min_cell: int = MIN_CELL) -> Tuple[Dict[str, Any], Dict[str, Any], int]:
    """(datastore_search response, package_show response, suppressed cells)."""
    now = now or datetime.now(timezone.utc)
    package, resource_id = names(week)
    kept = sorted(((key, n) for key, n in counts.items() if n >= min_cell), key=lambda kv: (-kv[1], kv[0]))
    records = [{"_id": i, "周": week, "事项": s, "所属区": d, "意图": intent,
                "意图名称": INTENT_LABELS.get(intent, "其他"), "结果": o, "次数": n}
               for i, ((s, d, intent, o), n) in enumerate(kept, start=1)]
    city = get_settings().city
    stamp = now.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat()
    note = (f"{city}政务服务智能助手每周收到的居民提问，按事项、所属区、意图和处理结果计数"
            f"（{period.first} 至 {period.last}，北京时间）。只统计居民输入的文字消息（不含按钮点击）；"
            f"不含任何原文、会话或用户标识；次数少于 {min_cell} 的组合不公布。"
            "结果：找到事项＝助手答复了事项库中的一个事项，请居民选择＝给出几个候选事项，"
            "事项库外＝所问不在事项库中，未理解＝助手没能理解，其他＝问候、办公时间等其他问题。")
    datastore = {
        "help": "CKAN datastore_search 响应格式。" + note,
        "success": True,
        "result": {"resource_id": resource_id, "fields": [{"id": f, "type": t} for f, t in FIELDS],
                   "records": records, "total": len(records)},
    }
    metadata = {
        "help": "CKAN package_show 响应格式。" + note,
        "success": True,
        "result": {
            "id": package, "name": package, "title": f"{city}政务服务智能助手居民咨询统计（{week}）",
            "notes": note, "organization": {"title": f"{city}政务服务管理办公室"},
            "license_title": "开放数据使用协议", "metadata_created": stamp, "metadata_modified": stamp,
            "tags": [{"name": t} for t in ("政务服务", "智能助手", "咨询统计")],
            "extras": [{"key": "temporal_coverage_start", "value": period.first.isoformat()},
                       {"key": "temporal_coverage_end", "value": period.last.isoformat()},
                       {"key": "time_zone", "value": "Asia/Shanghai"},
                       {"key": "minimum_cell_count", "value": str(min_cell)},
                       {"key": "suppressed_cells", "value": str(len(counts) - len(kept))}],
            "resources": [{"id": resource_id, "name": f"居民咨询统计 {week}", "format": "JSON",
                           "datastore_active": True, "last_modified": stamp}],
        },
    }
    return datastore, metadata, len(counts) - len(kept)


def export_week(week_text: str, out_dir: Path, url: Optional[str] = None, now: Optional[datetime] = None,
                min_cell: int = MIN_CELL) -> Export:
    """Write ``<package>.json`` and ``<package>.package.json`` into ``out_dir`` (atomic renames)."""
    from bot.opendata.snapshots import format_response

    week, period = parse_week(week_text)
    start, end = period.bounds()
    messages = read_messages(start.timestamp(), end.timestamp(), url)
    counts = cells(messages, *_closed_lists())
    datastore, metadata, suppressed = build(week, period, counts, now, min_cell)
    package, resource_id = names(week)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"不能创建目录 {out_dir}：{exc.strerror}") from None
    paths: List[Path] = []
    for suffix, body in ((".json", datastore), (".package.json", metadata)):
        path = out_dir / f"{package}{suffix}"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(format_response(body), encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    typed = sum(counts.values())
    logger.info("open data %s: %s rows, %s combinations suppressed, %s typed messages", week,
                len(datastore["result"]["records"]), suppressed, typed)
    return Export(week, package, resource_id, paths[0], paths[1], len(datastore["result"]["records"]), suppressed,
                  typed)


def summary_json(result: Export) -> str:
    return json.dumps({"week": result.week, "package": result.package, "resource_id": result.resource_id,
                       "files": [str(result.datastore_path), str(result.package_path)], "rows": result.rows,
                       "suppressed": result.suppressed, "messages": result.messages}, ensure_ascii=False)
