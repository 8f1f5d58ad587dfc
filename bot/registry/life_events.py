"""Life events (一件事一次办) in the registry: the seed file, its checks, import, export and views.

``data/registry/life_events.yaml`` bundles items a resident needs for one thing in life (a baby is
born, retirement, opening a restaurant …). Members are items of the same seed, in the order they
are done; an event never contains another event, so there are no cycles to follow. Every
problem names the file, the event and the field, and nothing is written when any is found.

The file is optional (a seed without it imports no events). Events are upserted by code after the
items, each change with an audit entry, so the registry fingerprint (and every process's live
snapshot) sees it. Events not in the file are left as they are, like items.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml
from sqlalchemy.orm import Session

from bot.audit.log import record
from bot.registry.models import LifeEvent, LifeEventMember
from bot.registry.repository import LIFE_EVENT_ENTITY, RegistryRepository
from bot.registry.schema import Checker, Problem, RegistryError
from bot.registry.seed import _entries, _mappings

logger = logging.getLogger(__name__)

LIFE_EVENTS_FILE = "life_events.yaml"
URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
HEADER = "# 江州市（虚构示例城市）一件事一次办 — 示例数据，由 python -m bot registry export 导出\n"


# -- the seed file -------------------------------------------------------------------------------

def load_life_events(directory: Path, items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The validated events of ``directory/life_events.yaml`` ([] when there is none); raises
    RegistryError naming every problem. ``items`` are the seed's item records."""
    path = directory / LIFE_EVENTS_FILE
    if not path.exists():
        return []
    records, problems = parse_life_events(path, items)
    if problems:
        raise RegistryError("\n".join(str(p) for p in problems))
    logger.debug("life events %s: %s valid", path, len(records))
    return records


def parse_life_events(path: Path, items: List[Dict[str, Any]]) -> Tuple[List[Dict[str, Any]], List[Problem]]:
    """The events of one file and every problem found; members may name only ``items``' codes."""
    checker = Checker(path.name)
    entries = list(_entries(path, checker, "events", ("name", "code")))
    event_codes = {str(rec.get("code")) for _name, rec, _source, _updated in entries if rec.get("code")}
    by_code = {rec["code"]: rec for rec in items if rec.get("code")}
    records = [_check_event(checker, name, rec, by_code, event_codes, source, updated)
               for name, rec, source, updated in entries]
    _cross_checks(checker, records, items)
    return records, checker.problems


def _check_event(checker: Checker, name: str, rec: Dict[str, Any], items: Dict[str, Dict[str, Any]],
                 event_codes: Set[str], source: str, updated: Optional[date]) -> Dict[str, Any]:
    code = checker.code(rec, name)
    if code and code in items:
        checker.fail(name, "code", f"与事项「{items[code]['name']}」的编码重复")
    url = checker.text(rec, name, "online_url")
    if url and not URL_RE.match(url):
        checker.fail(name, "online_url", f"应为 http(s):// 网址：{url!r}")
    members = _members(checker, rec.get("members"), name, items, event_codes)
    visits = checker.integer(rec, name, "total_visits", required=True, high=10)
    separately = sum(items[m["item"]]["max_visits"] or 0 for m in members if m["item"] in items)
    if visits is not None and members and visits > separately:
        checker.fail(name, "total_visits", f"联办到现场 {visits} 次，多于各事项分别办理的合计 {separately} 次")
    return {
        "code": code,
        "name": checker.text(rec, name, "name", max_len=100),
        "aliases": checker.str_list(rec, name, "aliases", required=False),
        "keywords": checker.str_list(rec, name, "keywords", required=False),
        "description": checker.text(rec, name, "description", max_len=1000),
        "online_url": url,
        "total_visits": visits,
        "total_days": checker.integer(rec, name, "total_days", required=True, high=365),
        "time_note": checker.text(rec, name, "time_note", required=False) or "",
        "basis": checker.text(rec, name, "basis", max_len=500),
        "members": members,
        "source": source,
        "updated": checker.day(rec, name, "updated", updated),
    }


