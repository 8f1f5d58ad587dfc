"""Accounts, passwords, lock-out and login sessions: the one interface the desk console uses.

Synchronous (call it through ``asyncio.to_thread`` from aiohttp handlers). Every function opens
its own transaction and returns plain dataclasses, never ORM objects, so nothing bound to a
session or a thread leaks out. Functions that depend on the clock take ``now`` so tests can move
time instead of sleeping. Passwords and raw session tokens are never stored nor logged.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.accounts.models import ROLES, LoginSession, User
from bot.db import session_scope

logger = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work one request can ask for

_USERNAME = re.compile(r"[A-Za-z0-9_.\-\u3400-\u4dbf\u4e00-\u9fff]{2,32}")
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 defaults


class AccountError(ValueError):
    """A refused account operation; the message is Chinese and fit to show the operator."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked_until: Optional[datetime]
    last_login_at: Optional[datetime]
    created_at: datetime


@dataclass(frozen=True)
class LoginResult:
    """``reason`` is ``bad_credentials``, ``locked`` or ``disabled`` when ``ok`` is false."""

    ok: bool
    user: Optional[UserInfo]
    reason: Optional[str]
    locked_until: Optional[datetime] = None  # set with reason "locked", to tell how long to wait


@dataclass(frozen=True)
class SessionUser:
    """Who a request's session cookie belongs to, and the CSRF token that session expects."""

    id: int
    username: str
    display_name: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _now(now: Optional[datetime]) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                    active=bool(user.active), locked_until=user.locked_until, last_login_at=user.last_login_at,
                    created_at=user.created_at)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"密码最多 {MAX_PASSWORD_LENGTH} 个字符")
    if password.isdigit():
        raise AccountError("密码不能全是数字")


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"用户不存在：{username}")
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash no password matches: an unknown username is verified against it, so it costs as long."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        logger.warning("a stored password hash could not be verified")
        return False


def add_user(username: str, role: str, password: str, display_name: Optional[str] = None,
             now: Optional[datetime] = None) -> UserInfo:
    username = username.strip()
    if not _USERNAME.fullmatch(username):
        raise AccountError("用户名须为 2–32 个字符，只能包含字母、数字、汉字和 _ . -")
    if role not in ROLES:
        raise AccountError("角色只能是 staff 或 admin")
    display = (display_name or "").strip() or username
    if len(display) > 64:
        raise AccountError("显示名最多 64 个字符")
    _check_password(password)
    password_hash = _hasher.hash(password)
    try:
        with session_scope() as session:
            if session.execute(select(User.id).where(User.username == username)).first() is not None:
                raise AccountError("用户名已存在")
            user = User(username=username, display_name=display, role=role, password_hash=password_hash,
                        active=True, failed_logins=0, created_at=_now(now))
            session.add(user)
            session.flush()
            info = _info(user)
    except IntegrityError as exc:  # added by someone else between the check and the insert
        raise AccountError("用户名已存在") from exc
    logger.info("account %s added (role %s)", username, role)
    return info


def list_users() -> List[UserInfo]:
    with session_scope() as session:
        return [_info(u) for u in session.execute(select(User).order_by(User.id)).scalars()]


def disable_user(username: str) -> None:
    """Refuse further logins and end the account's open sessions at once."""
    with session_scope() as session:
        _user(session, username).active = False
    ended = end_sessions_of(username)
    logger.info("account %s disabled, %d session(s) ended", username, ended)


def enable_user(username: str) -> None:
    with session_scope() as session:
        _user(session, username).active = True
    logger.info("account %s enabled", username)


def set_password(username: str, password: str) -> None:
    """New password; also lifts a lock-out and ends the account's sessions (a reset is often
    because someone else may know the old password)."""
    _check_password(password)
    password_hash = _hasher.hash(password)
    with session_scope() as session:
        user = _user(session, username)
        user.password_hash = password_hash
        user.failed_logins = 0
        user.locked_until = None
    end_sessions_of(username)
    logger.info("password of account %s changed", username)


