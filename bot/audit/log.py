"""Writing and reading the audit log, and reverting one change.

A change and its audit entry are written in the same transaction: callers pass their session to
:func:`record`. Reverting is the feature's business (it knows how to re-apply a record), so each
feature registers a reverter for its entity; this module imports no feature.
"""
from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEntry
from bot.db import session_scope

logger = logging.getLogger(__name__)

SOURCES = ("console", "cli", "import")
# (session, entry, actor) -> the key of the record now restored; the reverter records its own entry
Reverter = Callable[[Session, "AuditView", str], None]
_REVERTERS: Dict[str, Reverter] = {}


class AuditError(ValueError):
    """A revert that cannot be done; the message is for the administrator."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    source: str
    entity: str
    key: str
    action: str
    summary: str
    before: Optional[Dict[str, Any]]
    after: Optional[Dict[str, Any]]
    reverts: Optional[int]

    def changes(self) -> List[Dict[str, Any]]:
        """The top-level fields that differ: ``[{"field", "before", "after"}]``."""
        before, after = self.before or {}, self.after or {}
        return [{"field": name, "before": before.get(name), "after": after.get(name)}
                for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]

    def as_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "source": self.source,
                "entity": self.entity, "key": self.key, "action": self.action, "summary": self.summary,
                "before": self.before, "after": self.after, "reverts": self.reverts, "changes": self.changes()}


def _view(row: AuditEntry) -> AuditView:
    return AuditView(row.id, row.at, row.actor, row.source, row.entity, row.key, row.action, row.summary or "",
                     row.before, row.after, row.reverts)


def cli_actor() -> str:
    """Who ran a command: the operating-system user (CLI runs have no login)."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except Exception:  # no user name in some containers
        return "cli"


def record(session: Session, *, actor: str, source: str, entity: str, key: str, action: str,
           before: Optional[Dict[str, Any]] = None, after: Optional[Dict[str, Any]] = None, summary: str = "",
           reverts: Optional[int] = None, now: Optional[datetime] = None) -> int:
    """Add an entry inside the caller's transaction; its id."""
    if source not in SOURCES:
        raise ValueError(f"unknown audit source {source!r}")
    row = AuditEntry(at=now or datetime.now(timezone.utc), actor=actor[:64], source=source, entity=entity,
                     key=str(key)[:128], action=action, summary=summary[:300], before=before, after=after,
                     reverts=reverts)
    session.add(row)
    session.flush()
    return int(row.id)


def history(entity: Optional[str] = None, key: Optional[str] = None, limit: int = 200,
            before_id: Optional[int] = None) -> List[AuditView]:
    """Newest first; all entities, one entity, or one record."""
    with session_scope() as session:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if entity:
            query = query.where(AuditEntry.entity == entity)
        if key:
            query = query.where(AuditEntry.key == key)
        if before_id:
            query = query.where(AuditEntry.id < before_id)
        return [_view(row) for row in session.execute(query).scalars()]


def get_entry(entry_id: int) -> Optional[AuditView]:
    with session_scope() as session:
        row = session.get(AuditEntry, entry_id)
        return _view(row) if row is not None else None


def register_reverter(entity: str, reverter: Reverter) -> None:
    """A feature says how to put one of its records back as an entry's ``before`` shows it."""
    _REVERTERS[entity] = reverter


def revert(entry_id: int, actor: str, source: str = "console") -> AuditView:
    """Undo one change: the record goes back to the entry's ``before`` (a creation is soft-deleted).

    The feature's reverter writes the record and its own audit entry (action ``revert``) in the
    same transaction; the newest entry of that record is returned.
    """
    with session_scope() as session:
        row = session.get(AuditEntry, entry_id)
        if row is None:
            raise AuditError("修改记录不存在", 404)
        entry = _view(row)
        reverter = _REVERTERS.get(entry.entity)
        if reverter is None:
            raise AuditError(f"这类修改（{entry.entity}）不能撤销")
        reverter(session, entry, actor)
    latest = history(entry.entity, entry.key, limit=1)
    logger.info("audit entry %s (%s %s) reverted by %s", entry_id, entry.entity, entry.key, actor)
    return latest[0]
