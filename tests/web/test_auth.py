"""Login, session cookie, CSRF and role checks through a real aiohttp server on 127.0.0.1."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from typing import AsyncIterator, Dict

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from yarl import URL

from bot.accounts.models import User
from bot.accounts.service import SESSION_TTL, add_user, create_session, disable_user, list_users, resolve_session
from bot.config import get_settings
from bot.db import session_scope
from bot.web.auth import COOKIE_NAME, current_user, requires, setup_auth
from tests.support.database import fresh_database

STAFF_PASSWORD = "window-one-pass"
ADMIN_PASSWORD = "director-pass-88"


def _test_app() -> web.Application:
    """The auth layer plus a few routes of each kind; the real desk and admin routes live elsewhere."""
    app = web.Application()
    setup_auth(app)

    @requires("staff")
    async def add_note(request: web.Request) -> web.StreamResponse:
        return web.json_response({"by": current_user(request).username})

    @requires("admin")
    async def admin_ping(request: web.Request) -> web.StreamResponse:
        return web.json_response({"admin": current_user(request).username})

    @requires("staff")
    async def tickets_page(_: web.Request) -> web.StreamResponse:
        return web.Response(text="工单")

    @requires("admin")
    async def users_page(_: web.Request) -> web.StreamResponse:
        return web.Response(text="账号管理")

    app.router.add_post("/desk/api/notes", add_note)
    app.router.add_post("/admin/api/ping", admin_ping)
    app.router.add_get("/desk/tickets", tickets_page)
    app.router.add_get("/admin/users", users_page)
    return app


@pytest.fixture()
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    with fresh_database(tmp_path / "auth.db"):
        add_user("clerk", "staff", STAFF_PASSWORD, display_name="一号窗口")
        add_user("boss", "admin", ADMIN_PASSWORD, display_name="主任")
        async with TestClient(TestServer(_test_app(), host="127.0.0.1")) as client:
            yield client


async def _login(client: TestClient, username: str, password: str) -> str:
    resp = await client.post("/desk/api/login", json={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["csrf_token"])


def _cookie(resp_headers: object) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in resp_headers.getall("Set-Cookie", []):  # type: ignore[attr-defined]
        cookie.load(header)
    return cookie


async def test_login_sets_a_strict_httponly_cookie(client: TestClient) -> None:
    """Logged in as clerk: 200 with user and CSRF token, cookie HttpOnly, SameSite=Strict, 8 h, not Secure."""
    resp = await client.post("/desk/api/login", json={"username": "clerk", "password": STAFF_PASSWORD})
    assert resp.status == 200
    body = await resp.json()
    assert body["user"] == {"username": "clerk", "display_name": "一号窗口", "role": "staff"}
    assert len(body["csrf_token"]) >= 43
    morsel = _cookie(resp.headers)[COOKIE_NAME]
    assert morsel["httponly"] is True and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert morsel["max-age"] == str(int(SESSION_TTL.total_seconds())) and not morsel["secure"]
    me = await client.get("/desk/api/me")
    assert me.status == 200
    assert await me.json() == {"csrf_token": body["csrf_token"], "user": body["user"]}
    assert [u.last_login_at is not None for u in list_users()] == [True, False]


async def test_cookie_is_secure_when_configured(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_COOKIE_SECURE", "1")
    get_settings.cache_clear()
    resp = await client.post("/desk/api/login", json={"username": "clerk", "password": STAFF_PASSWORD})
    assert resp.status == 200
    assert _cookie(resp.headers)[COOKIE_NAME]["secure"] is True


@pytest.mark.parametrize("body", [
    {"username": "clerk", "password": "not-the-password"},
    {"username": "nobody", "password": STAFF_PASSWORD},
])
async def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient, body: Dict[str, str]) -> None:
    resp = await client.post("/desk/api/login", json=body)
    assert (resp.status, await resp.json()) == (401, {"error": "用户名或密码错误"})
    assert COOKIE_NAME not in _cookie(resp.headers)
    assert (await client.get("/desk/api/me")).status == 401


async def test_malformed_login_bodies_get_400(client: TestClient) -> None:
    """Tried: not JSON, JSON sent as text/plain (what a cross-site form can send), a list, no password."""
    attempts = [
        client.post("/desk/api/login", data="{not json", headers={"Content-Type": "application/json"}),
        client.post("/desk/api/login", data=json.dumps({"username": "clerk", "password": STAFF_PASSWORD}),
                    headers={"Content-Type": "text/plain"}),
        client.post("/desk/api/login", json=["clerk", STAFF_PASSWORD]),
        client.post("/desk/api/login", json={"username": "clerk"}),
        client.post("/desk/api/login", json={"username": "clerk", "password": 12345678901}),
    ]
    for attempt in attempts:
        resp = await attempt
        assert resp.status == 400
        assert (await resp.json())["error"].startswith("请求格式错误")


async def test_five_wrong_passwords_lock_even_the_right_one(client: TestClient) -> None:
    """Four wrong passwords get 401, the fifth 423, then the right one 423 too; once the lock
    has run out (its end moved into the past, as time passing would) the right one logs in."""
    for _ in range(4):
        resp = await client.post("/desk/api/login", json={"username": "clerk", "password": "guess-guess-1"})
        assert resp.status == 401
    locked = "登录失败次数过多，账号已临时锁定，请 15 分钟后再试"
    resp = await client.post("/desk/api/login", json={"username": "clerk", "password": "guess-guess-5"})
    assert (resp.status, await resp.json()) == (423, {"error": locked})
    resp = await client.post("/desk/api/login", json={"username": "clerk", "password": STAFF_PASSWORD})
    assert (resp.status, await resp.json()) == (423, {"error": locked})
    assert COOKIE_NAME not in _cookie(resp.headers)
    # the other account is not affected
    assert (await client.post("/desk/api/login", json={"username": "boss", "password": ADMIN_PASSWORD})).status == 200
    with session_scope() as session:
        session.execute(update(User).where(User.username == "clerk")
                        .values(locked_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    await _login(client, "clerk", STAFF_PASSWORD)


async def test_disabled_account_is_refused_and_logged_out(client: TestClient) -> None:
    """Logged in as clerk, then the account was disabled: the open session is gone (401) and a
    new login with the right password gets 403."""
    csrf = await _login(client, "clerk", STAFF_PASSWORD)
    assert (await client.post("/desk/api/notes", headers={"X-CSRF-Token": csrf})).status == 200
    disable_user("clerk")
    assert (await client.get("/desk/api/me")).status == 401
    resp = await client.post("/desk/api/notes", headers={"X-CSRF-Token": csrf})
    assert (resp.status, await resp.json()) == (401, {"error": "请先登录"})
    resp = await client.post("/desk/api/login", json={"username": "clerk", "password": STAFF_PASSWORD})
    assert (resp.status, await resp.json()) == (403, {"error": "账号已停用，请联系管理员"})


async def test_expired_session_is_refused(client: TestClient) -> None:
    """A cookie of a session created 8 h and 1 s ago: 401 on the API, redirect on a page."""
    clerk = next(u for u in list_users() if u.username == "clerk")
    token, csrf = create_session(clerk.id, now=datetime.now(timezone.utc) - SESSION_TTL - timedelta(seconds=1))
    headers = {"Cookie": f"{COOKIE_NAME}={token}", "X-CSRF-Token": csrf}
    assert (await client.get("/desk/api/me", headers=headers)).status == 401
    resp = await client.post("/desk/api/notes", headers=headers)
    assert (resp.status, await resp.json()) == (401, {"error": "请先登录"})
    fresh, fresh_csrf = create_session(clerk.id)
    resp = await client.post("/desk/api/notes", headers={"Cookie": f"{COOKIE_NAME}={fresh}",
                                                         "X-CSRF-Token": fresh_csrf})
    assert (resp.status, await resp.json()) == (200, {"by": "clerk"})


async def test_state_changes_need_a_session_and_the_csrf_token(client: TestClient) -> None:
    """POSTed to a desk API route: without a session 401; logged in, without the header or with a
    forged token 403; with the session's token 200."""
    resp = await client.post("/desk/api/notes")
    assert (resp.status, await resp.json()) == (401, {"error": "请先登录"})
    csrf = await _login(client, "clerk", STAFF_PASSWORD)
    csrf_failed = {"error": "CSRF 校验失败，请刷新页面后重试"}
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}):
        resp = await client.post("/desk/api/notes", headers=headers)
        assert (resp.status, await resp.json()) == (403, csrf_failed)
    for method in ("PUT", "PATCH", "DELETE"):  # the middleware guards them before any route matches
        resp = await client.request(method, "/admin/api/anything")
        assert (resp.status, await resp.json()) == (403, csrf_failed)
    resp = await client.post("/desk/api/notes", headers={"X-CSRF-Token": csrf})
    assert (resp.status, await resp.json()) == (200, {"by": "clerk"})


