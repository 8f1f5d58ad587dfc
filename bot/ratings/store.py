"""Recording ratings and working through 差评 follow-ups (tables in :mod:`bot.ratings.models`).

Plain frozen dataclasses come out, usable after the session closes. Every function blocks on
the database: actions and the web API call them with ``asyncio.to_thread``. The store knows
nothing of the desk: the staff member a ticket rating is about is passed in by the caller.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import func, select

from bot.config import get_settings
from bot.db import session_scope
from bot.hours.calendar import DayKind, classify_day
from bot.hours.clock import TZ
from bot.ratings.levels import LEVELS, is_bad, level_name, satisfaction_rate
from bot.ratings.models import FollowUp, Rating

logger = logging.getLogger(__name__)

REASON_WINDOW = timedelta(minutes=30)  # a reason attaches only to a rating this recent
REASON_MAX = 200  # the column's length


class FollowUpError(ValueError):
    """A refused change to a follow-up; the message is Chinese and shown to staff as is."""


class NoteRequired(FollowUpError):
    def __init__(self) -> None:
        super().__init__("请填写整改情况说明")


class FollowUpNotFound(FollowUpError):
    def __init__(self, followup_id: int) -> None:
        super().__init__(f"没有编号为 {followup_id} 的整改记录")


class AlreadyClosed(FollowUpError):
    def __init__(self, followup_id: int) -> None:
        super().__init__(f"整改记录 {followup_id} 已经办结，不能重复办结")


# ---------------------------------------------------------------- working days


def is_working_day(day: date) -> bool:
    """A working day under the official calendar: statutory holidays off, 调休 weekend days on."""
    return classify_day(day).kind in (DayKind.WORKDAY, DayKind.MAKEUP)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted; n=0 → start)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


# ---------------------------------------------------------------- plain data out


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: Optional[datetime]) -> Optional[datetime]:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def local_today(now: Optional[datetime] = None) -> date:
    """Today's date on the bot's wall clock (Asia/Shanghai); a naive ``now`` is UTC, as stored."""
    moment = now.replace(tzinfo=timezone.utc) if now is not None and now.tzinfo is None else now
    return (moment or utcnow()).astimezone(TZ).date()


@dataclass(frozen=True)
class RatingInfo:
    id: int
    sender_id: str
    channel: Optional[str]
    subject_kind: str  # service | ticket | workorder
    service: Optional[str]
    ticket_id: Optional[int]
    staff: Optional[str]
    level: int
    reason: Optional[str]
    created_at: datetime  # aware UTC
    followup_id: Optional[int] = None  # the 整改 a 差评 opened
    followup_due: Optional[date] = None
    workorder: Optional[str] = None  # the work order's number (subject_kind workorder)

    @property
    def level_name(self) -> str:
        return level_name(self.level)

    @property
    def is_bad(self) -> bool:
        return is_bad(self.level)


@dataclass(frozen=True)
class FollowUpInfo:
    id: int
    rating_id: int
    level: int
    reason: Optional[str]
    service: Optional[str]
    ticket_id: Optional[int]
    staff: Optional[str]
    channel: Optional[str]
    sender_id: str
    created_at: datetime  # aware UTC: when the 差评 was given
    due: date
    overdue: bool
    status: str  # open | closed
    note: Optional[str]
    closed_by: Optional[str]
    closed_at: Optional[datetime]  # aware UTC

    @property
    def level_name(self) -> str:
        return level_name(self.level)

    def as_dict(self) -> Dict[str, Any]:
        """The desk API's JSON object (ISO 8601 times and dates)."""
        return {
            "id": self.id, "level": self.level, "level_name": self.level_name, "reason": self.reason,
            "service": self.service, "ticket_id": self.ticket_id, "staff": self.staff, "channel": self.channel,
            "sender_id": self.sender_id, "created_at": self.created_at.isoformat(), "due": self.due.isoformat(),
            "overdue": self.overdue, "status": self.status, "note": self.note, "closed_by": self.closed_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


@dataclass(frozen=True)
class SummaryRow:
    """Ratings of one item (or one staff member) per level, and its 满意率."""

    name: Optional[str]  # None: no item named / answered by the assistant alone
    counts: Dict[int, int]  # level -> ratings, every level present
    total: int
    satisfaction: Optional[float]  # (5+4+3)/total

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "counts": {str(level): self.counts[level] for level in LEVELS},
                "total": self.total,
                "satisfaction": round(self.satisfaction, 4) if self.satisfaction is not None else None}


