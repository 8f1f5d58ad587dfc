"""``opendata sync``: fetch each dataset, validate it whole, then swap it into the cache.

A dataset is replaced only by a complete, valid payload, in one transaction; on any failure
(timeout, HTTP error, malformed JSON, ``success: false``, missing fields, endless paging, ...)
the previous copy stays and the failure is logged, recorded and reported.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Dict, List, Optional

from bot.db import session_scope
from bot.opendata.adapters import PortalAdapter, make_adapter
from bot.opendata.config import OpenDataConfig, PortalConfig
from bot.opendata.errors import PortalError
from bot.opendata.mapping import map_records
from bot.opendata.store import previous_count, record_attempt, save_dataset, utcnow

logger = logging.getLogger(__name__)


@dataclass
class DatasetOutcome:
    name: str
    title: str
    ok: bool
    changed: bool = False
    rows: int = 0
    previous_rows: Optional[int] = None  # rows in the cache before this sync
    error_kind: Optional[str] = None
    error: Optional[str] = None

    @property
    def kept_previous(self) -> bool:
        return not self.ok and self.previous_rows is not None

    def describe(self) -> str:
        if self.ok:
            state = "有更新" if self.changed else "无变化"
            return f"{self.name}（{self.title}）：成功，{self.rows} 条，{state}"
        kept = (f"保留原有缓存（{self.previous_rows} 条）" if self.kept_previous else "缓存中暂无此数据集")
        return f"{self.name}（{self.title}）：失败，{self.error}；{kept}"


@dataclass
class SyncReport:
    outcomes: List[DatasetOutcome] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def changed(self) -> int:
        return sum(1 for o in self.outcomes if o.ok and o.changed)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok)

    def outcome(self, name: str) -> DatasetOutcome:
        return next(o for o in self.outcomes if o.name == name)

    def summary(self) -> str:
        return f"同步完成：成功 {self.fetched}（有更新 {self.changed}），失败 {self.failed}"


ProgressHook = Callable[[str, int, Optional[int]], None]


def run_sync(
    config: OpenDataConfig,
    names: Optional[List[str]] = None,
    *,
    adapter_factory: Callable[[PortalConfig], PortalAdapter] = make_adapter,
    clock: Callable[[], datetime] = utcnow,
    on_progress: Optional[ProgressHook] = None,
    on_done: Optional[Callable[[DatasetOutcome], None]] = None,
) -> SyncReport:
    report = SyncReport()
    adapters: Dict[str, PortalAdapter] = {}
    try:
        for dataset in config.select(names):
            portal = config.portal_for(dataset)
            if portal.key not in adapters:
                adapters[portal.key] = adapter_factory(portal)
            outcome = _sync_one(config, dataset.name, adapters[portal.key], portal, clock, on_progress)
            report.outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    finally:
        for adapter in adapters.values():
            adapter.close()
    logger.info(report.summary())
    return report


def _sync_one(config: OpenDataConfig, name: str, adapter: PortalAdapter, portal: PortalConfig,
              clock: Callable[[], datetime], on_progress: Optional[ProgressHook]) -> DatasetOutcome:
    dataset = config.datasets[name]
    started = clock()
    with session_scope() as session:
        before = previous_count(session, name)
    outcome = DatasetOutcome(name=name, title=dataset.title, ok=False, previous_rows=before)
    progress = (lambda done, total: on_progress(name, done, total)) if on_progress else None
    try:
        fetched = adapter.fetch(dataset, on_progress=progress)
        rows = map_records(fetched.records, dataset, declared_fields=fetched.fields, declared_total=fetched.total)
        with session_scope() as session:  # one transaction: the swap and its log line
            changed = save_dataset(
                session,
                name=name,
                title=dataset.title,
                portal=portal.key,
                portal_title=portal.title,
                sample=portal.sample,
                source=fetched.source,
                rows=rows,
                source_updated=fetched.source_updated,
                fetched_at=clock(),
            )
            record_attempt(session, dataset=name, started_at=started, ok=True, changed=changed, row_count=len(rows))
        outcome.ok, outcome.changed, outcome.rows = True, changed, len(rows)
        logger.info("opendata %s: %d rows, %s", name, len(rows), "changed" if changed else "unchanged")
        return outcome
    except PortalError as exc:
        outcome.error_kind, outcome.error = exc.kind, exc.describe()
    except Exception as exc:  # an unexpected payload or a bug must not stop the other datasets
        logger.exception("opendata %s: unexpected error", name)
        outcome.error_kind, outcome.error = "unexpected", f"意外错误（unexpected）：{type(exc).__name__}: {exc}"
    logger.warning("opendata %s: sync failed, previous copy kept: %s", name, outcome.error)
    try:
        with session_scope() as session:
            record_attempt(session, dataset=name, started_at=started, ok=False,
                           error_kind=outcome.error_kind, error=outcome.error)
    except Exception:  # the report still says what failed
        logger.exception("opendata %s: could not record the failed attempt", name)
    return outcome
