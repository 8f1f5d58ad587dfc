"""Login, session cookie, CSRF check and role checks of the desk console (aiohttp).

:func:`setup_auth` installs a middleware that puts the cookie's :class:`SessionUser` (or None)
into ``request["user"]`` and guards every state-changing API call (session and CSRF header),
plus the login, logout and "who am I" routes. Handlers declare the role they need with
:func:`requires`. Database work runs in a thread (``asyncio.to_thread``): the account service is
synchronous and only dataclasses come back from it.

The browser side: ``POST /desk/api/login`` with ``Content-Type: application/json`` (required, so a
cross-site form cannot log a browser in), keep ``csrf_token`` from its answer (or from
``GET /desk/api/me`` after a page load) and send it as ``X-CSRF-Token`` on every POST, PUT, PATCH
and DELETE under ``/desk/api/`` and ``/admin/api/``.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import math
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import quote

from aiohttp import web

from bot.accounts.service import (
    SESSION_TTL,
    LoginResult,
    SessionUser,
    authenticate,
    create_session,
    end_session,
    resolve_session,
)
from bot.config import get_settings
from bot.web.headers import PAGE_HEADERS

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

COOKIE_NAME = "desk_session"
CSRF_HEADER = "X-CSRF-Token"
USER_KEY = "user"
API_PREFIXES = ("/desk/api/", "/admin/api/")
LOGIN_PATH = "/desk/api/login"
LOGIN_PAGE = "/desk/login"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ROLE_RANK = {"staff": 1, "admin": 2}  # a role satisfies every role of lower or equal rank

NOT_LOGGED_IN = "请先登录"
CSRF_FAILED = "CSRF 校验失败，请刷新页面后重试"
BAD_CREDENTIALS = "用户名或密码错误"
DISABLED = "账号已停用，请联系管理员"
FORBIDDEN = "没有权限执行此操作"


def setup_auth(app: web.Application) -> None:
    """Install the session middleware and the login, logout and me routes on ``app``."""
    app.middlewares.append(auth_middleware)
    app.router.add_post(LOGIN_PATH, _login)
    app.router.add_post("/desk/api/logout", _logout)
    app.router.add_get("/desk/api/me", _me)


def _is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = request.cookies.get(COOKIE_NAME)
    user = await asyncio.to_thread(resolve_session, token) if token else None
    request[USER_KEY] = user
    if request.method in UNSAFE_METHODS and _is_api(request.path) and request.path != LOGIN_PATH:
        if user is None:
            return _error(401, NOT_LOGGED_IN)
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode("utf-8"), user.csrf_token.encode("utf-8")):
            logger.warning("CSRF check failed for %s %s (user %s)", request.method, request.path, user.username)
            return _error(403, CSRF_FAILED)
    return await handler(request)


def optional_user(request: web.Request) -> Optional[SessionUser]:
    user = request.get(USER_KEY)
    return user if isinstance(user, SessionUser) else None


def current_user(request: web.Request) -> SessionUser:
    """The logged-in user; without one, a 401 JSON response is raised (for handlers that need it)."""
    user = optional_user(request)
    if user is None:
        raise web.HTTPUnauthorized(text=_dumps({"error": NOT_LOGGED_IN}), content_type="application/json")
    return user


def _satisfies(user: SessionUser, role: str) -> bool:
    return ROLE_RANK.get(user.role, 0) >= ROLE_RANK[role]


def requires(role: str) -> Callable[[Handler], Handler]:
    """Decorator: the handler runs only for a logged-in user with ``role`` (admin satisfies staff).

    Without a session: 401 JSON on API paths, otherwise a redirect to the login page with
    ``next``; with too low a role: 403 (JSON on API paths, a short page otherwise).
    """
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            user = optional_user(request)
            if user is None:
                if _is_api(request.path):
                    return _error(401, NOT_LOGGED_IN)
                raise web.HTTPFound(f"{LOGIN_PAGE}?next={quote(request.rel_url.path_qs, safe='/')}")
            if not _satisfies(user, role):
                if _is_api(request.path):
                    return _error(403, FORBIDDEN)
                return web.Response(status=403, content_type="text/html", charset="utf-8",
                                    text=_FORBIDDEN_PAGE, headers=PAGE_HEADERS)
            return await handler(request)

        return guarded

    return decorate


_FORBIDDEN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>没有权限</title></head>
<body><h1>没有权限</h1><p>您的账号没有访问此页面的权限。如需开通，请联系管理员。</p>
<p><a href="/desk/">返回服务台</a></p></body></html>
"""


def _user_json(user: SessionUser) -> Dict[str, str]:
    return {"username": user.username, "display_name": user.display_name, "role": user.role}


def _set_session_cookie(response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=int(SESSION_TTL.total_seconds()), path="/", httponly=True,
                        samesite="Strict", secure=get_settings().desk_cookie_secure)


async def _login(request: web.Request) -> web.StreamResponse:
    if request.content_type != "application/json":
        return _error(400, "请求格式错误：需要 JSON")
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "请求格式错误：不是有效的 JSON")
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
            or not isinstance(body.get("password"), str) or not body["username"] or not body["password"]:
        return _error(400, "请求格式错误：需要 username 和 password")
    result = await asyncio.to_thread(authenticate, body["username"].strip(), body["password"])
    if not result.ok or result.user is None:
        return _refused(result)
    old_token = request.cookies.get(COOKIE_NAME)
    if old_token:  # the browser's previous session (perhaps another account) ends here
        await asyncio.to_thread(end_session, old_token)
    token, csrf_token = await asyncio.to_thread(create_session, result.user.id)
    user = SessionUser(id=result.user.id, username=result.user.username, display_name=result.user.display_name,
                       role=result.user.role, csrf_token=csrf_token)
    logger.info("desk login: %s", user.username)
    response = web.json_response({"csrf_token": csrf_token, "user": _user_json(user)}, dumps=_dumps)
    _set_session_cookie(response, token)
    return response


def _refused(result: LoginResult) -> web.Response:
    if result.reason == "locked":
        remaining = (result.locked_until - datetime.now(timezone.utc)).total_seconds() if result.locked_until else 60
        minutes = max(1, math.ceil(remaining / 60))
        return _error(423, f"登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试")
    if result.reason == "disabled":
        return _error(403, DISABLED)
    return _error(401, BAD_CREDENTIALS)


async def _logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE_NAME)
    if token:
        await asyncio.to_thread(end_session, token)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE_NAME, path="/")
    return response


async def _me(request: web.Request) -> web.StreamResponse:
    user = optional_user(request)
    if user is None:
        return _error(401, NOT_LOGGED_IN)
    return web.json_response({"csrf_token": user.csrf_token, "user": _user_json(user)}, dumps=_dumps)
