"""A resident's request about their data, by conversation id (``sender_id``; a WeChat openid, a
web-chat session id, a REST sender): everything stored under it, as JSON, or its deletion.

The id is what the resident can show (the web page keeps it; WeChat knows the openid): a request
is served for exactly that id, never by searching text.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import delete, select, update

from bot.audit.log import cli_actor, record
from bot.channels.wechat.models import DedupKey, DeliveryFailure, OfferedChoices
from bot.db import session_scope
from bot.desk.models import Ticket, TicketLog, TicketNote
from bot.ratings.models import FollowUp, Rating
from bot.retention.erase import changed, erase_orders, erase_tickets, summary_of
from bot.retention.rows import RATING_ERASE, as_dict, sender_digest
from bot.tracking import events as tracker_events
from bot.workorders.models import WorkOrder, WorkOrderLog, WorkOrderNotice, WorkOrderReply

logger = logging.getLogger(__name__)


def _children(session: Any, model: Any, column: Any, parent_id: int) -> List[Dict[str, Any]]:
    rows = session.execute(select(model).where(column == parent_id).order_by(model.id)).scalars()
    return [as_dict(row) for row in rows]


def export_sender(sender_id: str, tracker_url: Optional[str] = None) -> Dict[str, Any]:
    """Everything stored under ``sender_id``: conversation events (as stored: masked), desk tickets
    with notes and history, work orders with replies, notices and history, ratings with their
    follow-up, and the WeChat channel's rows. Full values where the store keeps them in full (a
    call-back number): the export is the resident's own data, handed to them."""
    result: Dict[str, Any] = {
        "sender_id": sender_id,
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "conversation": tracker_events.stored_events(sender_id, tracker_url),
    }
    with session_scope() as session:
        tickets = []
        by_sender = select(Ticket).where(Ticket.sender_id == sender_id).order_by(Ticket.id)
        for ticket in session.execute(by_sender).scalars():
            tickets.append({**as_dict(ticket), "notes": _children(session, TicketNote, TicketNote.ticket_id, ticket.id),
                            "history": _children(session, TicketLog, TicketLog.ticket_id, ticket.id)})
        orders = []
        for order in session.execute(select(WorkOrder).where(WorkOrder.sender_id == sender_id)
                                     .order_by(WorkOrder.id)).scalars():
            orders.append({**as_dict(order),
                           "replies": _children(session, WorkOrderReply, WorkOrderReply.order_id, order.id),
                           "notices": _children(session, WorkOrderNotice, WorkOrderNotice.order_id, order.id),
                           "history": _children(session, WorkOrderLog, WorkOrderLog.order_id, order.id)})
        ratings = []
        given = select(Rating).where(Rating.sender_id == sender_id).order_by(Rating.id)
        for rating in session.execute(given).scalars():
            followup = session.execute(select(FollowUp).where(FollowUp.rating_id == rating.id)).scalar_one_or_none()
            ratings.append({**as_dict(rating), "followup": as_dict(followup) if followup is not None else None})
        choices = session.get(OfferedChoices, sender_id)
        failures = session.execute(select(DeliveryFailure).where(DeliveryFailure.openid == sender_id)
                                   .order_by(DeliveryFailure.id)).scalars()
        result.update(tickets=tickets, work_orders=orders, ratings=ratings, wechat={
            "offered_choices": as_dict(choices) if choices is not None else None,
            "delivery_failures": [as_dict(row) for row in failures]})
    return result


def delete_sender(sender_id: str, tracker_url: Optional[str] = None, actor: Optional[str] = None) -> Dict[str, int]:
    """Delete or anonymise everything stored under ``sender_id`` (bot.retention.rows says which);
    how many records of each kind. An audit entry records the request by a digest of the id."""
    if not sender_id:
        raise ValueError("sender_id is empty")
    counts: Dict[str, int] = {"conversation_events": tracker_events.delete_conversation(sender_id, tracker_url)}
    with session_scope() as session:
        counts.update(erase_tickets(session, list(session.execute(
            select(Ticket.id).where(Ticket.sender_id == sender_id)).scalars())))
        counts["work_orders"] = erase_orders(session, list(session.execute(
            select(WorkOrder.id).where(WorkOrder.sender_id == sender_id)).scalars()))
        counts["ratings"] = changed(session, update(Rating).where(Rating.sender_id == sender_id)
                                    .values(**RATING_ERASE))
        counts["wechat_rows"] = (
            changed(session, delete(OfferedChoices).where(OfferedChoices.openid == sender_id))
            + changed(session, delete(DeliveryFailure).where(DeliveryFailure.openid == sender_id))
            + changed(session, delete(DedupKey).where(DedupKey.key.like(f"%:evt:{_like(sender_id)}:%",
                                                                        escape="\\"))))
        record(session, actor=actor or cli_actor(), source="cli", entity="privacy", key=sender_digest(sender_id),
               action="delete", summary=summary_of(counts))
    logger.info("privacy delete for %s: %s", sender_digest(sender_id), counts)
    return counts


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
