"""The one place that queries the service registry.

Callers get fully loaded objects (relationships eagerly loaded) so they can be used after
the session closes, e.g. inside an action that formats an answer.
"""
from __future__ import annotations

import logging
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from bot.audit.models import AuditEntry
from bot.db import session_scope
from bot.registry.models import LifeEvent, LifeEventMember, Location, Material, ServiceItem

logger = logging.getLogger(__name__)

REGISTRY_ENTITY = "registry_item"  # the audit log's entity of a service item (key: its code)
LIFE_EVENT_ENTITY = "registry_life_event"  # ... of a life event (一件事, key: its code)

_ITEM_LOAD = (
    selectinload(ServiceItem.situations),
    selectinload(ServiceItem.materials).selectinload(Material.situation),
    selectinload(ServiceItem.steps),
    selectinload(ServiceItem.locations),
)


class RegistryRepository:
    """Read access to items and locations; one instance per session.

    Soft-deleted items (``deleted_at`` set, the console's 删除) are left out of every read the
    assistant makes; only the console asks for them (``include_deleted=True``).
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    # items -----------------------------------------------------------------
    @staticmethod
    def _items(include_deleted: bool = False) -> Select:
        query = select(ServiceItem).options(*_ITEM_LOAD)
        return query if include_deleted else query.where(ServiceItem.deleted_at.is_(None))

    def items(self, include_deleted: bool = False) -> List[ServiceItem]:
        return list(self.session.scalars(self._items(include_deleted).order_by(ServiceItem.code)))

    def item_by_code(self, code: str, include_deleted: bool = False) -> Optional[ServiceItem]:
        return self.session.scalars(self._items(include_deleted).where(ServiceItem.code == code)).first()

    def item_by_name(self, name: str) -> Optional[ServiceItem]:
        return self.session.scalars(self._items().where(ServiceItem.name == name)).first()

    def item_count(self) -> int:
        return int(self.session.scalar(
            select(func.count(ServiceItem.id)).where(ServiceItem.deleted_at.is_(None))) or 0)

    def search_items(self, query: str = "", include_deleted: bool = False, limit: int = 500) -> List[ServiceItem]:
        """The console's list: items whose name, alias, code or agency contains ``query`` (any case),
        by code; only the item's own columns are loaded."""
        rows = select(ServiceItem).order_by(ServiceItem.code)
        if not include_deleted:
            rows = rows.where(ServiceItem.deleted_at.is_(None))
        needle = query.strip().casefold()
        found = []
        for item in self.session.scalars(rows):
            fields = [item.name, item.code, item.agency, *(item.aliases or [])]
            if not needle or any(needle in str(f or "").casefold() for f in fields):
                found.append(item)
                if len(found) >= limit:
                    break
        return found

    def fingerprint(self) -> str:
        """Changes whenever items are added, edited, deleted, restored or re-imported: used to
        refresh caches. Every such change writes an audit entry (bot/audit), whose newest id is part
        of it; the counts and dates also catch writes made without one."""
        count, deleted, latest, last_id = self.session.execute(
            select(func.count(ServiceItem.id), func.count(ServiceItem.deleted_at), func.max(ServiceItem.updated),
                   func.max(ServiceItem.id))
        ).one()
        last_change = self.session.scalar(
            select(func.max(AuditEntry.id)).where(AuditEntry.entity.in_((REGISTRY_ENTITY, LIFE_EVENT_ENTITY))))
        events, events_latest = self.session.execute(
            select(func.count(LifeEvent.id), func.max(LifeEvent.updated))).one()
        return f"{count}:{deleted}:{latest}:{last_id}:{last_change}:{events}:{events_latest}"

    # life events (一件事) ---------------------------------------------------
    def life_events(self) -> List[LifeEvent]:
        """Every life event with its members and each member's item row."""
        query = select(LifeEvent).options(
            selectinload(LifeEvent.members).selectinload(LifeEventMember.item)).order_by(LifeEvent.code)
        return list(self.session.scalars(query))

    def life_event_by_code(self, code: str) -> Optional[LifeEvent]:
        query = select(LifeEvent).options(
            selectinload(LifeEvent.members).selectinload(LifeEventMember.item)).where(LifeEvent.code == code)
        return self.session.scalars(query).first()

    # locations -------------------------------------------------------------
    def locations(self, district: Optional[str] = None) -> List[Location]:
        query = select(Location).order_by(Location.code)
        if district:
            query = query.where(Location.district == district)
        return list(self.session.scalars(query))

    def location_by_code(self, code: str) -> Optional[Location]:
        return self.session.scalars(select(Location).where(Location.code == code)).first()

    def districts(self) -> List[str]:
        rows = self.session.scalars(select(Location.district).where(Location.district.is_not(None)).distinct())
        return sorted(r for r in rows if r)


def load_items() -> List[ServiceItem]:
    """Convenience for callers without a session of their own."""
    with session_scope() as session:
        return RegistryRepository(session).items()
