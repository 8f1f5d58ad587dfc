"""Tables of 好差评: one row per rating, and a follow-up (整改) for each 差评.

Times are aware UTC (``bot.db.UtcDateTime``, as in every store); due dates are plain local dates.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Text

from bot.db import Base, UtcDateTime

SUBJECT_KINDS = ("service", "ticket", "workorder")
FOLLOWUP_STATUSES = ("open", "closed")


class Rating(Base):
    """One resident's rating of an answer about an item, or of a staff conversation (ticket)."""

    __tablename__ = "rating"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="ck_rating_level"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(255), nullable=False, index=True)  # the conversation
    channel = Column(String(32), nullable=True)  # socketio, wechat, rest
    subject_kind = Column(String(16), nullable=False)  # one of SUBJECT_KINDS
    service = Column(String(200), nullable=True, index=True)  # 事项名称; None: the conversation in general
    ticket_id = Column(Integer, nullable=True, index=True)  # the desk ticket rated (no FK: the desk is apart)
    workorder = Column(String(32), nullable=True, index=True)  # the 12345 work order rated (its number)
    staff = Column(String(32), nullable=True, index=True)  # username of the ticket's assignee
    level = Column(Integer, nullable=False)  # 5 非常满意 … 1 非常不满意
    reason = Column(String(200), nullable=True)  # a standard 差评 reason, attached after the rating
    created_at = Column(UtcDateTime, nullable=False, index=True)


class FollowUp(Base):
    """整改: a staff member looks into a 差评 before ``due_date`` and writes what was done."""

    __tablename__ = "rating_followup"

    id = Column(Integer, primary_key=True, autoincrement=True)
    rating_id = Column(Integer, ForeignKey("rating.id", ondelete="CASCADE"), nullable=False, unique=True)
    due_date = Column(Date, nullable=False, index=True)  # local date, FOLLOWUP_WORKING_DAYS working days on
    status = Column(String(16), nullable=False, default="open", index=True)  # one of FOLLOWUP_STATUSES
    note = Column(Text, nullable=True)  # what was done, required to close
    closed_by = Column(String(32), nullable=True)  # username
    closed_at = Column(UtcDateTime, nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