async def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = await _login(client, "clerk", STAFF_PASSWORD)
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    assert (await client.post("/desk/api/logout")).status == 403  # logout is a state change too
    resp = await client.post("/desk/api/logout", headers={"X-CSRF-Token": csrf})
    assert resp.status == 200
    assert _cookie(resp.headers)[COOKIE_NAME].value == ""
    assert resolve_session(token) is None
    assert (await client.get("/desk/api/me")).status == 401


async def test_a_new_login_ends_the_browsers_previous_session(client: TestClient) -> None:
    await _login(client, "clerk", STAFF_PASSWORD)
    old = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    assert resolve_session(old) is not None
    await _login(client, "boss", ADMIN_PASSWORD)
    assert resolve_session(old) is None
    assert (await (await client.get("/desk/api/me")).json())["user"]["username"] == "boss"


async def test_roles_on_api_routes_and_pages(client: TestClient) -> None:
    """staff gets 403 on an admin API route and an admin page; admin may use staff routes; without
    a session a page redirects to the login page with ``next``."""
    resp = await client.get("/desk/tickets?status=open", allow_redirects=False)
    assert resp.status == 302
    location = URL(resp.headers["Location"])
    assert (location.path, dict(location.query)) == ("/desk/login", {"next": "/desk/tickets?status=open"})
    csrf = await _login(client, "clerk", STAFF_PASSWORD)
    resp = await client.post("/admin/api/ping", headers={"X-CSRF-Token": csrf})
    assert (resp.status, await resp.json()) == (403, {"error": "没有权限执行此操作"})
    resp = await client.get("/admin/users")
    assert resp.status == 403 and resp.content_type == "text/html" and "没有权限" in await resp.text()
    assert (await client.get("/desk/tickets")).status == 200
    csrf = await _login(client, "boss", ADMIN_PASSWORD)
    resp = await client.post("/admin/api/ping", headers={"X-CSRF-Token": csrf})
    assert (resp.status, await resp.json()) == (200, {"admin": "boss"})
    resp = await client.post("/desk/api/notes", headers={"X-CSRF-Token": csrf})
    assert (resp.status, await resp.json()) == (200, {"by": "boss"})
    assert await (await client.get("/admin/users")).text() == "账号管理"


async def test_the_web_page_server_has_the_auth_routes(tmp_path: Path) -> None:
    """bot.web.server.create_app (the real page server) answers the login routes."""
    from bot.web.server import create_app

    with fresh_database(tmp_path / "server.db"):
        add_user("clerk", "staff", STAFF_PASSWORD)
        async with TestClient(TestServer(create_app("http://127.0.0.1:5005"), host="127.0.0.1")) as client:
            assert (await client.get("/desk/api/me")).status == 401
            await _login(client, "clerk", STAFF_PASSWORD)
            assert (await (await client.get("/desk/api/me")).json())["user"]["username"] == "clerk"
            assert (await client.get("/")).status == 200
