"""Reading and deleting stored conversation events outside Rasa (privacy export, delete, purge).

The table is Rasa's own (``SQLTrackerStore.SQLEvent``: id, sender_id, type_name, timestamp,
intent_name, action_name, data as JSON text), so the columns cannot drift from what Rasa writes.
Every function runs one transaction on the tracker database (``TRACKER_DB_URL``, see bot.config).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Engine

from bot.config import get_settings
from bot.db import get_engine

logger = logging.getLogger(__name__)

EVENTS: Table = SQLTrackerStore.SQLEvent.__table__
SESSION_STARTED = SessionStarted.type_name


def tracker_engine(url: Optional[str] = None) -> Engine:
    """The tracker database's engine, with Rasa's ``events`` table created if it is missing (a
    fresh install on which Rasa has not run yet has nothing to export, not an error)."""
    engine = get_engine(url or get_settings().tracker_db_url)
    EVENTS.create(engine, checkfirst=True)
    return engine


def stored_events(sender_id: str, url: Optional[str] = None) -> List[Dict[str, Any]]:
    """Every stored event of one conversation, all sessions, oldest first (as Rasa orders them)."""
    with tracker_engine(url).connect() as conn:
        rows = conn.execute(select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
                            .order_by(EVENTS.c.id)).scalars().all()
    return [json.loads(data) for data in rows]


def delete_conversation(sender_id: str, url: Optional[str] = None) -> int:
    """Delete one conversation's events; how many rows went."""
    with tracker_engine(url).begin() as conn:
        return int(conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount or 0)


def purge_before(cutoff: float, url: Optional[str] = None) -> Dict[str, int]:
    """Delete events older than ``cutoff`` (a Unix time): ``{"events", "conversations"}`` removed.

    A conversation silent since before the cutoff goes whole. One still active keeps its current
    session (from its latest ``session_started``, even if that began before the cutoff): Rasa
    counts a session's stored events to know which are new, so rows must never vanish from under
    a session in progress. Sessions expire after an hour of silence (domain.yml), so what is kept
    past the cutoff is at most the session still going on.
    """
    removed = conversations = 0
    with tracker_engine(url).begin() as conn:
        stale = conn.execute(
            select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp))
            .where(EVENTS.c.sender_id.in_(select(EVENTS.c.sender_id).where(EVENTS.c.timestamp < cutoff)))
            .group_by(EVENTS.c.sender_id)).all()
        for sender_id, last in stale:
            boundary = cutoff
            if last is not None and last >= cutoff:
                session_start = conn.execute(
                    select(func.max(EVENTS.c.timestamp)).where(EVENTS.c.sender_id == sender_id,
                                                                EVENTS.c.type_name == SESSION_STARTED)).scalar()
                if session_start is not None:
                    boundary = min(cutoff, float(session_start))
            else:
                conversations += 1
            removed += int(conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id,
                                                             EVENTS.c.timestamp < boundary)).rowcount or 0)
    logger.info("tracker purge: %s events of %s conversations older than the cutoff", removed, len(stale))
    return {"events": removed, "conversations": conversations}
