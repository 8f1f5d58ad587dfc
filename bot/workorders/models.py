"""The work-order table. The number is the day (Asia/Shanghai) and a per-day sequence, unique
together, so two orders filed at the same moment never share a number."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Integer, String, Text, UniqueConstraint

from bot.db import Base, UtcDateTime

CATEGORIES = ("投诉求助", "建言", "咨询")
STATUSES = ("受理", "办理中", "办结", "退回")


class WorkOrder(Base):
    __tablename__ = "work_order"

    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(32), nullable=False, unique=True)  # JZ20261127-0042
    day = Column(Date, nullable=False)  # the filing day on the city's clock
    seq = Column(Integer, nullable=False)  # 1, 2, … within the day
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(128), nullable=False, index=True)
    category = Column(String(16), nullable=False)  # one of CATEGORIES
    department = Column(String(100))  # None while in the manual triage queue
    confidence = Column(Float)  # the router's confidence in ``department``
    triage = Column(Boolean, nullable=False, default=False)  # below the router's threshold: staff route it
    status = Column(String(16), nullable=False, default="受理", index=True)
    what = Column(Text, nullable=False)  # what happened, as the resident said it
    district = Column(String(50))
    place = Column(String(300))
    when_text = Column(String(100))  # when it happened, as the resident said it
    phone = Column(String(64))  # for the reply; masked in every view but the detail's logged reveal
    reply = Column(Text)  # the department's latest answer
    created_at = Column(UtcDateTime, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False)
    due_at = Column(UtcDateTime)  # first response expected by

    __table_args__ = (UniqueConstraint("day", "seq", name="uq_work_order_day_seq"),)
