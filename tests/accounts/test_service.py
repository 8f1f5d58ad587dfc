"""The account service on a real SQLite file and on the real PostgreSQL server.

Time is moved by passing ``now``, never by sleeping.
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.accounts import service
from bot.accounts.models import LoginSession, User
from bot.accounts.service import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    SESSION_TTL,
    AccountError,
    add_user,
    authenticate,
    create_session,
    disable_user,
    enable_user,
    end_session,
    ensure_initial_admin,
    list_users,
    resolve_session,
    set_password,
)
from bot.db import get_engine, session_scope
from tests.support.database import fresh_database, fresh_postgres_schema

PASSWORD = "qingshui-river-7"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "accounts.db") as url:
        yield url


@pytest.fixture()
def postgres() -> Iterator[str]:
    """Every store's tables in a schema of PostgreSQL's ``test`` database, dropped afterwards."""
    with fresh_postgres_schema("accounts") as url:
        yield url


def _stored_hash(username: str) -> str:
    with session_scope() as session:
        return str(session.execute(select(User.password_hash).where(User.username == username)).scalar_one())


def test_added_user_is_listed_and_stored_as_argon2id(db: str) -> None:
    """Added 张三 without a display name: listed with the name as display name; hash is argon2id."""
    info = add_user("张三", "staff", PASSWORD, now=T0)
    assert (info.username, info.display_name, info.role, info.active) == ("张三", "张三", "staff", True)
    assert info.created_at == T0 and info.last_login_at is None and info.locked_until is None
    assert [u.username for u in list_users()] == ["张三"]
    stored = _stored_hash("张三")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(("username", "role", "password", "message"), [
    ("li", "staff", "short1", "密码至少 10 个字符"),
    ("li", "staff", "1234567890123", "密码不能全是数字"),
    ("li", "boss", PASSWORD, "角色只能是 staff 或 admin"),
    ("l", "staff", PASSWORD, "用户名须为"),
    ("li si", "staff", PASSWORD, "用户名须为"),
    ("x" * 33, "staff", PASSWORD, "用户名须为"),
])
def test_add_user_refuses_bad_input(db: str, username: str, role: str, password: str, message: str) -> None:
    """Tried each bad name, role or password: refused with a Chinese reason, nothing stored."""
    with pytest.raises(AccountError, match=message):
        add_user(username, role, password)
    assert list_users() == []


def test_duplicate_username_is_refused(db: str) -> None:
    """Added wang twice: the second is refused and the first keeps its role."""
    add_user("wang", "staff", PASSWORD)
    with pytest.raises(AccountError, match="用户名已存在"):
        add_user("wang", "admin", PASSWORD + "x")
    assert [(u.username, u.role) for u in list_users()] == [("wang", "staff")]


def _check_lockout(start: datetime) -> None:
    """Five wrong passwords from ``start`` lock; the right one is refused until the lock ends."""
    add_user("zhao", "staff", PASSWORD, now=start)
    for attempt in range(1, MAX_FAILED_LOGINS):
        assert authenticate("zhao", f"wrong-{attempt}-password", now=start).reason == "bad_credentials"
    fifth = authenticate("zhao", "wrong-5-password", now=start)
    assert (fifth.ok, fifth.reason) == (False, "locked")
    assert fifth.locked_until == start + LOCKOUT
    just_before = authenticate("zhao", PASSWORD, now=start + LOCKOUT - timedelta(seconds=1))
    assert (just_before.ok, just_before.reason, just_before.user) == (False, "locked", None)
    after = authenticate("zhao", PASSWORD, now=start + LOCKOUT)
    assert after.ok and after.user is not None and after.user.username == "zhao"
    assert after.user.last_login_at == start + LOCKOUT and after.user.locked_until is None
    # the lock also reset the count: after it, one wrong password is not a new lock
    assert authenticate("zhao", "wrong-again-password", now=start + LOCKOUT).reason == "bad_credentials"


def test_five_failures_lock_until_lockout_ends(db: str) -> None:
    _check_lockout(T0)


def test_success_resets_the_failure_count(db: str) -> None:
    """Four wrong, one right, four wrong again: never locked (failures must be consecutive)."""
    add_user("qian", "staff", PASSWORD)
    for _ in range(2):
        for _ in range(MAX_FAILED_LOGINS - 1):
            assert authenticate("qian", "not-the-password", now=T0).reason == "bad_credentials"
        assert authenticate("qian", PASSWORD, now=T0).ok
    assert authenticate("qian", PASSWORD, now=T0).ok


def test_unknown_user_costs_a_password_check(db: str) -> None:
    """Timed an unknown name against a known name with a wrong password: the same order of time
    (a skipped hash check would be about a hundred times faster)."""
    add_user("sun", "staff", PASSWORD)
    authenticate("nobody", "whatever-password")  # the dummy hash is made on first use

    def timed(username: str) -> float:
        start = time.perf_counter()
        result = authenticate(username, "whatever-password", now=T0)
        assert (result.ok, result.reason, result.user) == (False, "bad_credentials", None)
        return time.perf_counter() - start

    unknown = min(timed("nobody") for _ in range(3))
    known = min(timed("sun") for _ in range(3))
    assert unknown > known * 0.3, (unknown, known)


def test_disabled_account_is_refused_and_its_sessions_end(db: str) -> None:
    """Disabled zhou while logged in: the session stops resolving and the right password gets
    "disabled" (a wrong one still only "bad_credentials"); enabled again, login works."""
    user = add_user("zhou", "staff", PASSWORD)
    token, _csrf = create_session(user.id, now=T0)
    assert resolve_session(token, now=T0) is not None
    disable_user("zhou")
    assert resolve_session(token, now=T0) is None
    with session_scope() as session:
        assert session.execute(select(LoginSession)).first() is None
    assert authenticate("zhou", PASSWORD).reason == "disabled"
    assert authenticate("zhou", "not-the-password").reason == "bad_credentials"
    assert [u.active for u in list_users()] == [False]
    enable_user("zhou")
    assert authenticate("zhou", PASSWORD).ok


def test_unknown_user_cannot_be_disabled_enabled_or_reset(db: str) -> None:
    for call in (lambda: disable_user("ghost"), lambda: enable_user("ghost"), lambda: set_password("ghost", PASSWORD)):
        with pytest.raises(AccountError, match="用户不存在：ghost"):
            call()


def test_session_resolves_until_it_expires_and_only_its_hash_is_stored(db: str) -> None:
    user = add_user("wu", "admin", PASSWORD, display_name="吴科长")
    token, csrf = create_session(user.id, now=T0)
    assert token != csrf and len(token) >= 43
    resolved = resolve_session(token, now=T0 + SESSION_TTL - timedelta(seconds=1))
    assert resolved is not None
    assert (resolved.id, resolved.username, resolved.display_name, resolved.role, resolved.csrf_token) == \
        (user.id, "wu", "吴科长", "admin", csrf)
    assert resolved.is_admin
    with session_scope() as session:
        (row,) = session.execute(select(LoginSession)).scalars()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.expires_at == T0 + SESSION_TTL
    assert resolve_session(token + "x", now=T0) is None
    assert resolve_session("", now=T0) is None
    assert resolve_session(token, now=T0 + SESSION_TTL) is None  # expired: gone for good
    assert resolve_session(token, now=T0) is None


def test_end_session_and_cleanup_of_expired_sessions(db: str) -> None:
    """Ended one session of two; a later login removed the other, expired, session's row."""
    user = add_user("zheng", "staff", PASSWORD)
    first, _ = create_session(user.id, now=T0)
    second, _ = create_session(user.id, now=T0)
    end_session(first)
    assert resolve_session(first, now=T0) is None
    assert resolve_session(second, now=T0) is not None
    create_session(user.id, now=T0 + SESSION_TTL + timedelta(minutes=1))
    with session_scope() as session:
        hashes = set(session.execute(select(LoginSession.token_hash)).scalars())
    assert hashlib.sha256(second.encode()).hexdigest() not in hashes and len(hashes) == 1


