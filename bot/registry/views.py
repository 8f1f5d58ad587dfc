"""Plain, immutable views of registry items: what answers are made from.

Built once per registry version inside the session that loaded the rows, then shared by every
thread of the action server (no ORM object ever leaves its session). The attribute names are
those of the ORM models, so the answer text (bot/registry/guide.py) reads either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.registry.legal import LegalRef


@dataclass(frozen=True)
class LocationView:
    code: str
    name: str
    district: Optional[str]
    address: str
    phone: str
    hours: Mapping[str, Tuple[str, ...]]
    hours_note: str


@dataclass(frozen=True)
class SituationView:
    id: int
    code: str
    name: str
    keywords: Tuple[str, ...]
    promised_limit_days: Optional[int]
    fee: Optional[str]


@dataclass(frozen=True)
class MaterialView:
    situation_id: Optional[int]
    name: str
    form: str
    copies: int
    required: bool
    origin: str
    note: str
    submit: str = "纸质"  # 纸质 / 电子证照 / 免提交

    @property
    def paperless(self) -> bool:
        """The resident brings no paper for it (an electronic licence, or data sharing)."""
        return self.submit in ("电子证照", "免提交")


@dataclass(frozen=True)
class StepView:
    name: str
    description: str
    time_limit: str


@dataclass(frozen=True)
class ItemView:
    code: str
    name: str
    agency: str
    conditions: str
    legal_limit_days: Optional[int]
    promised_limit_days: int
    limit_note: str
    manual_review: str  # 需人工核实: the reason, "" when the guide alone answers
    fee: str
    fee_basis: str
    online_url: str
    online_depth: str
    appointment: bool
    express_delivery: bool
    max_visits: int
    consult_phone: str
    complaint_phone: str
    situation_question: str
    source: str
    updated: date
    situations: Tuple[SituationView, ...]
    materials: Tuple[MaterialView, ...]
    steps: Tuple[StepView, ...]
    locations: Tuple[LocationView, ...]
    legal_basis: Tuple[LegalRef, ...] = ()  # 设定依据, named in every answer's source line


def item_view(item: object) -> ItemView:
    """A view of one ORM item (call inside the session that loaded it)."""
    get = item.__getattribute__
    return ItemView(
        code=get("code"), name=get("name"), agency=get("agency"), conditions=get("conditions"),
        legal_limit_days=get("legal_limit_days"), promised_limit_days=get("promised_limit_days"),
        limit_note=get("limit_note") or "", manual_review=get("manual_review") or "",
        fee=get("fee"), fee_basis=get("fee_basis") or "",
        online_url=get("online_url") or "", online_depth=get("online_depth") or "",
        appointment=bool(get("appointment")), express_delivery=bool(get("express_delivery")),
        max_visits=get("max_visits"), consult_phone=get("consult_phone"), complaint_phone=get("complaint_phone"),
        situation_question=get("situation_question") or "", source=get("source"), updated=get("updated"),
        situations=tuple(SituationView(s.id, s.code, s.name, tuple(s.keywords or ()), s.promised_limit_days, s.fee)
                         for s in get("situations")),
        materials=tuple(MaterialView(m.situation_id, m.name, m.form, m.copies, m.required, m.origin or "",
                                     m.note or "", m.submit or "纸质") for m in get("materials")),
        steps=tuple(StepView(s.name, s.description or "", s.time_limit or "") for s in get("steps")),
        locations=tuple(sorted((LocationView(loc.code, loc.name, loc.district, loc.address or "", loc.phone or "",
                                             {k: tuple(v) for k, v in (loc.hours or {}).items()}, loc.hours_note or "")
                                for loc in get("locations")), key=lambda loc: loc.code)),
        legal_basis=tuple(LegalRef.from_record(r) for r in get("legal_basis") or ()),
    )


def views_by_name(items: Iterable[object]) -> Dict[str, ItemView]:
    views = [item_view(item) for item in items]
    return {v.name: v for v in views}


def where_to_go(item: ItemView, district: Optional[str]) -> List[LocationView]:
    """Locations for an item, the resident's own district centre first when known."""
    locations: Sequence[LocationView] = sorted(item.locations, key=lambda loc: loc.code)
    if district:
        own = [loc for loc in locations if loc.district == district]
        city = [loc for loc in locations if loc.district is None]
        if own or city:
            return own + city
    return list(locations)


def materials_for(item: ItemView, situation: Optional[SituationView]) -> List[MaterialView]:
    """Common materials plus those of the chosen situation (all situations' when none chosen)."""
    common = [m for m in item.materials if m.situation_id is None]
    if situation is None:
        return common
    return common + [m for m in item.materials if m.situation_id == situation.id]


def situation_by_code(item: ItemView, code: Optional[str]) -> Optional[SituationView]:
    if not code:
        return None
    return next((s for s in item.situations if s.code == code), None)