def _rating_info(row: Rating, followup: Optional[FollowUp] = None) -> RatingInfo:
    return RatingInfo(id=row.id, sender_id=row.sender_id, channel=row.channel, subject_kind=row.subject_kind,
                      service=row.service, ticket_id=row.ticket_id, staff=row.staff, level=row.level,
                      reason=row.reason, created_at=_aware(row.created_at) or utcnow(),
                      followup_id=followup.id if followup else None,
                      followup_due=followup.due_date if followup else None, workorder=row.workorder)


def _followup_info(followup: FollowUp, rating: Rating, today: date) -> FollowUpInfo:
    return FollowUpInfo(
        id=followup.id, rating_id=rating.id, level=rating.level, reason=rating.reason, service=rating.service,
        ticket_id=rating.ticket_id, staff=rating.staff, channel=rating.channel, sender_id=rating.sender_id,
        created_at=_aware(rating.created_at) or utcnow(), due=followup.due_date,
        overdue=followup.status == "open" and followup.due_date < today, status=followup.status,
        note=followup.note, closed_by=followup.closed_by, closed_at=_aware(followup.closed_at))


# ---------------------------------------------------------------- ratings


def parse_subject(subject: Optional[str]) -> Tuple[str, Optional[str], Optional[int]]:
    """``(kind, service, ticket_id)`` from the ``rating_subject`` slot.

    "service:居住证首次申领" → an answer about that item; "ticket:12" → desk ticket 12;
    "workorder:JZ20261127-0042" → that work order (the number in the middle place: the satisfaction
    call-back after 办结); None, "service:" or anything unreadable → the conversation in general.
    """
    kind, _, value = (subject or "").partition(":")
    value = value.strip()
    if kind == "ticket" and value.isdigit():
        return "ticket", None, int(value)
    if kind == "workorder" and value and len(value) <= 32:
        return "workorder", value, None
    if kind == "service" and value:
        return "service", value, None
    if subject:
        logger.warning("unreadable rating subject %r: rating the conversation in general", subject)
    return "service", None, None


def record_rating(sender_id: str, channel: Optional[str], subject: Optional[str], level: int,
                  staff: Optional[str] = None, now: Optional[datetime] = None) -> RatingInfo:
    """Store one rating; a 差评 (1–2) also opens a follow-up due FOLLOWUP_WORKING_DAYS working days on."""
    if level not in LEVELS:
        raise ValueError(f"no such rating level: {level!r}")
    now = now or utcnow()
    kind, service, ticket_id = parse_subject(subject)
    workorder = service if kind == "workorder" else None
    if workorder:
        service = None
    with session_scope() as session:
        row = Rating(sender_id=sender_id, channel=channel or None, subject_kind=kind, service=service,
                     ticket_id=ticket_id, workorder=workorder, staff=staff or None, level=level, created_at=now)
        session.add(row)
        session.flush()
        followup = None
        if is_bad(level):
            due = add_working_days(local_today(now), get_settings().followup_working_days)
            followup = FollowUp(rating_id=row.id, due_date=due, status="open", created_at=now)
            session.add(followup)
            session.flush()
        info = _rating_info(row, followup)
    logger.info("rating %s recorded: level %s, %s %s", info.id, level, kind, service or ticket_id or "(general)")
    return info


