"""Writing the registry back in seed format (``python -m bot registry export``).

:func:`export_item` is also the importer's change detector: an item whose export is the same
before and after an upsert counts as unchanged.

Sessions: :func:`export_registry` takes an optional Session. Pass one and you own it (open,
commit, close); leave it out and it reads inside one ``session_scope`` of its own.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from pypinyin import lazy_pinyin
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.registry.life_events import export_life_events
from bot.registry.models import Location, Material, ServiceItem
from bot.registry.repository import RegistryRepository

logger = logging.getLogger(__name__)

HEADER = "# 江州市（虚构示例城市）政务服务事项 — 示例数据，由 python -m bot registry export 导出\n"


def export_item(item: ServiceItem) -> Dict[str, Any]:
    """The seed-format dict of one item (used by export and change detection)."""
    def mat(m: Material) -> Dict[str, Any]:
        return {"name": m.name, "form": m.form, "submit": m.submit, "copies": m.copies, "required": m.required,
                "origin": m.origin, "note": m.note}

    district_codes = sorted(loc.code for loc in item.locations)
    return {
        "code": item.code, "name": item.name, "aliases": list(item.aliases or []),
        "keywords": list(item.keywords or []), "category": item.category,
        "item_type": item.item_type, "agency": item.agency, "level": item.level,
        "legal_basis": [dict(r) for r in item.legal_basis or []],
        "audience": list(item.audience), "conditions": item.conditions,
        "legal_limit_days": item.legal_limit_days, "promised_limit_days": item.promised_limit_days,
        "limit_note": item.limit_note, "manual_review": item.manual_review or "",
        "fee": item.fee, "fee_basis": item.fee_basis,
        "online_url": item.online_url, "online_depth": item.online_depth, "appointment": item.appointment,
        "express_delivery": item.express_delivery, "max_visits": item.max_visits,
        "consult_phone": item.consult_phone, "complaint_phone": item.complaint_phone,
        "handled_at": district_codes, "situation_question": item.situation_question,
        "situations": [
            {"code": s.code, "name": s.name, "keywords": list(s.keywords or []), "description": s.description,
             "promised_limit_days": s.promised_limit_days, "fee": s.fee,
             "materials": [mat(m) for m in s.materials]}
            for s in item.situations
        ],
        "materials": [mat(m) for m in item.materials if m.situation is None],
        "steps": [{"name": s.name, "description": s.description, "time_limit": s.time_limit} for s in item.steps],
        "version": item.version,
        "updated": item.updated,
    }


def export_location(loc: Location) -> Dict[str, Any]:
    """The seed-format dict of one service centre."""
    return {"code": loc.code, "name": loc.name, "district": loc.district, "address": loc.address, "phone": loc.phone,
            "latitude": loc.latitude, "longitude": loc.longitude, "hours": loc.hours, "hours_note": loc.hours_note,
            "transport": loc.transport, "updated": loc.updated}


def export_registry(directory: Path, session: Optional[Session] = None) -> int:
    """Write the registry back in seed format, one items file per category; returns the item count."""
    if session is None:
        with session_scope() as own:
            return export_registry(directory, own)
    repo = RegistryRepository(session)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "items").mkdir(exist_ok=True)
    locations = repo.locations()
    loc_source = locations[0].source if locations else ""
    loc_updated = max((loc.updated for loc in locations), default=date.today())
    loc_data = {"meta": {"source": loc_source, "updated": loc_updated, "sample": True},
                "locations": [export_location(loc) for loc in locations]}
    _write(directory / "locations.yaml", loc_data)
    groups: Dict[str, List[ServiceItem]] = {}
    for item in repo.items():
        groups.setdefault(item.category, []).append(item)
    for category, items in groups.items():
        slug = "_".join(lazy_pinyin(category)) or "items"
        data = {"meta": {"source": items[0].source, "updated": max(i.updated for i in items), "sample": True},
                "items": [export_item(i) for i in items]}
        _write(directory / "items" / f"{slug}.yaml", data)
    count = sum(len(v) for v in groups.values())
    events = export_life_events(directory, session)
    logger.info("registry export: %s items, %s locations, %s life events to %s", count, len(locations), events,
                directory)
    return count


def _write(path: Path, data: Dict[str, Any]) -> None:
    path.write_text(HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