def authenticate(username: str, password: str, now: Optional[datetime] = None) -> LoginResult:
    """Check a login. Five consecutive failures lock the account for ``LOCKOUT``, during which
    even the right password is refused; the password is checked before "disabled" is told, so
    only someone who knows it learns that the account is disabled."""
    now = _now(now)
    with session_scope() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            _verify(_dummy_hash(), password)
            return LoginResult(ok=False, user=None, reason="bad_credentials")
        if user.locked_until is not None and user.locked_until > now:
            return LoginResult(ok=False, user=None, reason="locked", locked_until=user.locked_until)
        user_id, stored_hash = user.id, user.password_hash
        if not _verify(stored_hash, password):
            return _count_failure(session, user_id, username, now)
        if not user.active:
            return LoginResult(ok=False, user=None, reason="disabled")
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if _hasher.check_needs_rehash(stored_hash):  # the library's parameters were raised since
            user.password_hash = _hasher.hash(password)
        return LoginResult(ok=True, user=_info(user), reason=None)


def _count_failure(session: Session, user_id: int, username: str, now: datetime) -> LoginResult:
    # counted in SQL, not in Python: two wrong passwords sent at once must both count
    session.execute(update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1)
                    .execution_options(synchronize_session=False))
    failures = session.execute(select(User.failed_logins).where(User.id == user_id)).scalar_one()
    if failures < MAX_FAILED_LOGINS:
        return LoginResult(ok=False, user=None, reason="bad_credentials")
    locked_until = now + LOCKOUT
    session.execute(update(User).where(User.id == user_id).values(failed_logins=0, locked_until=locked_until)
                    .execution_options(synchronize_session=False))
    logger.warning("account %s locked until %s after %d failed logins", username, locked_until.isoformat(),
                   failures)
    return LoginResult(ok=False, user=None, reason="locked", locked_until=locked_until)


def create_session(user_id: int, now: Optional[datetime] = None) -> Tuple[str, str]:
    """A new login session; returns ``(token, csrf_token)``. Only the token's sha256 is stored.
    Expired sessions of anyone are removed on the way."""
    now = _now(now)
    token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with session_scope() as session:
        session.execute(delete(LoginSession).where(LoginSession.expires_at <= now)
                        .execution_options(synchronize_session=False))
        session.add(LoginSession(token_hash=_token_hash(token), user_id=user_id, csrf_token=csrf_token,
                                 created_at=now, expires_at=now + SESSION_TTL))
    return token, csrf_token


def resolve_session(token: str, now: Optional[datetime] = None) -> Optional[SessionUser]:
    """The session's user; None when the token is unknown, expired, or its account disabled."""
    if not token or len(token) > 256:
        return None
    now = _now(now)
    token_hash = _token_hash(token)
    with session_scope() as session:
        row = session.execute(select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                              .where(LoginSession.token_hash == token_hash)).first()
        if row is None:
            return None
        login, user = row
        if login.expires_at <= now or not user.active:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash)
                            .execution_options(synchronize_session=False))
            return None
        return SessionUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                           csrf_token=login.csrf_token)


def end_session(token: str) -> None:
    if not token:
        return
    with session_scope() as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token))
                        .execution_options(synchronize_session=False))


def end_sessions_of(username: str) -> int:
    """End every session of the account; returns how many there were."""
    with session_scope() as session:
        user_ids = select(User.id).where(User.username == username).scalar_subquery()
        result = session.execute(delete(LoginSession).where(LoginSession.user_id == user_ids)
                                 .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)


def ensure_initial_admin(now: Optional[datetime] = None) -> Optional[str]:
    """With no account at all, create ``admin`` (role admin) with a random password and return
    that password for the caller to show once; otherwise None. The password is never logged."""
    with session_scope() as session:
        if session.execute(select(func.count()).select_from(User)).scalar_one() > 0:
            return None
    password = secrets.token_urlsafe(12)
    try:
        add_user("admin", "admin", password, display_name="管理员", now=now)
    except AccountError:  # another process created it first
        return None
    return password
