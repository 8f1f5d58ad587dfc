"""The one query module of the desk: open, claim, note, transfer and close tickets.

Every function runs one transaction and returns plain :class:`TicketInfo` data, so callers on
an event loop use ``asyncio.to_thread`` and no ORM object crosses threads. A claim is one
conditional UPDATE: of two staff members claiming at once exactly one changes the row.
"""
from __future__ import annotations

import logging
import statistics
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.desk.models import OPEN_STATUSES, Ticket, TicketLog, TicketNote
from bot.privacy import mask_phone, mask_pii

logger = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 120
MAX_NOTE_CHARS = 2000
MAX_OUTCOME_CHARS = 200


class TicketError(ValueError):
    """A request the ticket's state does not allow; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes: they were written as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass(frozen=True)
class TicketInfo:
    id: int
    channel: str
    sender_id: str
    kind: str
    status: str
    reason: str
    question: str
    answer: str
    service: Optional[str]
    situation: Optional[str]
    district: Optional[str]
    assignee: Optional[str]
    created_at: datetime
    claimed_at: Optional[datetime]
    closed_at: Optional[datetime]
    closed_by: Optional[str]
    outcome: Optional[str]
    hand_back: Optional[bool]
    callback_phone: Optional[str]  # in full: never put it in a view, use ``to_json``
    callback_note: Optional[str]
    callback_due: Optional[datetime]
    last_resident_at: Optional[datetime]
    resident_messages: int

    @property
    def summary(self) -> str:
        return f"问：{self.question or '（无）'}\n答：{self.answer or '（无）'}"

    def waiting_seconds(self, now: Optional[datetime] = None) -> int:
        end = self.claimed_at or self.closed_at or now or utcnow()
        return max(0, int((end - self.created_at).total_seconds()))

    def to_json(self, now: Optional[datetime] = None) -> Dict[str, Any]:
        """The ticket as the desk API shows it: personal numbers masked."""
        data = asdict(self)
        for key in ("created_at", "claimed_at", "closed_at", "callback_due", "last_resident_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["callback_phone"] = mask_phone(self.callback_phone)
        data["callback_note"] = mask_pii(self.callback_note) if self.callback_note else self.callback_note
        data["summary"] = self.summary
        data["waiting_seconds"] = self.waiting_seconds(now)
        return data


def _info(row: Ticket) -> TicketInfo:
    return TicketInfo(
        id=row.id, channel=row.channel, sender_id=row.sender_id, kind=row.kind, status=row.status,
        reason=row.reason, question=row.question, answer=row.answer, service=row.service,
        situation=row.situation, district=row.district, assignee=row.assignee,
        created_at=as_utc(row.created_at) or utcnow(), claimed_at=as_utc(row.claimed_at),
        closed_at=as_utc(row.closed_at), closed_by=row.closed_by, outcome=row.outcome, hand_back=row.hand_back,
        callback_phone=row.callback_phone, callback_note=row.callback_note, callback_due=as_utc(row.callback_due),
        last_resident_at=as_utc(row.last_resident_at), resident_messages=row.resident_messages or 0,
    )


def _log(session: Any, ticket_id: int, actor: str, action: str, detail: str = "",
         now: Optional[datetime] = None) -> None:
    session.add(TicketLog(ticket_id=ticket_id, actor=actor, action=action, detail=mask_pii(detail)[:300],
                          created_at=now or utcnow()))


def _short(text: str) -> str:
    text = " ".join(mask_pii(text or "").split())
    return text if len(text) <= MAX_SUMMARY_CHARS else text[: MAX_SUMMARY_CHARS - 1] + "…"


# opening ------------------------------------------------------------------------------------
def open_ticket(channel: str, sender_id: str, *, kind: str = "live", reason: str = "request", question: str = "",
                answer: str = "", service: Optional[str] = None, situation: Optional[str] = None,
                district: Optional[str] = None, callback_phone: Optional[str] = None,
                callback_note: Optional[str] = None, callback_due: Optional[datetime] = None,
                now: Optional[datetime] = None) -> TicketInfo:
    """A new ticket; for a live handoff the conversation's open ticket when it already has one."""
    now = now or utcnow()
    if kind == "live":
        existing = open_live_ticket(sender_id)
        if existing is not None:
            return existing
    try:
        with session_scope() as session:
            row = Ticket(channel=channel or "unknown", sender_id=sender_id, kind=kind, status="waiting",
                         reason=reason, question=_short(question), answer=_short(answer), service=service,
                         situation=situation, district=district, created_at=now, callback_phone=callback_phone,
                         callback_note=(callback_note or "")[:MAX_NOTE_CHARS] or None, callback_due=callback_due,
                         last_resident_at=now, resident_messages=0)
            session.add(row)
            session.flush()
            _log(session, row.id, "bot", "opened", f"{kind}/{reason}", now)
            info = _info(row)
    except IntegrityError:  # the same conversation opened one a moment ago
        existing = open_live_ticket(sender_id)
        if existing is None:
            raise
        return existing
    logger.info("desk ticket %s opened (%s, %s, %s)", info.id, kind, reason, channel)
    return info


