"""The FAQ's one table. An entry is never removed: deleting sets ``deleted_at`` (undone by restore
or by reverting the deletion in the audit log). Among live entries a question is unique after
normalisation (``question_key``: 繁→简, full/half width, case, spaces and punctuation ignored)."""
from __future__ import annotations

from typing import List

from sqlalchemy import JSON, Column, Index, Integer, String, Text

from bot.db import Base, UtcDateTime

DEFAULT_SOURCE = "常见问题库"
MAX_QUESTION = 500
MAX_ANSWER = 5000
MAX_DEPARTMENT = 100
MAX_KEYWORDS = 500  # the keywords joined, in characters


class FaqEntry(Base):
    __tablename__ = "faq_entry"

    id = Column(Integer, primary_key=True, autoincrement=True)
    question = Column(String(MAX_QUESTION), nullable=False)
    question_key = Column(String(MAX_QUESTION), nullable=False)  # normalised question (see module docstring)
    answer = Column(Text, nullable=False)
    department = Column(String(MAX_DEPARTMENT), nullable=False, default="")
    keywords: List[str] = Column(JSON, nullable=False, default=list)
    source = Column(String(100), nullable=False, default=DEFAULT_SOURCE)
    created_at = Column(UtcDateTime, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False, index=True)
    deleted_at = Column(UtcDateTime)  # soft delete: None while the entry is live

    __table_args__ = (
        # one live entry per normalised question (partial unique index on SQLite and PostgreSQL)
        Index("uq_faq_live_question", "question_key", unique=True,
              sqlite_where=deleted_at.is_(None), postgresql_where=deleted_at.is_(None)),
    )
