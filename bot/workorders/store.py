"""Filing and finding work orders (one transaction per call, plain data out).

Numbers: ``JZ`` + the filing day as ``YYYYMMDD`` + ``-`` + the day's sequence, at least four
digits (``JZ20261127-0042``). The next sequence is read and inserted under the table's unique
(day, seq) constraint; two orders racing for the same number make the loser retry, so numbers
stay gap-free in practice and never collide.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.hours.clock import to_local
from bot.privacy import mask_phone, mask_pii
from bot.workorders.models import CATEGORIES, WorkOrder

logger = logging.getLogger(__name__)

NUMBER = re.compile(r"JZ(\d{8})-(\d{4,})", re.IGNORECASE)
MAX_ATTEMPTS = 20
MAX_TEXT = 2000


class WorkOrderError(ValueError):
    """A request the store refuses; the message is for the resident or staff."""


def format_number(day: date, seq: int) -> str:
    return f"JZ{day:%Y%m%d}-{seq:04d}"


def find_number(text: str) -> Optional[str]:
    """The first work-order number in what a resident typed (any case, full-width digits allowed)."""
    import unicodedata

    match = NUMBER.search(unicodedata.normalize("NFKC", text or ""))
    return f"JZ{match.group(1)}-{match.group(2)}" if match else None


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
    due_at: Optional[datetime]

    def to_json(self) -> Dict[str, Any]:
        """The order as views show it: personal numbers masked."""
        data = asdict(self)
        for key in ("created_at", "updated_at", "due_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["phone"] = mask_phone(self.phone)
        data["what"] = mask_pii(self.what)
        data["reply"] = mask_pii(self.reply) if self.reply else self.reply
        return data


def _info(row: WorkOrder) -> WorkOrderInfo:
    return WorkOrderInfo(row.id, row.number, row.channel, row.sender_id, row.category, row.department, row.confidence,
                         bool(row.triage), row.status, row.what, row.district, row.place, row.when_text, row.phone,
                         row.reply, row.created_at, row.updated_at, row.due_at)


def file_order(channel: str, sender_id: str, category: str, what: str, *, department: Optional[str] = None,
               confidence: Optional[float] = None, triage: bool = False, district: Optional[str] = None,
               place: Optional[str] = None, when_text: Optional[str] = None, phone: Optional[str] = None,
               respond_within: Optional[timedelta] = None, now: Optional[datetime] = None) -> WorkOrderInfo:
    """File a work order with the next number of the filing day (Asia/Shanghai)."""
    if category not in CATEGORIES:
        raise WorkOrderError(f"诉求类型应为 {'、'.join(CATEGORIES)} 之一")
    what = " ".join((what or "").split())
    if not what:
        raise WorkOrderError("请说明发生了什么")
    now = now or datetime.now(timezone.utc)
    day = to_local(now).date()
    for _attempt in range(MAX_ATTEMPTS):
        try:
            with session_scope() as session:
                last = session.execute(select(func.max(WorkOrder.seq)).where(WorkOrder.day == day)).scalar()
                seq = int(last or 0) + 1
                row = WorkOrder(number=format_number(day, seq), day=day, seq=seq, channel=channel or "unknown",
                                sender_id=sender_id, category=category, department=department, confidence=confidence,
                                triage=triage, status="受理", what=what[:MAX_TEXT], district=district, place=place,
                                when_text=when_text, phone=phone, created_at=now, updated_at=now,
                                due_at=now + respond_within if respond_within else None)
                session.add(row)
                session.flush()
                info = _info(row)
            logger.info("work order %s filed (%s → %s)", info.number, category, department or "triage")
            return info
        except IntegrityError:  # another order took this number a moment ago: take the next one
            continue
    raise WorkOrderError("工单编号分配失败，请稍后再试")


def order_for(number: str, channel: str, sender_id: str) -> Optional[WorkOrderInfo]:
    """The order with ``number`` — only for the conversation that filed it (same channel and sender)."""
    with session_scope() as session:
        row = session.execute(select(WorkOrder).where(WorkOrder.number == number.upper())).scalar_one_or_none()
        if row is None or row.channel != channel or row.sender_id != sender_id:
            return None
        return _info(row)