def add_reason(sender_id: str, reason: str, now: Optional[datetime] = None) -> Optional[RatingInfo]:
    """Attach ``reason`` to this conversation's latest rating of the last 30 minutes (None: there is none)."""
    reason = (reason or "").strip()[:REASON_MAX]
    if not reason:
        return None
    now = now or utcnow()
    with session_scope() as session:
        row = session.scalars(
            select(Rating).where(Rating.sender_id == sender_id,
                                 Rating.created_at >= now - REASON_WINDOW,
                                 Rating.created_at <= now)
            .order_by(Rating.created_at.desc(), Rating.id.desc()).limit(1)).first()
        if row is None:
            return None
        row.reason = reason
        followup = session.scalars(select(FollowUp).where(FollowUp.rating_id == row.id)).first()
        return _rating_info(row, followup)


# ---------------------------------------------------------------- follow-ups (整改)


def list_followups(status: Optional[str] = "open", today: Optional[date] = None) -> List[FollowUpInfo]:
    """Follow-ups with ``status`` (None: all), newest first; among open ones the overdue come first."""
    today = today or local_today()
    query = select(FollowUp, Rating).join(Rating, FollowUp.rating_id == Rating.id)
    if status:
        query = query.where(FollowUp.status == status)
    with session_scope() as session:
        rows = [_followup_info(f, r, today) for f, r in session.execute(
            query.order_by(FollowUp.created_at.desc(), FollowUp.id.desc())).all()]
    # stable sort: newest-first order is kept inside each group
    return sorted(rows, key=lambda info: not info.overdue)


def get_followup(followup_id: int, today: Optional[date] = None) -> Optional[FollowUpInfo]:
    with session_scope() as session:
        found = session.execute(select(FollowUp, Rating).join(Rating, FollowUp.rating_id == Rating.id)
                                .where(FollowUp.id == followup_id)).first()
        return _followup_info(found[0], found[1], today or local_today()) if found else None


def close_followup(followup_id: int, note: str, username: str, now: Optional[datetime] = None) -> FollowUpInfo:
    """Close a follow-up with what was done. Raises NoteRequired, FollowUpNotFound, AlreadyClosed."""
    note = (note or "").strip()
    if not note:
        raise NoteRequired()
    now = now or utcnow()
    with session_scope() as session:
        # the row lock makes two staff closing at once on PostgreSQL see each other (SQLite ignores it)
        followup = session.scalars(select(FollowUp).where(FollowUp.id == followup_id).with_for_update()).first()
        if followup is None:
            raise FollowUpNotFound(followup_id)
        if followup.status == "closed":
            raise AlreadyClosed(followup_id)
        followup.status, followup.note, followup.closed_by = "closed", note, username
        followup.closed_at = now
        rating = session.get(Rating, followup.rating_id)
        info = _followup_info(followup, rating, local_today(now))
    logger.info("follow-up %s closed by %s", followup_id, username)
    return info


# ---------------------------------------------------------------- the desk's summary


def summary(by: str = "service") -> List[SummaryRow]:
    """Ratings per level and 满意率 for each item (``by="service"``) or staff member (``"staff"``)."""
    if by not in ("service", "staff"):
        raise ValueError(f"summary by service or staff, not {by!r}")
    key = Rating.service if by == "service" else Rating.staff
    counts: Dict[Optional[str], Dict[int, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    with session_scope() as session:
        for name, level, count in session.execute(
                select(key, Rating.level, func.count(Rating.id)).group_by(key, Rating.level)).all():
            counts[name][int(level)] = int(count)
    rows = [SummaryRow(name, per_level, sum(per_level.values()), satisfaction_rate(per_level))
            for name, per_level in counts.items()]
    return sorted(rows, key=lambda row: (-row.total, row.name is None, row.name or ""))


__all__ = ["AlreadyClosed", "FollowUpError", "FollowUpInfo", "FollowUpNotFound", "NoteRequired", "RatingInfo",
           "SummaryRow", "add_reason", "add_working_days", "close_followup", "get_followup", "is_working_day",
           "list_followups", "local_today", "parse_subject", "record_rating", "summary"]
