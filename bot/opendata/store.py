"""Reading and replacing cached datasets (tables in :mod:`bot.opendata.models`).

Readers get plain frozen objects, usable after the session closes (e.g. inside an action).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.hours import TZ
from bot.opendata.models import OpenDataset, OpenDataSync

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class CachedDataset:
    name: str
    title: str
    portal: str
    portal_title: str
    sample: bool
    source: str
    rows: Tuple[Dict[str, Any], ...]
    row_count: int
    source_updated: Optional[date]
    fetched_at: datetime  # aware, UTC

    @property
    def fetched_local(self) -> datetime:
        return self.fetched_at.astimezone(TZ)

    @property
    def updated(self) -> date:
        """The date residents see: the publisher's update date, else when we fetched it."""
        return self.source_updated or self.fetched_local.date()

    def is_stale(self, now: datetime, stale_after_days: int) -> bool:
        return _aware(now) - self.fetched_at > timedelta(days=stale_after_days)

    def source_line(self, now: Optional[datetime] = None, stale_after_days: Optional[int] = None) -> str:
        """数据来源：医疗机构名录（江州市公共数据开放平台，示例数据），数据更新于 2026-10-20"""
        portal = f"{self.portal_title}，示例数据" if self.sample else self.portal_title
        line = f"数据来源：{self.title}（{portal}），数据更新于 {self.updated.isoformat()}"
        if now is not None and stale_after_days is not None and self.is_stale(now, stale_after_days):
            line += f"（最近一次同步为 {self.fetched_local.date().isoformat()}，可能不是最新）"
        return line


def checksum(rows: Sequence[Dict[str, Any]]) -> str:
    payload = json.dumps(list(rows), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _cached(row: OpenDataset) -> CachedDataset:
    return CachedDataset(
        name=row.name,
        title=row.title,
        portal=row.portal,
        portal_title=row.portal_title,
        sample=bool(row.sample),
        source=row.source,
        rows=tuple(row.rows or ()),
        row_count=row.row_count,
        source_updated=row.source_updated,
        fetched_at=_aware(row.fetched_at),
    )


def load_dataset(name: str, session: Optional[Session] = None) -> Optional[CachedDataset]:
    """The cached dataset, or None when it was never synced. Blocking: call off the event loop."""
    if session is None:
        with session_scope() as own:
            return load_dataset(name, own)
    row = session.scalars(select(OpenDataset).where(OpenDataset.name == name)).first()
    return _cached(row) if row is not None else None


def previous_count(session: Session, name: str) -> Optional[int]:
    return session.scalar(select(OpenDataset.row_count).where(OpenDataset.name == name))


def save_dataset(
    session: Session,
    *,
    name: str,
    title: str,
    portal: str,
    portal_title: str,
    sample: bool,
    source: str,
    rows: List[Dict[str, Any]],
    source_updated: Optional[date],
    fetched_at: datetime,
) -> bool:
    """Replace the cached copy inside the caller's transaction; True when the rows changed."""
    digest = checksum(rows)
    row = session.scalars(select(OpenDataset).where(OpenDataset.name == name).with_for_update()).first()
    changed = row is None or row.checksum != digest
    if row is None:
        row = OpenDataset(name=name)
        session.add(row)
    row.title = title
    row.portal = portal
    row.portal_title = portal_title
    row.sample = sample
    row.source = source
    row.rows = rows
    row.row_count = len(rows)
    row.checksum = digest
    row.source_updated = source_updated
    row.fetched_at = _naive_utc(fetched_at)
    return changed


def record_attempt(
    session: Session,
    *,
    dataset: str,
    started_at: datetime,
    ok: bool,
    changed: bool = False,
    row_count: Optional[int] = None,
    error_kind: Optional[str] = None,
    error: Optional[str] = None,
) -> None:
    session.add(OpenDataSync(dataset=dataset, started_at=_naive_utc(started_at), ok=ok, changed=changed,
                             row_count=row_count, error_kind=error_kind, error=error))


@dataclass(frozen=True)
class DatasetStatus:
    name: str
    title: str
    row_count: Optional[int]
    fetched_at: Optional[datetime]  # aware UTC
    source_updated: Optional[date]
    last_attempt_at: Optional[datetime]
    last_ok: Optional[bool]
    last_error: Optional[str]


def dataset_status(
    names: Sequence[str], titles: Dict[str, str], session: Optional[Session] = None
) -> List[DatasetStatus]:
    """For each configured dataset: what the cache holds and how the last attempt went."""
    if session is None:
        with session_scope() as own:
            return dataset_status(names, titles, own)
    cached: Dict[str, Any] = {row.name: row for row in session.scalars(select(OpenDataset))}
    result = []
    for name in list(names) + sorted(set(cached) - set(names)):
        last = session.scalars(
            select(OpenDataSync).where(OpenDataSync.dataset == name).order_by(OpenDataSync.id.desc()).limit(1)
        ).first()
        row = cached.get(name)
        result.append(DatasetStatus(
            name=name,
            title=row.title if row else titles.get(name, name),
            row_count=row.row_count if row else None,
            fetched_at=_aware(row.fetched_at) if row else None,
            source_updated=row.source_updated if row else None,
            last_attempt_at=_aware(last.started_at) if last else None,
            last_ok=last.ok if last else None,
            last_error=last.error if last and not last.ok else None,
        ))
    return result
