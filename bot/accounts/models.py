"""Tables of the accounts: users and their login sessions.

Times are timezone-aware UTC in Python. SQLite keeps no time zone and PostgreSQL's
``timestamp with time zone`` would hand back the server's zone, so both store naive UTC
(:class:`UtcDateTime`) and every value read back is aware UTC: code compares like with like.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.types import TypeDecorator

from bot.db import Base

ROLES = ("staff", "admin")


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime, stored naive (UTC) the same way on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:  # a naive time is ambiguous: refuse rather than guess the zone
            raise ValueError("UtcDateTime needs a timezone-aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class User(Base):
    """A staff or admin account of the desk console (residents have no account)."""

    __tablename__ = "account_user"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(32), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    role = Column(String(16), nullable=False)  # one of ROLES
    password_hash = Column(String(255), nullable=False)  # argon2id, PHC string
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)  # consecutive, reset on success or lock
    locked_until = Column(UtcDateTime, nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
    last_login_at = Column(UtcDateTime, nullable=True)


class LoginSession(Base):
    """A logged-in browser. Keyed by the sha256 of its cookie token: a leaked table logs no one in."""

    __tablename__ = "account_session"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("account_user.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False, index=True)
