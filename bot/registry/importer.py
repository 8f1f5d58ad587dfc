"""Import of the registry seed (data/registry/) into the database.

The seed is validated first (:mod:`bot.registry.seed`) and nothing is written when any record
is wrong; then everything is upserted by code inside one transaction, so running it twice
changes nothing. An item deleted in the console (soft delete) is never brought back by an import:
it is skipped, left deleted and named in the report (``skipped_deleted``); the console's 恢复
restores it. Lookups go through :mod:`bot.registry.repository`.

Sessions: :func:`import_registry` takes an optional Session. Pass one and you own it (you
open, commit or roll back, and close it; the import only flushes). Leave it out and the
import opens one ``session_scope`` of its own, so the whole import is one transaction.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy.orm import Session

from bot.audit.log import cli_actor, record
from bot.db import session_scope
from bot.registry.export import export_item
from bot.registry.life_events import LifeEventReport, load_life_events, upsert_life_events
from bot.registry.models import Location, Material, ServiceItem, Situation, Step
from bot.registry.repository import RegistryRepository
from bot.registry.schema import Problem
from bot.registry.seed import load_seed
from bot.registry.seed import parse_locations as parse_locations  # re-exported: bot/opendata/centres.py imports it

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    items: int = 0
    locations: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: List[Problem] = field(default_factory=list)
    # codes of items deleted in the console: an import leaves them deleted and unchanged (restoring
    # one is the console's 恢复, which the audit log records); they are named here and in the log
    skipped_deleted: List[str] = field(default_factory=list)
    # life events (一件事, data/registry/life_events.yaml; bot/registry/life_events.py)
    life_events: Optional[LifeEventReport] = None


def import_registry(directory: Path, session: Optional[Session] = None, actor: Optional[str] = None) -> ImportReport:
    """Validate then upsert everything in ``directory``; raises RegistryError before any write."""
    locations, items = load_seed(directory)
    events = load_life_events(directory, items)
    if session is None:
        with session_scope() as own:
            return _upsert_all(own, locations, items, events, actor or cli_actor())
    return _upsert_all(session, locations, items, events, actor or cli_actor())


def _upsert_all(session: Session, locations: List[Dict[str, Any]], items: List[Dict[str, Any]],
                events: List[Dict[str, Any]], actor: str) -> ImportReport:
    report = upsert(session, locations, items, actor)
    report.life_events = upsert_life_events(session, events, actor)
    return report


def audit_dict(value: Any) -> Any:
    """A seed-format record as JSON for the audit log (dates as ISO text)."""
    if isinstance(value, dict):
        return {k: audit_dict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [audit_dict(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def upsert(session: Session, locations: List[Dict[str, Any]], items: List[Dict[str, Any]], actor: str,
           source: str = "import") -> ImportReport:
    """Write validated seed-format records in the caller's transaction; every created or changed
    item gets an audit entry (before → after)."""
    repo = RegistryRepository(session)
    report = ImportReport(items=len(items), locations=len(locations))
    by_code: Dict[str, Location] = {loc.code: loc for loc in repo.locations()}
    for rec in locations:
        loc = repo.location_by_code(rec["code"]) or Location(code=rec["code"])
        for key, value in rec.items():
            setattr(loc, key, value)
        session.add(loc)
        by_code[loc.code] = loc
    session.flush()
    for rec in items:
        item = repo.item_by_code(rec["code"], include_deleted=True)
        if item is not None and item.deleted_at is not None:
            report.skipped_deleted.append(item.code)
            continue
        before = export_item(item) if item else None
        if item is None:
            item = ServiceItem(code=rec["code"])
            session.add(item)
        fill_item(session, item, rec, by_code)
        session.flush()
        after = export_item(item)
        if before is None:
            report.created += 1
        elif before != after:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        record(session, actor=actor, source=source, entity="registry_item", key=item.code,
               action="create" if before is None else "update", summary=item.name,
               before=audit_dict(before) if before else None, after=audit_dict(after))
    logger.info("registry import: %s items (%s new, %s changed), %s locations",
                report.items, report.created, report.updated, report.locations)
    if report.skipped_deleted:
        logger.warning("registry import: %s item(s) deleted in the console left deleted: %s",
                       len(report.skipped_deleted), ", ".join(report.skipped_deleted))
    return report


def fill_item(session: Session, item: ServiceItem, rec: Dict[str, Any], locations: Dict[str, Location]) -> None:
    """Replace the item's fields, situations, materials, steps and centres by the record's."""
    scalar_fields = {k: v for k, v in rec.items() if k not in ("situations", "materials", "steps", "handled_at")}
    for key, value in scalar_fields.items():
        setattr(item, key, value)
    item.situations.clear()
    item.materials.clear()
    item.steps.clear()
    session.flush()
    for pos, mat in enumerate(rec["materials"]):
        item.materials.append(Material(position=pos, **mat))
    for pos, srec in enumerate(rec["situations"]):
        situation = Situation(position=pos, **{k: v for k, v in srec.items() if k != "materials"})
        item.situations.append(situation)
        for mpos, mat in enumerate(srec["materials"]):
            material = Material(position=100 + mpos, situation=situation, **mat)
            item.materials.append(material)
    for pos, step in enumerate(rec["steps"]):
        item.steps.append(Step(position=pos, **step))
    chosen = []
    for code in rec["handled_at"]:
        if code == "district":
            chosen += [loc for loc in locations.values() if loc.district]
        elif code == "city":
            chosen += [loc for loc in locations.values() if not loc.district]
        else:
            chosen.append(locations[code])
    item.locations = sorted(set(chosen), key=lambda loc: loc.code)
