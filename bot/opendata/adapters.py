"""One interface for every kind of portal; the CKAN adapter is the first.

Many Chinese city portals are not CKAN: they expose per-dataset interfaces behind an app key,
with their own envelopes and paging. Such a portal gets its own class with the same ``fetch``,
an entry in :data:`ADAPTERS` and its type name in :data:`bot.opendata.config.ADAPTER_TYPES`
(the config does not import this module); portal.yml then names it as the portal's ``type``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Dict, List, Optional

from bot.opendata.ckan import CkanClient, ProgressCallback
from bot.opendata.config import DatasetConfig, PortalConfig

logger = logging.getLogger(__name__)


@dataclass
class FetchResult:
    records: List[Dict[str, Any]]  # as the portal sent them (portal field names)
    fields: Optional[List[str]]  # field names the portal declares, when it does
    total: Optional[int]  # record count the portal declares, when it does
    source: str  # where it came from, for people: portal URL + package / resource
    source_updated: Optional[date] = None  # when the publisher last changed it
    title: Optional[str] = None  # the portal's own title of the dataset


class PortalAdapter:
    """Fetch one dataset from one portal; raise a :class:`bot.opendata.errors.PortalError`."""

    def __init__(self, portal: PortalConfig) -> None:
        self.portal = portal

    def fetch(self, dataset: DatasetConfig, on_progress: Optional[ProgressCallback] = None) -> FetchResult:
        raise NotImplementedError

    def close(self) -> None:
        pass


class CkanAdapter(PortalAdapter):
    def __init__(self, portal: PortalConfig, client: Optional[CkanClient] = None) -> None:
        super().__init__(portal)
        self.client = client or CkanClient(
            portal.base_url,
            timeout=portal.timeout,
            retries=portal.retries,
            backoff=portal.backoff,
            user_agent=portal.user_agent,
            api_key=portal.api_key,
        )

    def fetch(self, dataset: DatasetConfig, on_progress: Optional[ProgressCallback] = None) -> FetchResult:
        updated: Optional[date] = None
        title: Optional[str] = None
        if dataset.package:
            package = self.client.package_show(dataset.package)
            title = package.get("title") or None
            resource = next((r for r in package.get("resources") or []
                             if isinstance(r, dict) and r.get("id") == dataset.resource_id), None)
            if resource is None:
                logger.warning("resource %s is not listed in package %s", dataset.resource_id, dataset.package)
            else:
                updated = parse_day(resource.get("last_modified")) or parse_day(resource.get("metadata_modified"))
            updated = updated or parse_day(package.get("metadata_modified"))
        result = self.client.datastore_search_all(
            dataset.resource_id,
            page_size=self.portal.page_size,
            max_pages=self.portal.max_pages,
            on_page=on_progress,
        )
        where = f"package {dataset.package}, " if dataset.package else ""
        return FetchResult(
            records=result.records,
            fields=result.fields,
            total=result.total,
            source=f"{self.portal.base_url} ({where}resource {dataset.resource_id})",
            source_updated=updated,
            title=title,
        )

    def close(self) -> None:
        self.client.close()


def parse_day(value: Any) -> Optional[date]:
    """``2026-10-20T08:00:00.000000`` / ``2026-10-20`` -> date; anything else -> None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


ADAPTERS: Dict[str, Callable[[PortalConfig], PortalAdapter]] = {"ckan": CkanAdapter}


def make_adapter(portal: PortalConfig) -> PortalAdapter:
    return ADAPTERS[portal.type](portal)
