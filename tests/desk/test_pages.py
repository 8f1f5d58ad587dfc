"""The desk console's login, page guard, headers and files in a real headless Chromium.

The app is the page server's desk side (auth, desk pages, admin pages) on 127.0.0.1 with a fresh
database; the ticket console against a queue is in test_desk_page.py.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.accounts.service import add_user
from bot.desk.pages import STATIC
from tests.desk.console import ConsoleServer, console_app, csp_violations, launch_chromium, login
from tests.support.database import fresh_database

STAFF = ("clerk", "window-one-pass", "一号窗口")
ADMIN = ("boss", "director-pass-88", "王主任")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    with fresh_database(tmp_path_factory.mktemp("desk-pages") / "desk.db"):
        add_user(STAFF[0], "staff", STAFF[1], display_name=STAFF[2])
        add_user(ADMIN[0], "admin", ADMIN[1], display_name=ADMIN[2])
        with ConsoleServer(console_app()) as server:
            yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_wrong_password_shows_the_servers_error(server: ConsoleServer, page: Page) -> None:
    violations = csp_violations(page)
    page.goto(server.url + "/desk/login")
    page.fill("#username", STAFF[0])
    page.fill("#password", "not-the-password")
    page.click("#login")
    expect(page.locator("#status")).to_have_text("用户名或密码错误")
    expect(page.locator("#status")).to_have_class(re.compile(r"\berror\b"))
    assert page.url == server.url + "/desk/login"
    expect(page.locator("#password")).to_be_focused()
    assert violations == []


def test_empty_form_is_not_sent(server: ConsoleServer, page: Page) -> None:
    page.goto(server.url + "/desk/login")
    page.click("#login")
    expect(page.locator("#status")).to_have_text("请输入用户名和密码")
    expect(page.locator("#username")).to_be_focused()


def test_right_password_lands_on_the_console(server: ConsoleServer, page: Page) -> None:
    violations = csp_violations(page)
    login(page, server.url, STAFF[0], STAFF[1])
    assert page.url == server.url + "/desk/"
    expect(page.locator("#me-name")).to_have_text(STAFF[2])
    expect(page.locator("#admin-link")).to_be_hidden()  # staff: no 账号管理
    expect(page.locator("nav a", has_text="差评整改")).to_have_attribute("href", "/desk/followups")
    expect(page.locator("#waiting-count")).to_have_text("0")
    assert violations == []


def test_login_form_by_keyboard(server: ConsoleServer, page: Page) -> None:
    page.goto(server.url + "/desk/login")
    assert page.locator("label[for=username]").count() == 1 and page.locator("label[for=password]").count() == 1
    expect(page.locator("#username")).to_be_focused()  # autofocus
    page.keyboard.type(STAFF[0])
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(STAFF[1])
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/desk/")


def test_console_without_a_session_goes_to_login_and_back(server: ConsoleServer, page: Page) -> None:
    page.goto(server.url + "/desk/")
    assert page.url == server.url + "/desk/login?next=/desk/"
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", STAFF[0])
    page.fill("#password", STAFF[1])
    page.click("#login")
    page.wait_for_url(server.url + "/desk/")


def test_followups_page_without_a_session_goes_to_login(server: ConsoleServer, page: Page) -> None:
    page.goto(server.url + "/desk/followups")
    assert page.url == server.url + "/desk/login?next=/desk/followups"
    page.fill("#username", STAFF[0])
    page.fill("#password", STAFF[1])
    page.click("#login")
    page.wait_for_url(server.url + "/desk/followups")
    expect(page.locator("#me-name")).to_have_text(STAFF[2])


@pytest.mark.parametrize("next_path", ["https://evil.example/desk/", "//evil.example/desk/", "/\\evil.example/",
                                       "/other/", "javascript:alert(1)"])
def test_login_goes_only_to_a_page_of_the_console(server: ConsoleServer, page: Page, next_path: str) -> None:
    from urllib.parse import quote

    login(page, server.url, STAFF[0], STAFF[1], next_path=quote(next_path, safe=""))
    assert page.url == server.url + "/desk/"


def test_logout_ends_the_session(server: ConsoleServer, page: Page) -> None:
    login(page, server.url, STAFF[0], STAFF[1])
    page.click("#logout")
    page.wait_for_url(server.url + "/desk/login")
    page.goto(server.url + "/desk/")
    assert page.url.startswith(server.url + "/desk/login?next=")


def test_pages_and_files_carry_a_strict_csp(server: ConsoleServer) -> None:
    session = requests.Session()
    resp = session.post(server.url + "/desk/api/login", json={"username": STAFF[0], "password": STAFF[1]}, timeout=10)
    assert resp.status_code == 200
    for path in ("/desk/login", "/desk/", "/desk/followups"):
        resp = session.get(server.url + path, timeout=10, allow_redirects=False)
        assert resp.status_code == 200, path
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Content-Type"].startswith("text/html")
    for name, kind in (("desk.js", "application/javascript"), ("common.js", "application/javascript"),
                       ("desk.css", "text/css")):
        resp = requests.get(f"{server.url}/desk/static/{name}", timeout=10)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(kind), name
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/desk/static/missing.js", "/desk/static/desk.html", "/desk/static/..%2Fpages.py",
                 "/desk/static/%2E%2E/pages.py"):
        assert requests.get(server.url + path, timeout=10).status_code == 404, path


def test_no_inline_script_style_or_external_asset() -> None:
    """The CSP allows none of them; a stray one would silently not work."""
    admin_static = Path(__file__).resolve().parents[2] / "bot" / "admin" / "static"
    pages = [*STATIC.glob("*.html"), *admin_static.glob("*.html")]
    assert len(pages) == 4
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path.name
        assert "<style" not in html and " style=" not in html and " on" + "click=" not in html, path.name
        assert "http://" not in html and "https://" not in html and "cdn" not in html.lower(), path.name
    for path in [*STATIC.glob("*.js"), *admin_static.glob("*.js")]:
        source = path.read_text(encoding="utf-8")
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source, path.name
