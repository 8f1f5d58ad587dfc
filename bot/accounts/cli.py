"""``python -m bot users add|list|disable|enable|passwd``: desk accounts from the shell.

Passwords come from standard input only (``--password-stdin``; a prompt without echo when
it is a terminal), never from the command line, where shell history and ``ps`` would keep them.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import unicodedata
from datetime import datetime, timezone
from typing import Any, List, Optional, Sequence

from bot.accounts.models import ROLES
from bot.accounts.service import AccountError, UserInfo, add_user, disable_user, enable_user, list_users, set_password
from bot.stores import create_all


class _RefusePassword(argparse.Action):
    """``--password X`` is refused without echoing X back in the error."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        parser.error("不接受在命令行中给出密码，请改用 --password-stdin 从标准输入读取")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("users", help="服务台账号：添加、列出、停用、启用、改密码")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="添加账号（密码从标准输入读取）", allow_abbrev=False)
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--display-name", default=None)
    _password_options(add)
    add.set_defaults(func=_add)
    commands.add_parser("list", help="列出所有账号").set_defaults(func=_list)
    disable = commands.add_parser("disable", help="停用账号并结束其所有登录")
    disable.add_argument("name")
    disable.set_defaults(func=_disable)
    enable = commands.add_parser("enable", help="重新启用账号")
    enable.add_argument("name")
    enable.set_defaults(func=_enable)
    passwd = commands.add_parser("passwd", help="重设密码（同时解除锁定、结束其所有登录）", allow_abbrev=False)
    passwd.add_argument("name")
    _password_options(passwd)
    passwd.set_defaults(func=_passwd)


def _password_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true", required=True,
                        help="从标准输入读取一行作为密码")
    parser.add_argument("--password", action=_RefusePassword, help=argparse.SUPPRESS)


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("密码：")
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def _add(args: argparse.Namespace) -> int:
    create_all()
    password = _read_password().rstrip("\r")
    if not password:
        return _fail("没有从标准输入读到密码")
    try:
        user = add_user(args.name, args.role, password, display_name=args.display_name)
    except AccountError as exc:
        return _fail(str(exc))
    print(f"已添加账号 {user.username}（{user.display_name}，{user.role}）")
    return 0


def _list(_: argparse.Namespace) -> int:
    create_all()
    users = list_users()
    if not users:
        print("还没有账号")
        return 0
    print(_table(["用户名", "显示名", "角色", "状态", "锁定至", "最近登录"], [_row(u) for u in users]))
    return 0


def _row(user: UserInfo) -> List[str]:
    now = datetime.now(timezone.utc)
    locked = user.locked_until if user.locked_until is not None and user.locked_until > now else None
    return [user.username, user.display_name, user.role, "启用" if user.active else "停用",
            _when(locked), _when(user.last_login_at)]


def _when(value: Optional[datetime]) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned by display width (a Chinese character takes two columns)."""
    table = [header, *rows]
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    return "\n".join("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in table)


def _disable(args: argparse.Namespace) -> int:
    create_all()
    try:
        disable_user(args.name)
    except AccountError as exc:
        return _fail(str(exc))
    print(f"已停用账号 {args.name}，其登录已全部结束")
    return 0


def _enable(args: argparse.Namespace) -> int:
    create_all()
    try:
        enable_user(args.name)
    except AccountError as exc:
        return _fail(str(exc))
    print(f"已启用账号 {args.name}")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    create_all()
    password = _read_password().rstrip("\r")
    if not password:
        return _fail("没有从标准输入读到密码")
    try:
        set_password(args.name, password)
    except AccountError as exc:
        return _fail(str(exc))
    print(f"已重设账号 {args.name} 的密码")
    return 0
