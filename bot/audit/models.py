"""The audit log's one table. ``before``/``after`` hold the changed record as plain JSON (for a
registry item its seed-format dict), so history reads without the feature's tables."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String

from bot.db import Base, UtcDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(UtcDateTime, nullable=False, index=True)
    actor = Column(String(64), nullable=False)  # a username, or the OS user of a CLI run
    source = Column(String(16), nullable=False)  # console | cli | import
    entity = Column(String(32), nullable=False)  # registry_item | registry_location | faq_entry | ...
    key = Column(String(128), nullable=False)  # the record's stable key (item code, FAQ id)
    action = Column(String(16), nullable=False)  # create | update | delete | restore | revert
    summary = Column(String(300), nullable=False, default="")
    before = Column(JSON)  # None for a creation
    after = Column(JSON)  # None for a deletion (soft deletes keep the record, marked deleted)
    reverts = Column(Integer)  # the entry this one undid

    __table_args__ = (Index("ix_audit_entity_key", "entity", "key"),)
