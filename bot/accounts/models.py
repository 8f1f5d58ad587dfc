"""Tables of the accounts: users and their login sessions.

Times are timezone-aware UTC in Python. SQLite keeps no time zone and PostgreSQL's
``timestamp with time zone`` would hand back the server's zone, so both store naive UTC
(:class:`UtcDateTime`) and every value read back is aware UTC: code compares like with like.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String

from bot.db import Base, UtcDateTime

ROLES = ("staff", "admin")


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