def _members(checker: Checker, raw: Any, name: str, items: Dict[str, Dict[str, Any]],
             event_codes: Set[str]) -> List[Dict[str, Any]]:
    if raw is None or raw == []:
        checker.fail(name, "members", "至少要有一个成员事项")
        return []
    out: List[Dict[str, Any]] = []
    seen: Dict[str, int] = {}
    for index, (where, mrec) in enumerate(_mappings(checker, raw, name, "members")):
        code = checker.code(mrec, where, "item")
        item = items.get(code or "")
        if code and item is None:
            if code in event_codes:
                checker.fail(where, "item", f"一件事不能包含一件事：{code!r} 是一件事，请直接列出它的事项")
            else:
                checker.fail(where, "item", f"未知的事项编码 {code!r}")
        if code in seen:
            checker.fail(where, "item", f"成员事项 {code!r} 与 members[{seen[code]}] 重复")
        elif code:
            seen[code] = index
        situations = checker.str_list(mrec, where, "situations", required=False)
        known = {s.get("code") for s in (item or {}).get("situations") or []}
        for situation in situations:
            if item is not None and situation not in known:
                checker.fail(where, "situations",
                             f"「{item['name']}」没有情形 {situation!r}（有 {sorted(map(str, known))}）")
        if len(set(situations)) != len(situations):
            checker.fail(where, "situations", "情形重复")
        out.append({
            "item": code,
            "label": checker.text(mrec, where, "label", required=False, max_len=50) or "",
            "optional": checker.boolean(mrec, where, "optional", False),
            "condition": checker.text(mrec, where, "condition", required=False, max_len=200) or "",
            "situations": situations,
            "where": checker.text(mrec, where, "where", required=False, max_len=200) or "",
            "produces": checker.str_list(mrec, where, "produces", required=False),
            "note": checker.text(mrec, where, "note", required=False) or "",
        })
    return out


def _cross_checks(checker: Checker, records: List[Dict[str, Any]], items: List[Dict[str, Any]]) -> None:
    """Codes unique among events; names and aliases unique across events and items (both feed
    the words a resident's question is matched against)."""
    owners: Dict[str, str] = {}
    for item in items:
        for term in [item.get("name"), *(item.get("aliases") or [])]:
            if term:
                owners.setdefault(term, f"事项「{item.get('name')}」")
    codes: Dict[str, str] = {}
    for rec in records:
        shown = rec.get("name") or rec.get("code") or "?"
        if rec.get("code") in codes:
            checker.fail(shown, "code", f"编码与「{codes[rec['code']]}」重复")
        elif rec.get("code"):
            codes[rec["code"]] = shown
        for key in ("name", "aliases"):
            terms = [rec.get(key)] if key == "name" else rec.get(key) or []
            for term in terms:
                if not term:
                    continue
                if term in owners and owners[term] != f"一件事「{shown}」":
                    checker.fail(shown, key, f"「{term}」已属于{owners[term]}")
                owners[term] = f"一件事「{shown}」"


# -- import and export ---------------------------------------------------------------------------

@dataclass
class LifeEventReport:
    events: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_life_events(session: Session, records: List[Dict[str, Any]], actor: str,
                       source: str = "import") -> LifeEventReport:
    """Write validated event records in the caller's transaction (after the items they name);
    every created or changed event gets an audit entry (before → after)."""
    from bot.registry.importer import audit_dict  # the importer imports this module

    repo = RegistryRepository(session)
    report = LifeEventReport(events=len(records))
    for rec in records:
        event = repo.life_event_by_code(rec["code"])
        before = export_event(event) if event else None
        if event is None:
            event = LifeEvent(code=rec["code"])
            session.add(event)
        for key, value in rec.items():
            if key != "members":
                setattr(event, key, value)
        event.members.clear()
        session.flush()
        for pos, member in enumerate(rec["members"]):
            item = repo.item_by_code(member["item"], include_deleted=True)
            if item is None:  # validated against the same seed's items, which are written first
                raise RegistryError(f"{LIFE_EVENTS_FILE}: {rec['name']}: members: 事项 {member['item']!r} 不在库中")
            fields = {k: v for k, v in member.items() if k != "item"}
            event.members.append(LifeEventMember(position=pos, item=item, **fields))
        session.flush()
        after = export_event(event)
        if before is None:
            report.created += 1
        elif before != after:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        record(session, actor=actor, source=source, entity=LIFE_EVENT_ENTITY, key=event.code,
               action="create" if before is None else "update", summary=event.name,
               before=audit_dict(before) if before else None, after=audit_dict(after))
    if records:
        logger.info("life events import: %s (%s new, %s changed)", report.events, report.created, report.updated)
    return report


