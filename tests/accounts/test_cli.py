"""``python -m bot users ...`` run for real, as an operator would, against a fresh SQLite file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.accounts.models import User
from bot.accounts.service import authenticate, create_session, list_users, resolve_session
from bot.db import session_scope
from tests.support.database import fresh_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "huangshan-pine-42"


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "cli.db") as url:
        yield url


def users(db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "users", *args], input=stdin, capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": db}, timeout=120)


def test_add_list_disable_enable(db: str) -> None:
    """Added a staff and an admin (password on stdin), listed, disabled one, listed, enabled it."""
    added = users(db, "add", "li.ming", "--role", "staff", "--password-stdin", "--display-name", "李明",
                  stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "已添加账号 li.ming" in added.stdout
    assert users(db, "add", "王主任", "--role", "admin", "--password-stdin", stdin=PASSWORD + "2\n").returncode == 0
    assert PASSWORD not in added.stdout + added.stderr
    with session_scope() as session:
        stored = session.execute(select(User.password_hash).where(User.username == "li.ming")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate("li.ming", PASSWORD).ok  # the newline was stripped, nothing else

    listed = users(db, "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["用户名", "显示名", "角色", "状态", "锁定至", "最近登录"]
    assert rows[0].split()[:4] == ["li.ming", "李明", "staff", "启用"]
    assert rows[1].split()[:4] == ["王主任", "王主任", "admin", "启用"]
    assert len(rows[0].split()) == 7  # last login is a date and a time now

    token, _ = create_session(list_users()[0].id)
    disabled = users(db, "disable", "li.ming")
    assert disabled.returncode == 0, disabled.stderr
    assert resolve_session(token) is None
    assert users(db, "list").stdout.splitlines()[1].split()[3] == "停用"
    assert authenticate("li.ming", PASSWORD).reason == "disabled"

    assert users(db, "enable", "li.ming").returncode == 0
    assert users(db, "list").stdout.splitlines()[1].split()[3] == "启用"


def test_password_on_the_command_line_is_refused(db: str) -> None:
    """Tried --password SECRET and --password=SECRET: exit 2, the secret not echoed, no account."""
    for argv in (["--password", PASSWORD], [f"--password={PASSWORD}"], ["--password-stdin", "--password", PASSWORD]):
        result = users(db, "add", "zhang", "--role", "staff", *argv)
        assert result.returncode == 2
        assert "--password-stdin" in result.stderr and PASSWORD not in result.stderr + result.stdout
    assert list_users() == []


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--role", "staff", "--password-stdin"], "short\n", "错误：密码至少 10 个字符"),
    (["--role", "staff", "--password-stdin"], "12345678901\n", "错误：密码不能全是数字"),
    (["--role", "staff", "--password-stdin"], "", "错误：没有从标准输入读到密码"),
])
def test_bad_password_is_refused(db: str, args: list, stdin: str, message: str) -> None:
    result = users(db, "add", "zhang", *args, stdin=stdin)
    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (2, message)
    assert list_users() == []


def test_duplicate_name_and_unknown_user(db: str) -> None:
    """Added zhao twice (second refused); disabled and reset the password of a name never added."""
    assert users(db, "add", "zhao", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    again = users(db, "add", "zhao", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert (again.returncode, again.stderr.strip().splitlines()[-1]) == (2, "错误：用户名已存在")
    assert [u.role for u in list_users()] == ["staff"]
    unknown = users(db, "disable", "ghost")
    assert (unknown.returncode, unknown.stderr.strip().splitlines()[-1]) == (2, "错误：用户不存在：ghost")
    reset = users(db, "passwd", "ghost", "--password-stdin", stdin=PASSWORD + "\n")
    assert (reset.returncode, reset.stderr.strip().splitlines()[-1]) == (2, "错误：用户不存在：ghost")


def test_passwd_sets_the_new_password(db: str) -> None:
    assert users(db, "add", "qian", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    result = users(db, "passwd", "qian", "--password-stdin", stdin="another-password-9\n")
    assert result.returncode == 0, result.stderr
    assert authenticate("qian", PASSWORD).reason == "bad_credentials"
    assert authenticate("qian", "another-password-9").ok


def test_list_creates_missing_tables(tmp_path: Path) -> None:
    """A database file that does not exist yet: ``users list`` creates the tables and says so."""
    result = users(f"sqlite:///{tmp_path / 'new.db'}", "list")
    assert (result.returncode, result.stdout.strip()) == (0, "还没有账号")
