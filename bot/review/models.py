"""Tables of the review queue: an administrator's decision on a group of messages, and each message it
handled (so a handled message never comes back, whoever asks and however the queue is grouped).

A message is known by :func:`bot.analytics.events.message_key` (a digest of conversation, time and
text): its primary key here makes a second decision on the same message fail, even when two
administrators decide at the same moment from two page servers.
"""
from __future__ import annotations

from typing import List

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Text

from bot.db import Base, UtcDateTime

ACTIONS = ("examples", "faq", "dismiss")


class ReviewDecision(Base):
    __tablename__ = "review_decision"

    id = Column(Integer, primary_key=True, autoincrement=True)
    action = Column(String(16), nullable=False)  # one of ACTIONS
    intent = Column(String(64))  # examples: the intent they were added to
    faq_id = Column(Integer)  # faq: the entry made (no FK: the FAQ is apart)
    note = Column(Text, nullable=False, default="")
    texts: List[str] = Column(JSON, nullable=False, default=list)  # the group's distinct texts (masked)
    examples: List[str] = Column(JSON, nullable=False, default=list)  # examples: those added
    messages = Column(Integer, nullable=False, default=0)  # messages handled
    actor = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False, index=True)
    reopened_at = Column(UtcDateTime)  # the decision was reverted: its messages are back in the queue


class ReviewedMessage(Base):
    __tablename__ = "review_message"

    key = Column(String(32), primary_key=True)  # bot.analytics.events.message_key
    decision_id = Column(Integer, ForeignKey("review_decision.id", ondelete="CASCADE"), nullable=False, index=True)
    reasons = Column(String(64), nullable=False, default="")  # fallback,low_confidence,rated
    said_at = Column(UtcDateTime, nullable=False)  # when the resident sent it