def open_live_ticket(sender_id: str) -> Optional[TicketInfo]:
    """The conversation's waiting or active live ticket: the channels ask this on every message."""
    with session_scope() as session:
        row = session.execute(
            select(Ticket).where(Ticket.sender_id == sender_id, Ticket.kind == "live",
                                 Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id.desc()).limit(1)
        ).scalar_one_or_none()
        return _info(row) if row is not None else None


def queue_position(ticket_id: int) -> int:
    """1 for the first waiting live ticket."""
    with session_scope() as session:
        return int(session.execute(
            select(func.count()).select_from(Ticket).where(Ticket.kind == "live", Ticket.status == "waiting",
                                                           Ticket.id <= ticket_id)
        ).scalar_one())


def average_handling_minutes(default: float, now: Optional[datetime] = None, samples: int = 20) -> float:
    """Median minutes from claim to close of recent live tickets; ``default`` with fewer than 5."""
    since = (now or utcnow()) - timedelta(days=14)
    with session_scope() as session:
        rows = session.execute(
            select(Ticket.claimed_at, Ticket.closed_at).where(
                Ticket.kind == "live", Ticket.status == "closed", Ticket.claimed_at.is_not(None),
                Ticket.closed_at >= since).order_by(Ticket.closed_at.desc()).limit(samples)
        ).all()
    durations = [((as_utc(b) or since) - (as_utc(a) or since)).total_seconds() / 60 for a, b in rows]
    return statistics.median(durations) if len(durations) >= 5 else default


# while the conversation is paused (the channels) -----------------------------------------------
def note_resident_message(ticket_id: int, now: Optional[datetime] = None) -> None:
    with session_scope() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(
            last_resident_at=now or utcnow(), resident_messages=Ticket.resident_messages + 1))


def cancel_by_resident(ticket_id: int, now: Optional[datetime] = None) -> bool:
    """The resident typed 取消 while waiting; False when staff claimed it meanwhile."""
    now = now or utcnow()
    with session_scope() as session:
        changed = session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "waiting").values(
            status="closed", closed_at=now, closed_by="resident", outcome="居民取消等待", hand_back=True)).rowcount
        if changed:
            _log(session, ticket_id, "resident", "cancelled", "", now)
    return bool(changed)


# the desk ----------------------------------------------------------------------------------------
def list_tickets(status: str, limit: int = 200) -> List[TicketInfo]:
    """Waiting tickets oldest first (the queue); active and closed newest first."""
    with session_scope() as session:
        query = select(Ticket).where(Ticket.status == status)
        query = query.order_by(Ticket.id.asc() if status == "waiting" else Ticket.id.desc()).limit(limit)
        return [_info(row) for row in session.execute(query).scalars()]


def get_ticket(ticket_id: int) -> Optional[TicketInfo]:
    with session_scope() as session:
        row = session.get(Ticket, ticket_id)
        return _info(row) if row is not None else None


def ticket_assignee(ticket_id: int) -> Optional[str]:
    """Who served the ticket (for 好差评 per staff member)."""
    ticket = get_ticket(ticket_id)
    return ticket.assignee if ticket else None


def claim(ticket_id: int, username: str, now: Optional[datetime] = None) -> TicketInfo:
    """Exactly one of several staff members claiming the same waiting ticket gets it."""
    now = now or utcnow()
    with session_scope() as session:
        changed = session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "waiting").values(
            status="active", assignee=username, claimed_at=now)).rowcount
        if changed:
            _log(session, ticket_id, username, "claimed", "", now)
        row = session.get(Ticket, ticket_id)
        if row is None:
            raise TicketError("工单不存在", 404)
        info = _info(row)
    if not changed and not (info.status == "active" and info.assignee == username):
        if info.status == "closed":
            raise TicketError("工单已关闭")
        raise TicketError(f"该工单已由 {info.assignee} 接待")
    return info


