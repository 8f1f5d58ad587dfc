"""The work-order tables. The number is the day (Asia/Shanghai) and a per-day sequence, unique
together, so two orders filed at the same moment never share a number.

Besides the order itself: its history (every action, who and when), the department's replies
(kept, the latest also on the order), each push to the resident with whether it reached them,
and the staff's routing corrections, which become training rows for the next router.
Columns added after the first release are nullable, so ``bot.stores.create_all`` adds them to an
existing table.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint

from bot.db import Base, UtcDateTime

CATEGORIES = ("投诉求助", "建言", "咨询")
STATUSES = ("受理", "办理中", "办结", "退回")
OPEN_STATUSES = ("受理", "办理中")  # still with the centre or a department
FINAL_STATUSES = ("办结", "退回")


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
    confidence = Column(Float)  # the router's confidence in its best guess
    triage = Column(Boolean, nullable=False, default=False)  # below the router's threshold: staff route it
    status = Column(String(16), nullable=False, default="受理", index=True)
    what = Column(Text, nullable=False)  # what happened, as the resident said it (personal numbers masked)
    district = Column(String(50))
    place = Column(String(300))
    when_text = Column(String(100))  # when it happened, as the resident said it
    phone = Column(String(64))  # for the reply; masked in every view but the detail's logged reveal
    reply = Column(Text)  # the department's latest answer
    created_at = Column(UtcDateTime, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False)
    due_at = Column(UtcDateTime)  # first response expected by
    # added with the desk side (nullable: added to existing tables)
    suggested = Column(String(100))  # the router's best guess, kept for the triager even when triaged
    auto_department = Column(String(100))  # the department the router chose on its own (None: triaged)
    router_model = Column(String(100))  # "name/version" that routed it
    handle_due_at = Column(UtcDateTime)  # to be 办结 by
    responded_at = Column(UtcDateTime)  # the first response (a reply, or the department took it up)
    closed_at = Column(UtcDateTime)  # 办结 or 退回
    return_reason = Column(String(500))  # why it was 退回
    assignee = Column(String(64))  # the staff member following it up

    __table_args__ = (UniqueConstraint("day", "seq", name="uq_work_order_day_seq"),)


class WorkOrderLog(Base):
    """What happened to an order and who did it: filing, assignment, status, replies, re-routing,
    phone reveals, pushes."""

    __tablename__ = "work_order_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(Integer, ForeignKey("work_order.id", ondelete="CASCADE"), nullable=False, index=True)
    actor = Column(String(64), nullable=False)  # a username, or "resident" / "router"
    action = Column(String(32), nullable=False)
    detail = Column(String(500), nullable=False, default="")
    created_at = Column(UtcDateTime, nullable=False)


class WorkOrderReply(Base):
    """One answer of the department to the resident (the order keeps the latest in ``reply``)."""

    __tablename__ = "work_order_reply"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(Integer, ForeignKey("work_order.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(64), nullable=False)
    department = Column(String(100))
    text = Column(Text, nullable=False)  # personal numbers masked
    created_at = Column(UtcDateTime, nullable=False)


class WorkOrderNotice(Base):
    """A status change or reply pushed to the resident's conversation, and whether it got there."""

    __tablename__ = "work_order_notice"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(Integer, ForeignKey("work_order.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # status | reply
    text = Column(Text, nullable=False)
    delivered = Column(Boolean, nullable=False, default=False)
    reason = Column(String(300))  # why it was not delivered
    actor = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)


class RoutingCorrection(Base):
    """A staff member's routing: the text, the router's label and the department chosen instead.

    ``kind``: ``reroute`` (the router chose a department on its own and staff moved the order) or
    ``triage`` (the router was not sure; ``old_label`` is its best guess). Exported as training rows
    (``诉求内容,承办部门``).
    """

    __tablename__ = "work_order_correction"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(Integer, ForeignKey("work_order.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)  # what the router read (personal numbers masked)
    old_label = Column(String(100))
    new_label = Column(String(100), nullable=False)
    reason = Column(String(500), nullable=False)
    actor = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