def export_event(event: LifeEvent) -> Dict[str, Any]:
    """The seed-format dict of one event (export and change detection)."""
    return {
        "code": event.code, "name": event.name, "aliases": list(event.aliases or []),
        "keywords": list(event.keywords or []), "description": event.description, "online_url": event.online_url,
        "total_visits": event.total_visits, "total_days": event.total_days, "time_note": event.time_note or "",
        "basis": event.basis,
        "members": [{"item": m.item.code, "label": m.label or "", "optional": bool(m.optional),
                     "condition": m.condition or "", "situations": list(m.situations or []),
                     "where": m.where or "", "produces": list(m.produces or []), "note": m.note or ""}
                    for m in event.members],
        "updated": event.updated,
    }


def export_life_events(directory: Path, session: Session) -> int:
    """Write ``life_events.yaml`` in seed format (nothing when there are no events); the count."""
    events = RegistryRepository(session).life_events()
    if not events:
        return 0
    data = {"meta": {"source": events[0].source, "updated": max(e.updated for e in events), "sample": True},
            "events": [export_event(e) for e in events]}
    text = yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False)
    (directory / LIFE_EVENTS_FILE).write_text(HEADER + text, encoding="utf-8")
    return len(events)


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML without anchors (``&id001``) for values that happen to be the same object."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# -- views ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberView:
    item_code: str
    label: str  # "" = the item's name
    optional: bool
    condition: str
    situations: Tuple[str, ...]  # () = all of the item's situations
    where: str
    produces: Tuple[str, ...]
    note: str

    @property
    def applies_to_all(self) -> bool:
        """Whether every resident with this life event needs this member."""
        return not self.optional and not self.condition


@dataclass(frozen=True)
class LifeEventView:
    code: str
    name: str
    aliases: Tuple[str, ...]
    description: str
    online_url: str
    total_visits: int
    total_days: int
    time_note: str
    basis: str
    source: str
    updated: date
    members: Tuple[MemberView, ...] = field(default_factory=tuple)
    keywords: Tuple[str, ...] = ()


def event_view(event: LifeEvent) -> LifeEventView:
    """A view of one ORM event (call inside the session that loaded it)."""
    return LifeEventView(
        code=event.code, name=event.name, aliases=tuple(event.aliases or ()), description=event.description,
        online_url=event.online_url, total_visits=event.total_visits, total_days=event.total_days,
        time_note=event.time_note or "", basis=event.basis, source=event.source, updated=event.updated,
        members=tuple(MemberView(m.item.code, m.label or "", bool(m.optional), m.condition or "",
                                 tuple(m.situations or ()), m.where or "", tuple(m.produces or ()), m.note or "")
                      for m in event.members),
        keywords=tuple(event.keywords or ()))


def life_event_views(session: Session) -> Dict[str, LifeEventView]:
    """Every event's view by code."""
    return {e.code: event_view(e) for e in RegistryRepository(session).life_events()}


__all__ = ["LIFE_EVENTS_FILE", "LifeEventReport", "LifeEventView", "MemberView", "event_view", "export_event",
           "export_life_events", "life_event_views", "load_life_events", "parse_life_events", "upsert_life_events"]
