"""What is past retention (``RETENTION_DAYS``, default 180) goes: ``python -m bot privacy purge``.

- conversations: events older than the cutoff (bot.tracking.events.purge_before keeps a session
  still going on);
- desk tickets closed before the cutoff: staff notes deleted, the summary, call-back number and
  message and the sender cleared (the row stays for the desk's statistics);
- work orders finished (办结/退回) before the cutoff: anonymised as on a deletion request;
- ratings given before the cutoff: no longer tied to the conversation (the level stays for 好差评);
- WeChat: undelivered-message previews and offered choices older than the cutoff, expired dedup keys.

Open tickets and open work orders are never touched, however old. Running it twice changes nothing
the second time. An audit entry records each run with its counts.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Dict, Optional

from sqlalchemy import and_, delete, func, or_, select, update

from bot.audit.log import cli_actor, record
from bot.channels.wechat.models import DedupKey, DeliveryFailure, OfferedChoices
from bot.db import session_scope
from bot.desk.models import Ticket, TicketNote
from bot.ratings.models import Rating
from bot.retention.erase import changed, erase_orders, erase_tickets, summary_of
from bot.retention.rows import ERASED_SENDER, RATING_ERASE
from bot.tracking import events as tracker_events
from bot.workorders.models import FINAL_STATUSES, WorkOrder

logger = logging.getLogger(__name__)


def purge(older_than_days: int, now: Optional[datetime] = None, tracker_url: Optional[str] = None,
          actor: Optional[str] = None) -> Dict[str, int]:
    """Delete or anonymise what is older than ``older_than_days``; how many records of each kind."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=older_than_days)
    conversation = tracker_events.purge_before(cutoff.timestamp(), tracker_url)
    counts: Dict[str, int] = {"conversation_events": conversation["events"],
                              "conversations": conversation["conversations"]}
    with session_scope() as session:
        closed_at = func.coalesce(Ticket.closed_at, Ticket.created_at)
        ticket_ids = list(session.execute(select(Ticket.id).where(
            Ticket.status == "closed", closed_at < cutoff,
            or_(Ticket.sender_id != ERASED_SENDER, Ticket.question != "", Ticket.answer != "",
                Ticket.callback_phone.is_not(None), Ticket.callback_note.is_not(None),
                Ticket.id.in_(select(TicketNote.ticket_id))))).scalars())
        counts.update(erase_tickets(session, ticket_ids))
        finished_at = func.coalesce(WorkOrder.closed_at, WorkOrder.updated_at)
        counts["work_orders"] = erase_orders(session, list(session.execute(select(WorkOrder.id).where(
            WorkOrder.status.in_(FINAL_STATUSES), finished_at < cutoff,
            or_(WorkOrder.sender_id != ERASED_SENDER, WorkOrder.what != "", WorkOrder.phone.is_not(None),
                WorkOrder.place.is_not(None)))).scalars()))
        counts["ratings"] = changed(session, update(Rating).where(
            and_(Rating.created_at < cutoff, Rating.sender_id != ERASED_SENDER)).values(**RATING_ERASE))
        epoch = cutoff.timestamp()
        counts["wechat_rows"] = (
            changed(session, delete(DeliveryFailure).where(DeliveryFailure.created_at < epoch))
            + changed(session, delete(OfferedChoices).where(OfferedChoices.created_at < epoch))
            + changed(session, delete(DedupKey).where(DedupKey.expires_at < now.timestamp())))
        record(session, actor=actor or cli_actor(), source="cli", entity="privacy",
               key=f"older-than-{older_than_days}d", action="purge", summary=summary_of(counts), now=now)
    logger.info("privacy purge older than %s days: %s", older_than_days, counts)
    return counts
