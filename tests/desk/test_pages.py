"""The desk console's login, page guard, headers and files in a real headless Chromium.

The page server is the running stack's (tests/conftest.py: rasa_stack) on the session database,
with a staff account of this module's own (a unique username); the ticket console against a queue
is in test_desk_page.py.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import pytest
import requests
from playwright.sync_api import expect

from bot.desk.pages import STATIC
from tests.support.browser import NewPage, csp_violations, login
from tests.support.desk import DeskClient, new_staff


@pytest.fixture(scope="module")
def staff(rasa_stack: Any) -> Dict[str, str]:
    return new_staff(role="staff", display_name="一号窗口")


def test_wrong_password_shows_the_servers_error(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage) -> None:
    page = new_page()
    violations = csp_violations(page)
    page.goto(rasa_stack.web_url + "/desk/login")
    page.fill("#username", staff["username"])
    page.fill("#password", "not-the-password")
    page.click("#login")
    expect(page.locator("#status")).to_have_text("用户名或密码错误")
    expect(page.locator("#status")).to_have_class(re.compile(r"\berror\b"))
    assert page.url == rasa_stack.web_url + "/desk/login"
    expect(page.locator("#password")).to_be_focused()
    assert violations == []


def test_empty_form_is_not_sent(rasa_stack: Any, new_page: NewPage) -> None:
    page = new_page()
    page.goto(rasa_stack.web_url + "/desk/login")
    page.click("#login")
    expect(page.locator("#status")).to_have_text("请输入用户名和密码")
    expect(page.locator("#username")).to_be_focused()


def test_right_password_lands_on_the_console(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage) -> None:
    page = new_page()
    violations = csp_violations(page)
    login(page, rasa_stack.web_url, staff["username"], staff["password"])
    assert page.url == rasa_stack.web_url + "/desk/"
    expect(page.locator("#me-name")).to_have_text(staff["display_name"])
    expect(page.locator("#admin-link")).to_be_hidden()  # staff: no 账号管理
    expect(page.locator("nav a", has_text="差评整改")).to_have_attribute("href", "/desk/followups")
    # the shared queue: what the desk API says at this moment (0 on an empty database)
    waiting = DeskClient(rasa_stack.web_url, staff).tickets("waiting")
    expect(page.locator("#waiting-count")).to_have_text(str(len(waiting)))
    assert violations == []


def test_login_form_by_keyboard(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage) -> None:
    page = new_page()
    page.goto(rasa_stack.web_url + "/desk/login")
    assert page.locator("label[for=username]").count() == 1 and page.locator("label[for=password]").count() == 1
    expect(page.locator("#username")).to_be_focused()  # autofocus
    page.keyboard.type(staff["username"])
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(staff["password"])
    page.keyboard.press("Enter")
    page.wait_for_url(rasa_stack.web_url + "/desk/")


@pytest.mark.parametrize("path", ["/desk/", "/desk/followups"])
def test_a_page_without_a_session_goes_to_login_and_back(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage,
                                                        path: str) -> None:
    page = new_page()
    page.goto(rasa_stack.web_url + path)
    assert page.url == rasa_stack.web_url + f"/desk/login?next={path}"
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", staff["username"])
    page.fill("#password", staff["password"])
    page.click("#login")
    page.wait_for_url(rasa_stack.web_url + path)
    expect(page.locator("#me-name")).to_have_text(staff["display_name"])


@pytest.mark.parametrize("next_path", ["https://evil.example/desk/", "//evil.example/desk/", "/\\evil.example/",
                                       "/other/", "javascript:alert(1)"])
def test_login_goes_only_to_a_page_of_the_console(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage,
                                                  next_path: str) -> None:
    page = new_page()
    from urllib.parse import quote

    login(page, rasa_stack.web_url, staff["username"], staff["password"], next_path=quote(next_path, safe=""))
    assert page.url == rasa_stack.web_url + "/desk/"


def test_logout_ends_the_session(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage) -> None:
    page = new_page()
    login(page, rasa_stack.web_url, staff["username"], staff["password"])
    page.click("#logout")
    page.wait_for_url(rasa_stack.web_url + "/desk/login")
    page.goto(rasa_stack.web_url + "/desk/")
    assert page.url.startswith(rasa_stack.web_url + "/desk/login?next=")


def test_pages_and_files_carry_a_strict_csp(rasa_stack: Any, staff: Dict[str, str]) -> None:
    session = requests.Session()
    resp = session.post(rasa_stack.web_url + "/desk/api/login",
                        json={"username": staff["username"], "password": staff["password"]}, timeout=10)
    assert resp.status_code == 200
    for path in ("/desk/login", "/desk/", "/desk/followups"):
        resp = session.get(rasa_stack.web_url + path, timeout=10, allow_redirects=False)
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
        resp = requests.get(f"{rasa_stack.web_url}/desk/static/{name}", timeout=10)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(kind), name
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/desk/static/missing.js", "/desk/static/desk.html", "/desk/static/..%2Fpages.py",
                 "/desk/static/%2E%2E/pages.py"):
        assert requests.get(rasa_stack.web_url + path, timeout=10).status_code == 404, path


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
