"""Anonymising rows that must stay, inside the caller's transaction (bot.retention.rows says why)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

from sqlalchemy import delete, update

from bot.desk.models import OPEN_STATUSES, Ticket, TicketNote
from bot.retention.rows import TICKET_ERASE, WORK_ORDER_ERASE
from bot.workorders.models import RoutingCorrection, WorkOrder, WorkOrderNotice, WorkOrderReply

ERASED_BY = "privacy"  # closed_by of an open ticket closed by a deletion request


def changed(session: Any, statement: Any) -> int:
    """Run a bulk UPDATE or DELETE in the session's transaction; how many rows it changed. No ORM
    object of these rows is loaded, so there is nothing to synchronise."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)


def summary_of(counts: Dict[str, int]) -> str:
    """The audit entry's summary: counts only, never a resident's data."""
    return "，".join(f"{name} {count}" for name, count in counts.items())


def erase_tickets(session: Any, ticket_ids: List[int]) -> Dict[str, int]:
    """Staff notes deleted; the sender, the summary and the call-back number and message cleared.
    Status, times, staff and outcome stay for the desk's statistics. A ticket still open is closed
    first (a conversation has one open ticket at most: two erased ones must not share a sender)."""
    if not ticket_ids:
        return {"ticket_notes": 0, "tickets": 0}
    changed(session, update(Ticket).where(Ticket.id.in_(ticket_ids), Ticket.status.in_(OPEN_STATUSES))
            .values(status="closed", closed_at=datetime.now(timezone.utc), closed_by=ERASED_BY,
                    outcome="应本人要求删除"))
    notes = changed(session, delete(TicketNote).where(TicketNote.ticket_id.in_(ticket_ids)))
    tickets = changed(session, update(Ticket).where(Ticket.id.in_(ticket_ids)).values(**TICKET_ERASE))
    return {"ticket_notes": notes, "tickets": tickets}


def erase_orders(session: Any, order_ids: List[int]) -> int:
    """Work orders anonymised: personal fields cleared, the department's replies and the pushes to
    the resident blanked, routing corrections (the resident's words as training rows) deleted;
    number, category, department, status and times stay."""
    if not order_ids:
        return 0
    changed(session, update(WorkOrderReply).where(WorkOrderReply.order_id.in_(order_ids)).values(text=""))
    changed(session, update(WorkOrderNotice).where(WorkOrderNotice.order_id.in_(order_ids)).values(text=""))
    changed(session, delete(RoutingCorrection).where(RoutingCorrection.order_id.in_(order_ids)))
    return changed(session, update(WorkOrder).where(WorkOrder.id.in_(order_ids)).values(**WORK_ORDER_ERASE))
