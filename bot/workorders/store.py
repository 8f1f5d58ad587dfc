"""Filing, finding and listing work orders (one transaction per call, plain data out).

Numbers: ``JZ`` + the filing day as ``YYYYMMDD`` + ``-`` + the day's sequence, at least four
digits (``JZ20261127-0042``). The next sequence is read and inserted under the table's unique
(day, seq) constraint; two orders racing for the same number make the loser retry, so numbers
stay gap-free in practice and never collide.

Changing an order (assign, status, reply, re-route) is :mod:`bot.workorders.handling`; counts and
the router's accuracy are :mod:`bot.workorders.stats`.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.hours.clock import to_local
from bot.privacy import mask_phone, mask_pii
from bot.workorders.models import CATEGORIES, OPEN_STATUSES, STATUSES, WorkOrder, WorkOrderLog

logger = logging.getLogger(__name__)

NUMBER = re.compile(r"JZ(\d{8})-(\d{4,})", re.IGNORECASE)
MAX_ATTEMPTS = 20
MAX_TEXT = 2000
MAX_PLACE = 300
MAX_WHEN = 100
MAX_PHONE = 64
MAX_LIST = 500


class WorkOrderError(ValueError):
    """A request the store refuses; the message is for the resident or staff, ``status`` the HTTP
    status an API answers with (400 bad input, 404 unknown order, 409 the order's state forbids it)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def format_number(day: date, seq: int) -> str:
    return f"JZ{day:%Y%m%d}-{seq:04d}"


def find_number(text: str) -> Optional[str]:
    """The first work-order number in what a resident typed (any case, full-width digits allowed)."""
    match = NUMBER.search(unicodedata.normalize("NFKC", text or ""))
    return f"JZ{match.group(1)}-{match.group(2)}" if match else None


def routing_text(what: str, place: Optional[str]) -> str:
    """What the router reads for an order, and what a correction exports: the matter, then the place."""
    return " ".join(part for part in (what, place) if part)


@dataclass(frozen=True)
class WorkOrderInfo:
    id: int
    number: str
    channel: str
    sender_id: str
    category: str
    department: Optional[str]
    confidence: Optional[float]
    triage: bool
    status: str
    what: str
    district: Optional[str]
    place: Optional[str]
    when_text: Optional[str]
    phone: Optional[str]  # in full: views use ``to_json``
    reply: Optional[str]
    created_at: datetime
    updated_at: datetime
    due_at: Optional[datetime]  # first response expected by
    suggested: Optional[str] = None  # the router's best guess (also when triaged)
    auto_department: Optional[str] = None  # what the router chose on its own; None when triaged
    router_model: Optional[str] = None
    handle_due_at: Optional[datetime] = None  # to be 办结 by
    responded_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    return_reason: Optional[str] = None
    assignee: Optional[str] = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: Optional[datetime] = None) -> Optional[str]:
        """Why an open order is late (「首次答复已超时」「办理已超时」), or None."""
        if not self.is_open:
            return None
        now = now or utcnow()
        if self.handle_due_at is not None and now > self.handle_due_at:
            return "办理已超时"
        if self.responded_at is None and self.due_at is not None and now > self.due_at:
            return "首次答复已超时"
        return None

    def to_json(self, now: Optional[datetime] = None) -> Dict[str, Any]:
        """The order as views show it: personal numbers masked."""
        now = now or utcnow()
        data = asdict(self)
        for key in ("created_at", "updated_at", "due_at", "handle_due_at", "responded_at", "closed_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["phone"] = mask_phone(self.phone)
        data["has_phone"] = bool(self.phone)
        data["what"] = mask_pii(self.what)
        data["place"] = mask_pii(self.place) if self.place else self.place
        data["reply"] = mask_pii(self.reply) if self.reply else self.reply
        data["confidence"] = round(self.confidence, 4) if self.confidence is not None else None
        reason = self.overdue(now)
        data["overdue"] = reason is not None
        data["overdue_reason"] = reason
        data["age_hours"] = round(max(0.0, (now - self.created_at).total_seconds()) / 3600, 1)
        return data


def _info(row: WorkOrder) -> WorkOrderInfo:
    return WorkOrderInfo(
        id=row.id, number=row.number, channel=row.channel, sender_id=row.sender_id, category=row.category,
        department=row.department, confidence=row.confidence, triage=bool(row.triage), status=row.status,
        what=row.what, district=row.district, place=row.place, when_text=row.when_text, phone=row.phone,
        reply=row.reply, created_at=row.created_at, updated_at=row.updated_at, due_at=row.due_at,
        suggested=row.suggested, auto_department=row.auto_department, router_model=row.router_model,
        handle_due_at=row.handle_due_at, responded_at=row.responded_at, closed_at=row.closed_at,
        return_reason=row.return_reason, assignee=row.assignee)


def _clip(value: Optional[str], limit: int) -> Optional[str]:
    value = " ".join((value or "").split())
    return mask_pii(value)[:limit] or None


def file_order(channel: str, sender_id: str, category: str, what: str, *, department: Optional[str] = None,
               confidence: Optional[float] = None, triage: bool = False, district: Optional[str] = None,
               place: Optional[str] = None, when_text: Optional[str] = None, phone: Optional[str] = None,
               respond_within: Optional[timedelta] = None, now: Optional[datetime] = None,
               suggested: Optional[str] = None, router_model: Optional[str] = None,
               due_at: Optional[datetime] = None, handle_due_at: Optional[datetime] = None) -> WorkOrderInfo:
    """File a work order with the next number of the filing day (Asia/Shanghai).

    Personal numbers in ``what``, ``place`` and ``when_text`` are masked before they are stored; the
    phone number lives only in its own column. ``due_at`` (or ``now + respond_within``) is the first
    response's deadline. :func:`bot.workorders.filing.submit` routes the order and applies the policy.
    """
    if category not in CATEGORIES:
        raise WorkOrderError(f"诉求类型应为 {'、'.join(CATEGORIES)} 之一")
    what = " ".join((what or "").split())
    if not what:
        raise WorkOrderError("请说明发生了什么")
    what = mask_pii(what)[:MAX_TEXT]
    now = now or utcnow()
    if due_at is None and respond_within:
        due_at = now + respond_within
    day = to_local(now).date()
    phone = " ".join((phone or "").split())[:MAX_PHONE] or None
    for _attempt in range(MAX_ATTEMPTS):
        try:
            with session_scope() as session:
                last = session.execute(select(func.max(WorkOrder.seq)).where(WorkOrder.day == day)).scalar()
                seq = int(last or 0) + 1
                row = WorkOrder(number=format_number(day, seq), day=day, seq=seq, channel=channel or "unknown",
                                sender_id=sender_id, category=category, department=department, confidence=confidence,
                                triage=triage, status="受理", what=what, district=_clip(district, 50),
                                place=_clip(place, MAX_PLACE), when_text=_clip(when_text, MAX_WHEN), phone=phone,
                                created_at=now, updated_at=now, due_at=due_at, handle_due_at=handle_due_at,
                                suggested=suggested, router_model=router_model,
                                auto_department=None if triage else department)
                session.add(row)
                session.flush()
                where = department or f"人工分派（建议：{suggested or '无'}）"
                session.add(WorkOrderLog(order_id=row.id, actor="resident", action="filed",
                                         detail=f"{category} → {where}"[:500], created_at=now))
                info = _info(row)
            logger.info("work order %s filed (%s → %s)", info.number, category, department or "triage")
            return info
        except IntegrityError:  # another order took this number a moment ago: take the next one
            continue
    raise WorkOrderError("工单编号分配失败，请稍后再试", 503)


def order_for(number: str, channel: str, sender_id: str) -> Optional[WorkOrderInfo]:
    """The order with ``number`` — only for the conversation that filed it (same channel and sender)."""
    with session_scope() as session:
        row = session.execute(select(WorkOrder).where(WorkOrder.number == number.upper())).scalar_one_or_none()
        if row is None or row.channel != channel or row.sender_id != sender_id:
            return None
        return _info(row)


def orders_of(channel: str, sender_id: str, limit: int = 5) -> List[WorkOrderInfo]:
    """The latest orders filed by one conversation (same channel and sender), newest first: what a
    resident who asks "我的工单怎么样了" without a number is shown."""
    with session_scope() as session:
        rows = session.execute(select(WorkOrder).where(WorkOrder.channel == channel, WorkOrder.sender_id == sender_id)
                               .order_by(WorkOrder.id.desc()).limit(limit)).scalars()
        return [_info(row) for row in rows]


# the desk ----------------------------------------------------------------------------------------
def get_order(order_id: int) -> Optional[WorkOrderInfo]:
    with session_scope() as session:
        row = session.get(WorkOrder, order_id)
        return _info(row) if row is not None else None


def get_by_number(number: str) -> Optional[WorkOrderInfo]:
    """Staff look-up by number (any conversation)."""
    with session_scope() as session:
        row = session.execute(select(WorkOrder).where(WorkOrder.number == number.upper())).scalar_one_or_none()
        return _info(row) if row is not None else None


def require_order(order_id: int) -> WorkOrderInfo:
    info = get_order(order_id)
    if info is None:
        raise WorkOrderError("工单不存在", 404)
    return info


@dataclass(frozen=True)
class OrderFilter:
    """What the desk's list asks for; every field optional. ``department`` "" means no department."""

    status: Optional[str] = None  # one of STATUSES, or "open" (受理 and 办理中)
    department: Optional[str] = None
    category: Optional[str] = None
    triage: Optional[bool] = None  # True: the manual triage queue (no department yet)
    overdue: Optional[bool] = None
    min_age_days: Optional[float] = None  # filed at least this long ago
    max_age_days: Optional[float] = None  # filed at most this long ago
    assignee: Optional[str] = None
    q: Optional[str] = None  # a number, or words of the matter

    def check(self) -> None:
        if self.status is not None and self.status not in (*STATUSES, "open"):
            raise WorkOrderError(f"status 应为 {'、'.join(STATUSES)} 或 open")
        if self.category is not None and self.category not in CATEGORIES:
            raise WorkOrderError(f"category 应为 {'、'.join(CATEGORIES)} 之一")
        for value in (self.min_age_days, self.max_age_days):
            if value is not None and not 0 <= value <= 36500:
                raise WorkOrderError("工单时长应为 0 到 36500 天")
        if self.q is not None and len(self.q) > 200:
            raise WorkOrderError("搜索内容不能超过 200 字")


def overdue_clause(now: datetime) -> Any:
    return and_(WorkOrder.status.in_(OPEN_STATUSES),
                or_(WorkOrder.handle_due_at < now, and_(WorkOrder.responded_at.is_(None), WorkOrder.due_at < now)))


def list_orders(where: Optional[OrderFilter] = None, *, limit: int = 200, offset: int = 0,
                now: Optional[datetime] = None) -> Tuple[List[WorkOrderInfo], int]:
    """The orders matching ``where`` and how many there are in all. Open, triaged or overdue orders
    oldest first (a queue); when the list may hold closed ones, newest first."""
    where = where or OrderFilter()
    where.check()
    now = now or utcnow()
    conditions: List[Any] = []
    if where.status == "open":
        conditions.append(WorkOrder.status.in_(OPEN_STATUSES))
    elif where.status is not None:
        conditions.append(WorkOrder.status == where.status)
    if where.department is not None:
        conditions.append(WorkOrder.department.is_(None) if where.department == "" else
                          WorkOrder.department == where.department)
    if where.category is not None:
        conditions.append(WorkOrder.category == where.category)
    if where.triage is True:
        conditions += [WorkOrder.triage.is_(True), WorkOrder.department.is_(None)]
    elif where.triage is False:
        conditions.append(WorkOrder.department.is_not(None))
    if where.overdue is True:
        conditions.append(overdue_clause(now))
    elif where.overdue is False:
        conditions.append(~overdue_clause(now))
    if where.min_age_days is not None:
        conditions.append(WorkOrder.created_at <= now - timedelta(days=where.min_age_days))
    if where.max_age_days is not None:
        conditions.append(WorkOrder.created_at >= now - timedelta(days=where.max_age_days))
    if where.assignee is not None:
        conditions.append(WorkOrder.assignee == where.assignee)
    if where.q:
        number = find_number(where.q)
        if number:
            conditions.append(WorkOrder.number == number)
        else:
            escaped = where.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(WorkOrder.what.like(f"%{escaped}%", escape="\\"))
    oldest_first = where.status in (*OPEN_STATUSES, "open") or where.triage is True or where.overdue is True
    order = WorkOrder.id.asc() if oldest_first else WorkOrder.id.desc()
    limit = max(1, min(limit, MAX_LIST))
    with session_scope() as session:
        total = int(session.execute(select(func.count()).select_from(WorkOrder).where(*conditions)).scalar_one())
        rows = session.execute(select(WorkOrder).where(*conditions).order_by(order)
                               .limit(limit).offset(max(0, offset))).scalars()
        return [_info(row) for row in rows], total


def departments_in_use() -> List[str]:
    """Departments orders have been routed to, for the desk's filters and re-routing."""
    with session_scope() as session:
        names = session.execute(select(WorkOrder.department).where(WorkOrder.department.is_not(None))
                                .distinct()).scalars()
        return sorted(str(name) for name in names)
