"""Tables of the service desk: tickets, staff notes and the ticket's own history.

A ticket is opened by the action server, noted by the channels while the conversation is
paused, and worked by the desk (page server): all three share the one database.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text, text

from bot.db import Base, UtcDateTime

OPEN_STATUSES = ("waiting", "active")


class Ticket(Base):
    """One handoff of a conversation to a person (``live``) or a call-back request (``callback``)."""

    __tablename__ = "desk_ticket"

    id = Column(Integer, primary_key=True, autoincrement=True)
    channel = Column(String(32), nullable=False)  # socketio, wechat, rest
    sender_id = Column(String(128), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="live")  # live | callback
    status = Column(String(16), nullable=False, default="waiting", index=True)  # waiting | active | closed
    reason = Column(String(32), nullable=False, default="request")  # request | clarify | complaint | review
    question = Column(Text, nullable=False, default="")  # summary line 1: the question as asked (masked)
    answer = Column(Text, nullable=False, default="")  # summary line 2: what the bot answered (masked)
    service = Column(String(200))
    situation = Column(String(100))
    district = Column(String(50))
    assignee = Column(String(64))
    created_at = Column(UtcDateTime, nullable=False)
    claimed_at = Column(UtcDateTime)
    closed_at = Column(UtcDateTime)
    closed_by = Column(String(64))
    outcome = Column(String(200))
    hand_back = Column(Boolean)
    # call-back tickets: the number in full (shown only by reveal-phone, which is logged)
    callback_phone = Column(String(64))
    callback_note = Column(Text)
    callback_due = Column(UtcDateTime)
    # the resident's latest message (WeChat's 48-hour window for 客服 messages counts from it)
    last_resident_at = Column(UtcDateTime)
    resident_messages = Column(Integer, nullable=False, default=0)  # while the ticket is open

    __table_args__ = (
        # one open live ticket per conversation, even when two messages race
        Index("uq_desk_ticket_open_live", "sender_id", unique=True,
              sqlite_where=text("status IN ('waiting', 'active') AND kind = 'live'"),
              postgresql_where=text("status IN ('waiting', 'active') AND kind = 'live'")),
    )


class TicketNote(Base):
    """A staff member's private note on a ticket; never sent to the resident."""

    __tablename__ = "desk_ticket_note"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(Integer, ForeignKey("desk_ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UtcDateTime, nullable=False)


class TicketLog(Base):
    """What happened to a ticket and who did it: claims, transfers, replies, closing, phone reveals."""

    __tablename__ = "desk_ticket_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(Integer, ForeignKey("desk_ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    actor = Column(String(64), nullable=False)  # a username, or "resident" / "bot"
    action = Column(String(32), nullable=False)
    detail = Column(String(300), nullable=False, default="")
    created_at = Column(UtcDateTime, nullable=False)
