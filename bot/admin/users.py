"""Account management for administrators: the ``/admin/users`` page and its small JSON API.

Routes (every one ``requires("admin")``; the CSRF header is checked by the auth middleware):

* ``GET /admin/`` → redirect to ``/admin/registry`` (the registry console, bot/registry/admin_api.py);
  ``GET /admin/users`` the page;
* ``GET /admin/api/users`` → ``[{"username","display_name","role","active","locked","locked_until",
  "last_login_at","created_at"}]``;
* ``POST /admin/api/users`` ``{"username","display_name","role","password"}`` → 201 the new account;
* ``POST /admin/api/users/{username}/disable`` | ``/enable`` → 200 the account;
* ``POST /admin/api/users/{username}/password`` ``{"password"}`` → 200.

A refused operation answers 400 ``{"error": …}`` with the account service's Chinese message. An
administrator cannot disable their own account (so there is always one who can undo a mistake).
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional

from aiohttp import web

from bot.accounts.service import AccountError, UserInfo, disable_user, enable_user, list_users, set_password
from bot.accounts.service import add_user as add_account
from bot.desk.pages import html_page, static_files
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
CANNOT_DISABLE_SELF = "不能停用自己的账号"


def setup_admin(app: web.Application) -> None:
    """Add the admin console to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    admin = requires("admin")
    app.router.add_get("/admin", _to_console)
    app.router.add_get("/admin/", _to_console)
    app.router.add_get("/admin/users", admin(html_page(STATIC / "users.html", nav="/admin/users")))
    app.router.add_get("/admin/static/{name}", static_files(STATIC))
    app.router.add_get("/admin/api/users", admin(_list))
    app.router.add_post("/admin/api/users", admin(_add))
    app.router.add_post("/admin/api/users/{username}/disable", admin(_disable))
    app.router.add_post("/admin/api/users/{username}/enable", admin(_enable))
    app.router.add_post("/admin/api/users/{username}/password", admin(_password))


async def _to_console(_: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/admin/registry")


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def user_json(user: UserInfo, now: Optional[datetime] = None) -> Dict[str, Any]:
    now = now or datetime.now(timezone.utc)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "active": user.active,
        "locked": user.locked_until is not None and user.locked_until > now,
        "locked_until": _iso(user.locked_until),
        "last_login_at": _iso(user.last_login_at),
        "created_at": _iso(user.created_at),
    }


async def _body(request: web.Request, *fields: str) -> Dict[str, str]:
    """The JSON object of the request with ``fields`` as strings (absent ones as ""); 400 otherwise."""
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": "请求格式错误：不是有效的 JSON"}, ensure_ascii=False),
                                 content_type="application/json") from None
    if not isinstance(body, dict) or any(not isinstance(body.get(f, ""), str) for f in fields):
        raise web.HTTPBadRequest(text=json.dumps({"error": "请求格式错误：字段须为文字"}, ensure_ascii=False),
                                 content_type="application/json")
    return {f: body.get(f, "") for f in fields}


async def _account(username: str) -> Optional[UserInfo]:
    users = await asyncio.to_thread(list_users)
    return next((u for u in users if u.username == username), None)


async def _list(_: web.Request) -> web.StreamResponse:
    users = await asyncio.to_thread(list_users)
    return _json([user_json(u) for u in users])


async def _add(request: web.Request) -> web.StreamResponse:
    admin = current_user(request)
    body = await _body(request, "username", "display_name", "role", "password")
    try:
        user = await asyncio.to_thread(add_account, body["username"], body["role"].strip(), body["password"],
                                       body["display_name"] or None)
    except AccountError as exc:
        return _error(400, str(exc))
    logger.info("admin %s added account %s (role %s)", admin.username, user.username, user.role)
    return _json(user_json(user), status=201)


async def _disable(request: web.Request) -> web.StreamResponse:
    admin = current_user(request)
    username = request.match_info["username"]
    if username == admin.username:
        return _error(400, CANNOT_DISABLE_SELF)
    try:
        await asyncio.to_thread(disable_user, username)
    except AccountError as exc:
        return _error(400, str(exc))
    logger.info("admin %s disabled account %s", admin.username, username)
    return await _changed(username)


async def _enable(request: web.Request) -> web.StreamResponse:
    admin = current_user(request)
    username = request.match_info["username"]
    try:
        await asyncio.to_thread(enable_user, username)
    except AccountError as exc:
        return _error(400, str(exc))
    logger.info("admin %s enabled account %s", admin.username, username)
    return await _changed(username)


async def _password(request: web.Request) -> web.StreamResponse:
    admin = current_user(request)
    username = request.match_info["username"]
    body = await _body(request, "password")
    try:
        await asyncio.to_thread(set_password, username, body["password"])
    except AccountError as exc:
        return _error(400, str(exc))
    logger.info("admin %s set the password of account %s", admin.username, username)
    return _json({"ok": True, "username": username})


async def _changed(username: str) -> web.Response:
    user = await _account(username)
    if user is None:  # removed in between; the change itself went through
        return _json({"ok": True, "username": username})
    return _json(user_json(user))