def require_holder(ticket_id: int, username: str) -> TicketInfo:
    """The ticket when ``username`` holds it and it is open; a TicketError saying why not otherwise."""
    info = get_ticket(ticket_id)
    if info is None:
        raise TicketError("工单不存在", 404)
    if info.status == "closed":
        raise TicketError("工单已关闭，不能再回复或操作")
    if info.status == "waiting":
        raise TicketError("请先接待该工单")
    if info.assignee != username:
        raise TicketError(f"该工单由 {info.assignee} 接待，您不能操作", 403)
    return info


def log_action(ticket_id: int, actor: str, action: str, detail: str = "") -> None:
    with session_scope() as session:
        _log(session, ticket_id, actor, action, detail)


def add_note(ticket_id: int, author: str, text: str, now: Optional[datetime] = None) -> Dict[str, Any]:
    text = (text or "").strip()
    if not text:
        raise TicketError("备注不能为空", 400)
    if len(text) > MAX_NOTE_CHARS:
        raise TicketError(f"备注不能超过 {MAX_NOTE_CHARS} 字", 400)
    now = now or utcnow()
    with session_scope() as session:
        if session.get(Ticket, ticket_id) is None:
            raise TicketError("工单不存在", 404)
        session.add(TicketNote(ticket_id=ticket_id, author=author, text=text, created_at=now))
    return {"author": author, "text": mask_pii(text), "at": now.isoformat()}


def notes(ticket_id: int) -> List[Dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(TicketNote).where(TicketNote.ticket_id == ticket_id)
                               .order_by(TicketNote.id)).scalars()
        return [{"author": r.author, "text": mask_pii(r.text), "at": (as_utc(r.created_at) or utcnow()).isoformat()}
                for r in rows]


def history(ticket_id: int) -> List[Dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(TicketLog).where(TicketLog.ticket_id == ticket_id)
                               .order_by(TicketLog.id)).scalars()
        return [{"actor": r.actor, "action": r.action, "detail": r.detail,
                 "at": (as_utc(r.created_at) or utcnow()).isoformat()} for r in rows]


def transfer(ticket_id: int, username: str, to: str, now: Optional[datetime] = None) -> TicketInfo:
    """Hand an active ticket to a colleague (the caller checked that ``to`` is active staff)."""
    require_holder(ticket_id, username)
    if to == username:
        raise TicketError("不能转给自己", 400)
    now = now or utcnow()
    with session_scope() as session:
        changed = session.execute(update(Ticket).where(
            Ticket.id == ticket_id, Ticket.status == "active", Ticket.assignee == username,
        ).values(assignee=to)).rowcount
        if not changed:
            raise TicketError("工单状态已变化，请刷新后重试")
        _log(session, ticket_id, username, "transferred", f"转给 {to}", now)
    info = get_ticket(ticket_id)
    assert info is not None
    return info


def close(ticket_id: int, username: str, outcome: str, hand_back: bool, now: Optional[datetime] = None) -> TicketInfo:
    """Close an active ticket (call-back tickets may be closed straight from waiting)."""
    outcome = " ".join((outcome or "").split())
    if not outcome:
        raise TicketError("请填写处理结果", 400)
    if len(outcome) > MAX_OUTCOME_CHARS:
        raise TicketError(f"处理结果不能超过 {MAX_OUTCOME_CHARS} 字", 400)
    current = get_ticket(ticket_id)
    if current is None:
        raise TicketError("工单不存在", 404)
    if not (current.kind == "callback" and current.status == "waiting"):
        require_holder(ticket_id, username)
    now = now or utcnow()
    with session_scope() as session:
        changed = session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == current.status).values(
            status="closed", closed_at=now, closed_by=username, outcome=outcome, hand_back=hand_back,
            assignee=current.assignee or username, claimed_at=current.claimed_at or now)).rowcount
        if not changed:
            raise TicketError("工单状态已变化，请刷新后重试")
        _log(session, ticket_id, username, "closed", f"{outcome}（{'交还智能助手' if hand_back else '结束会话'}）", now)
    info = get_ticket(ticket_id)
    assert info is not None
    return info


def reveal_phone(ticket_id: int, username: str) -> str:
    """The call-back number in full; every reveal is in the ticket's history."""
    info = get_ticket(ticket_id)
    if info is None:
        raise TicketError("工单不存在", 404)
    if not info.callback_phone:
        raise TicketError("该工单没有留下电话", 404)
    log_action(ticket_id, username, "revealed_phone", "查看完整回电号码")
    logger.info("desk ticket %s: %s revealed the call-back number", ticket_id, username)
    return info.callback_phone
