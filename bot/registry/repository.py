"""The one place that queries the service registry.

Callers get fully loaded objects (relationships eagerly loaded) so they can be used after
the session closes, e.g. inside an action that formats an answer.
"""
from __future__ import annotations

import logging
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.db import session_scope
from bot.registry.models import Location, Material, ServiceItem

logger = logging.getLogger(__name__)

_ITEM_LOAD = (
    selectinload(ServiceItem.situations),
    selectinload(ServiceItem.materials).selectinload(Material.situation),
    selectinload(ServiceItem.steps),
    selectinload(ServiceItem.locations),
)


class RegistryRepository:
    """Read access to items and locations; one instance per session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # items -----------------------------------------------------------------
    def items(self) -> List[ServiceItem]:
        return list(self.session.scalars(select(ServiceItem).options(*_ITEM_LOAD).order_by(ServiceItem.code)))

    def item_by_code(self, code: str) -> Optional[ServiceItem]:
        return self.session.scalars(select(ServiceItem).options(*_ITEM_LOAD).where(ServiceItem.code == code)).first()

    def item_by_name(self, name: str) -> Optional[ServiceItem]:
        return self.session.scalars(select(ServiceItem).options(*_ITEM_LOAD).where(ServiceItem.name == name)).first()

    def item_count(self) -> int:
        return int(self.session.scalar(select(func.count(ServiceItem.id))) or 0)

    def fingerprint(self) -> str:
        """Changes whenever items are added, removed or updated: used to refresh caches."""
        count, latest, last_id = self.session.execute(
            select(func.count(ServiceItem.id), func.max(ServiceItem.updated), func.max(ServiceItem.id))
        ).one()
        return f"{count}:{latest}:{last_id}"

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