def test_set_password_unlocks_and_ends_sessions(db: str) -> None:
    user = add_user("feng", "staff", PASSWORD)
    token, _ = create_session(user.id, now=T0)
    for _ in range(MAX_FAILED_LOGINS):
        authenticate("feng", "not-the-password", now=T0)
    assert authenticate("feng", PASSWORD, now=T0).reason == "locked"
    with pytest.raises(AccountError, match="密码至少"):
        set_password("feng", "short")
    set_password("feng", "a-new-password-2")
    assert resolve_session(token, now=T0) is None
    assert authenticate("feng", PASSWORD, now=T0).reason == "bad_credentials"
    assert authenticate("feng", "a-new-password-2", now=T0).ok


def test_initial_admin_is_created_once(db: str, caplog: pytest.LogCaptureFixture) -> None:
    password = ensure_initial_admin()
    assert password is not None and len(password) >= 16
    assert password not in caplog.text
    (admin,) = list_users()
    assert (admin.username, admin.role, admin.active) == ("admin", "admin", True)
    assert authenticate("admin", password).ok
    assert _stored_hash("admin").startswith("$argon2id$")
    assert ensure_initial_admin() is None
    assert len(list_users()) == 1


def test_no_initial_admin_when_any_account_exists(db: str) -> None:
    add_user("chen", "staff", PASSWORD)
    assert ensure_initial_admin() is None
    assert [u.username for u in list_users()] == ["chen"]


def test_lockout_and_sessions_on_postgresql(postgres: str) -> None:
    """The same lock-out on PostgreSQL, with ``now`` given in Beijing time (UTC+8): stored and
    compared as the same instants as UTC."""
    assert get_engine().dialect.name == "postgresql"
    beijing = timezone(timedelta(hours=8))
    _check_lockout(T0.astimezone(beijing))
    (zhao,) = list_users()
    assert zhao.locked_until is None and zhao.last_login_at == T0 + LOCKOUT
    assert zhao.last_login_at.tzinfo is not None
    token, csrf = create_session(zhao.id, now=T0.astimezone(beijing))
    resolved = resolve_session(token, now=T0 + SESSION_TTL - timedelta(seconds=1))
    assert resolved is not None and resolved.csrf_token == csrf
    assert resolve_session(token, now=(T0 + SESSION_TTL).astimezone(beijing)) is None
    token, _ = create_session(zhao.id, now=T0)
    disable_user("zhao")
    assert resolve_session(token, now=T0) is None
    assert authenticate("zhao", PASSWORD).reason == "disabled"


def test_naive_times_are_refused(db: str) -> None:
    """A naive ``now`` would be compared with UTC values as if it were UTC: refused instead."""
    with pytest.raises(ValueError, match="timezone-aware"):
        service.authenticate("anyone", PASSWORD, now=datetime(2026, 3, 2, 9, 0))
