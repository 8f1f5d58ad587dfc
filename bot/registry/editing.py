"""Changing one registry item by hand (the administrator console, ``/admin/registry``).

Every change is validated by the seed's own rules (:func:`bot.registry.seed.validate_item`, one
schema for files, spreadsheets and the console), written with its audit entry in one transaction
(who, when, before → after as seed-format dicts) and live for the assistant within the
:class:`bot.registry.live.LiveRegistry` check (the registry fingerprint includes the newest audit
entry), with no retraining and no restart.

* :func:`save_item` creates or updates an item by code. ``expected`` is the version token the form
  was loaded with (:func:`version_of`); a different current version is a 409, so a stale form never
  overwrites a colleague's edit.
* :func:`delete_item` is a soft delete (``deleted_at``): the item disappears for the assistant but
  keeps its row and history; :func:`restore_item` brings it back. A seed import leaves it deleted.
* Reverting an audit entry (:func:`bot.audit.log.revert`) puts the item back as the entry's
  ``before`` shows it; ``before`` None (a creation, a restore) soft-deletes it, reverting a deletion
  restores it. Only a change that is still the item's current state can be reverted: a later change
  must be reverted first (409).

Problems come back as ``[{"field": "materials[2].name", "message": "…"}]``: the field path of the
seed format, so the console shows each next to its field.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy.orm import Session

from bot.audit.log import AuditError, AuditView, record, register_reverter
from bot.db import session_scope
from bot.registry.export import export_item, export_location
from bot.registry.importer import audit_dict, fill_item
from bot.registry.models import Location, ServiceItem
from bot.registry.repository import REGISTRY_ENTITY, RegistryRepository
from bot.registry.schema import CODE_RE, Problem
from bot.registry.seed import validate_item

logger = logging.getLogger(__name__)

DEFAULT_SOURCE = "江州市政务服务网"  # a new item's 来源 when the form leaves it empty and no item has one
MODES = ("upsert", "create", "update")
STALE = "这个事项已被他人修改（或删除、恢复），请重新打开后再改"


class EditError(ValueError):
    """A refused change: ``status`` 400 (invalid, with ``problems``), 404 (no such item) or 409."""

    def __init__(self, message: str, status: int = 400, problems: Optional[List[Dict[str, str]]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []

    def as_dict(self) -> Dict[str, Any]:
        return {"error": str(self), "problems": self.problems}


@dataclass(frozen=True)
class Saved:
    code: str
    name: str
    version: str
    action: str  # create | update | delete | restore | unchanged
    audit_id: Optional[int]

    def as_dict(self) -> Dict[str, Any]:
        return {"code": self.code, "name": self.name, "version": self.version, "action": self.action,
                "audit_id": self.audit_id}


def local_today() -> date:
    from bot.hours.clock import TZ

    return datetime.now(TZ).date()


def version_of(item: ServiceItem) -> str:
    """The item's version token: changes with any field and with deleting or restoring."""
    state = {"item": audit_dict(export_item(item)), "deleted": item.deleted_at is not None}
    return hashlib.sha256(json.dumps(state, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def _state(item: Optional[ServiceItem]) -> Optional[Dict[str, Any]]:
    """The item as the audit log holds it: its seed-format dict, None when absent or deleted."""
    return None if item is None or item.deleted_at is not None else audit_dict(export_item(item))


def field_path(problem: Problem, item_label: str) -> str:
    """``Problem(record="居住证 situations[0] materials[1]", field="name")`` → ``situations[0].materials[1].name``."""
    where = problem.record
    if where == item_label or where == problem.file:
        where = ""
    elif where.startswith(item_label + " "):
        where = where[len(item_label) + 1:]
    parts = [p for p in where.split(" ") if p]
    if problem.field and problem.field != "-":
        parts.append(problem.field)
    return ".".join(parts) or "-"


def _problems(found: List[Problem], item_label: str) -> List[Dict[str, str]]:
    return [{"field": field_path(p, item_label), "message": p.message} for p in found]


def _clashes(repo: RegistryRepository, code: str, name: Optional[str], aliases: List[str]) -> List[Dict[str, str]]:
    """Names and aliases are unique across the assistant's items (they feed the NLU dictionary)."""
    owners: Dict[str, ServiceItem] = {}
    for other in repo.search_items():
        if other.code == code:
            continue
        for term in [other.name, *(other.aliases or [])]:
            owners.setdefault(term, other)
    found = []
    if name and name in owners:
        owner = owners[name]
        found.append({"field": "name", "message": f"「{name}」已是事项「{owner.name}」（{owner.code}）的名称或别名"})
    for index, alias in enumerate(aliases):
        if alias in owners:
            found.append({"field": f"aliases[{index}]",
                          "message": f"「{alias}」已属于事项「{owners[alias].name}」（{owners[alias].code}）"})
        elif alias == name:
            found.append({"field": f"aliases[{index}]", "message": "别名与事项名称相同"})
    return found


def _locations(repo: RegistryRepository) -> Dict[str, Location]:
    return {loc.code: loc for loc in repo.locations()}


def _check(repo: RegistryRepository, rec: Dict[str, Any], source: str, updated: Optional[date],
           locations: Dict[str, Location]) -> Dict[str, Any]:
    """The clean seed-format record, or an EditError listing every problem by field."""
    label = str(rec.get("name") or rec.get("code") or "?")
    clean, found = validate_item(rec, set(locations), where="item", source=source, updated=updated)
    problems = _problems(found, label) + _clashes(repo, clean.get("code") or "", clean.get("name"),
                                                   clean.get("aliases") or [])
    if problems:
        raise EditError(f"有 {len(problems)} 处需要修改", 400, problems)
    return clean


def save_item(record_in: Dict[str, Any], actor: str, source: str = "console", expected: Optional[str] = None,
              *, mode: str = "upsert") -> Saved:
    """Create or update the item ``record_in["code"]`` (seed format); raises :class:`EditError`.

    ``mode``: "create" refuses an existing code (409), "update" an unknown one (404). ``expected``:
    the version the editor started from; another current version is a 409. ``updated`` (the guide's
    更新日期) becomes today when anything changed, unless the record gives another date than the stored one.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if not isinstance(record_in, dict):
        raise EditError("事项应为 JSON 对象", 400, [{"field": "-", "message": "应为映射"}])
    code = record_in.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        raise EditError("事项编码无效", 400,
                        [{"field": "code", "message": "编码只能含字母、数字、- 和 _（1–64 个字符）"}])
    code = code.strip()
    with session_scope() as session:
        repo = RegistryRepository(session)
        item = repo.item_by_code(code, include_deleted=True)
        if item is None and mode == "update":
            raise EditError(f"没有编码为 {code} 的事项", 404)
        if item is not None and mode == "create":
            deleted = "（已删除，可在列表中恢复）" if item.deleted_at is not None else ""
            raise EditError(f"编码 {code} 已被事项「{item.name}」使用{deleted}", 409,
                            [{"field": "code", "message": f"编码已被「{item.name}」使用{deleted}"}])
        if item is not None and expected is not None and version_of(item) != expected:
            raise EditError(STALE, 409)
        if item is not None and item.deleted_at is not None:
            raise EditError("这个事项已删除，请先恢复再修改", 409)
        locations = _locations(repo)
        rec = {**record_in, "code": code}
        stored_day = item.updated.isoformat() if item is not None and item.updated else None
        given_day = rec.get("updated") not in (None, "") and str(rec.get("updated")) != stored_day
        if not given_day:
            rec.pop("updated", None)
        item_source = str(rec.get("source") or (item.source if item is not None else "") or _any_source(repo))
        clean = _check(repo, rec, item_source, item.updated if item is not None else local_today(), locations)
        before = _state(item)
        if item is None:
            item = ServiceItem(code=code)
            session.add(item)
        fill_item(session, item, clean, locations)
        session.flush()
        after = _state(item)
        if before is not None and after == before:
            return Saved(code, item.name, version_of(item), "unchanged", None)
        if not given_day and before is not None:
            item.updated = local_today()
            session.flush()
            after = _state(item)
        action = "create" if before is None else "update"
        entry = record(session, actor=actor, source=source, entity=REGISTRY_ENTITY, key=code, action=action,
                       summary=item.name, before=before, after=after)
        logger.info("registry item %s %sd by %s (%s)", code, action, actor, source)
        return Saved(code, item.name, version_of(item), action, entry)


def _any_source(repo: RegistryRepository) -> str:
    items = repo.search_items(limit=1)
    return str(items[0].source) if items and items[0].source else DEFAULT_SOURCE


def _existing(repo: RegistryRepository, code: str) -> ServiceItem:
    item = repo.item_by_code(code, include_deleted=True)
    if item is None:
        raise EditError(f"没有编码为 {code} 的事项", 404)
    return item


def delete_item(code: str, actor: str, source: str = "console", expected: Optional[str] = None) -> Saved:
    """Soft delete: the assistant stops finding the item within seconds; its history stays."""
    with session_scope() as session:
        item = _existing(RegistryRepository(session), code)
        if expected is not None and version_of(item) != expected:
            raise EditError(STALE, 409)
        if item.deleted_at is not None:
            raise EditError("这个事项已经删除", 409)
        before = _state(item)
        item.deleted_at = datetime.now(timezone.utc)
        session.flush()
        entry = record(session, actor=actor, source=source, entity=REGISTRY_ENTITY, key=code, action="delete",
                       summary=item.name, before=before, after=None)
        logger.info("registry item %s deleted by %s (%s)", code, actor, source)
        return Saved(code, item.name, version_of(item), "delete", entry)


def restore_item(code: str, actor: str, source: str = "console") -> Saved:
    """Undo a soft delete (refused while another item uses its name or an alias)."""
    with session_scope() as session:
        repo = RegistryRepository(session)
        item = _existing(repo, code)
        if item.deleted_at is None:
            raise EditError("这个事项没有删除", 409)
        _refuse_clashes(repo, item)
        item.deleted_at = None
        session.flush()
        entry = record(session, actor=actor, source=source, entity=REGISTRY_ENTITY, key=code, action="restore",
                       summary=item.name, before=None, after=_state(item))
        logger.info("registry item %s restored by %s (%s)", code, actor, source)
        return Saved(code, item.name, version_of(item), "restore", entry)


def _refuse_clashes(repo: RegistryRepository, item: ServiceItem) -> None:
    clashes = _clashes(repo, item.code, item.name, list(item.aliases or []))
    if clashes:
        raise EditError("不能恢复：" + "；".join(c["message"] for c in clashes), 409, clashes)


def _revert(session: Session, entry: AuditView, actor: str) -> None:
    """The audit log's reverter for registry items (see the module docstring)."""
    repo = RegistryRepository(session)
    item = repo.item_by_code(entry.key, include_deleted=True)
    current = _state(item)
    if current != entry.after:
        raise AuditError("此后这个事项又有修改，请先撤销较新的修改（或直接编辑）", 409)
    target = entry.before
    if target is None:
        if item is None or item.deleted_at is not None:
            raise AuditError("这个事项已经删除", 409)
        item.deleted_at = datetime.now(timezone.utc)
    else:
        locations = _locations(repo)
        try:
            clean = _check(repo, dict(target), str(target.get("source") or (item.source if item else "")
                                                   or _any_source(repo)), None, locations)
        except EditError as exc:
            details = "；".join(f"{p['field']}：{p['message']}" for p in exc.problems)
            raise AuditError(f"不能撤销：原来的内容已不符合现在的规则（{details}）", 409) from exc
        if item is None:
            item = ServiceItem(code=entry.key)
            session.add(item)
        fill_item(session, item, clean, locations)
        item.deleted_at = None
    session.flush()
    record(session, actor=actor, source="console", entity=REGISTRY_ENTITY, key=entry.key, action="revert",
           summary=item.name, before=current, after=_state(item), reverts=entry.id)
    logger.info("registry item %s: audit entry %s reverted by %s", entry.key, entry.id, actor)


register_reverter(REGISTRY_ENTITY, _revert)


# reading for the console ---------------------------------------------------------------------
def item_detail(code: str) -> Optional[Dict[str, Any]]:
    """``{"item": seed-format record, "version", "deleted", "deleted_at"}`` or None."""
    with session_scope() as session:
        item = RegistryRepository(session).item_by_code(code, include_deleted=True)
        if item is None:
            return None
        return {"item": audit_dict(export_item(item)) | {"source": item.source}, "version": version_of(item),
                "deleted": item.deleted_at is not None,
                "deleted_at": item.deleted_at.isoformat() if item.deleted_at is not None else None}


def item_list(query: str = "", include_deleted: bool = False) -> List[Dict[str, Any]]:
    """The console's list rows, by code."""
    with session_scope() as session:
        return [{"code": i.code, "name": i.name, "aliases": list(i.aliases or []), "category": i.category,
                 "agency": i.agency, "updated": i.updated.isoformat() if i.updated else None,
                 "deleted": i.deleted_at is not None}
                for i in RegistryRepository(session).search_items(query, include_deleted)]


def location_choices() -> List[Dict[str, Any]]:
    """The 办理地点 the form offers: ``[{"code", "name", "district"}]`` (city level first)."""
    with session_scope() as session:
        rows = [export_location(loc) for loc in RegistryRepository(session).locations()]
    rows.sort(key=lambda r: (r["district"] is not None, r["code"]))
    return [{"code": r["code"], "name": r["name"], "district": r["district"]} for r in rows]
