"""The admin-only account page and its API in a real headless Chromium (plus plain HTTP for the API),
on the running stack's page server and the session database (tests/conftest.py: rasa_stack).

The database is shared: every account used here is made here with a unique username
(tests.support.desk.new_staff, _fresh_name), and users are looked up by username.
"""
from __future__ import annotations

import re
import uuid
from typing import Any, Dict, Optional

import pytest
import requests
from playwright.sync_api import Page, expect

from bot.accounts.service import add_user, list_users
from tests.support.browser import NewPage, csp_violations, login
from tests.support.desk import new_staff


@pytest.fixture(scope="module")
def staff(rasa_stack: Any) -> Dict[str, str]:
    return new_staff(role="staff", display_name="一号窗口")


@pytest.fixture(scope="module")
def admin(rasa_stack: Any) -> Dict[str, str]:
    return new_staff(role="admin", display_name="王主任")


@pytest.fixture()
def admin_page(rasa_stack: Any, admin: Dict[str, str], new_page: NewPage) -> Page:
    page = new_page(accept_dialogs=True)  # the confirm() before disabling an account
    login(page, rasa_stack.web_url, admin["username"], admin["password"], next_path="/admin/users")
    page.wait_for_url(rasa_stack.web_url + "/admin/users")
    expect(page.locator(f'#user-rows tr[data-username="{admin["username"]}"]')).to_be_visible()
    return page


def _user(username: str) -> Optional[Dict[str, object]]:
    return next((u.__dict__ for u in list_users() if u.username == username), None)


def _fresh_name() -> str:
    return "u" + uuid.uuid4().hex[:8]


def _api_session(web_url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(web_url + "/desk/api/login", json={"username": username, "password": password}, timeout=10)
    assert resp.status_code == 200, resp.text
    session.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return session


def test_staff_gets_the_403_page(rasa_stack: Any, staff: Dict[str, str], new_page: NewPage) -> None:
    page = new_page()
    login(page, rasa_stack.web_url, staff["username"], staff["password"])
    response = page.goto(rasa_stack.web_url + "/admin/users")
    assert response is not None and response.status == 403
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]  # the pages' own policy
    expect(page.locator("h1")).to_have_text("没有权限")
    assert page.locator("#user-rows").count() == 0


def test_admin_pages_without_a_session_go_to_login(rasa_stack: Any, new_page: NewPage) -> None:
    page = new_page()
    page.goto(rasa_stack.web_url + "/admin/")
    assert page.url == rasa_stack.web_url + "/desk/login?next=/admin/registry"
    page.goto(rasa_stack.web_url + "/admin/users")
    assert page.url == rasa_stack.web_url + "/desk/login?next=/admin/users"


def test_admin_follows_the_link_and_adds_a_staff_user(rasa_stack: Any, staff: Dict[str, str], admin: Dict[str, str],
                                                       new_page: NewPage) -> None:
    page = new_page()
    violations = csp_violations(page)
    login(page, rasa_stack.web_url, admin["username"], admin["password"])
    assert page.url == rasa_stack.web_url + "/desk/"
    link = page.locator("#admin-link")
    expect(link).to_be_visible()
    expect(link).to_have_text("管理后台")
    link.click()
    page.wait_for_url(rasa_stack.web_url + "/admin/registry")
    page.get_by_role("navigation", name="管理后台").get_by_role("link", name="账号管理").click()
    page.wait_for_url(rasa_stack.web_url + "/admin/users")
    expect(page.locator("#me-name")).to_have_text(admin["display_name"])
    expect(page.locator(f'#user-rows tr[data-username="{staff["username"]}"]')).to_contain_text(staff["display_name"])

    name = _fresh_name()
    page.fill("#new-username", name)
    page.fill("#new-display-name", "三号窗口")
    page.select_option("#new-role", "staff")
    page.fill("#new-password", "third-window-pass")
    page.click("#add-user")
    row = page.locator(f'#user-rows tr[data-username="{name}"]')
    expect(row).to_contain_text("三号窗口")
    expect(row.locator(".role")).to_have_text("工作人员")
    expect(page.locator("#status")).to_contain_text(f"已新建账号 {name}")
    expect(page.locator("#new-username")).to_have_value("")
    added = _user(name)
    assert added is not None and added["role"] == "staff" and added["active"] is True
    assert added["display_name"] == "三号窗口"
    # the new account can log in
    _api_session(rasa_stack.web_url, name, "third-window-pass")
    assert violations == []


def test_the_account_services_refusal_is_shown(staff: Dict[str, str], admin_page: Page) -> None:
    name = _fresh_name()
    admin_page.fill("#new-username", name)
    admin_page.fill("#new-password", "short")
    admin_page.click("#add-user")
    expect(admin_page.locator("#status")).to_have_text("密码至少 10 个字符")
    expect(admin_page.locator("#status")).to_have_class(re.compile(r"\berror\b"))
    assert _user(name) is None
    admin_page.fill("#new-username", staff["username"])
    admin_page.fill("#new-password", "long-enough-password")
    admin_page.click("#add-user")
    expect(admin_page.locator("#status")).to_have_text("用户名已存在")


def test_admin_disables_and_enables_a_user(rasa_stack: Any, admin_page: Page) -> None:
    name = _fresh_name()
    add_user(name, "staff", "some-long-password")
    other = _api_session(rasa_stack.web_url, name, "some-long-password")  # a browser of theirs, logged in
    admin_page.reload()
    row = admin_page.locator(f'#user-rows tr[data-username="{name}"]')
    expect(row.locator(".state")).to_have_text("启用")
    row.locator("button.disable").click()
    expect(row.locator(".state")).to_have_text("已停用")
    expect(row.locator("button.enable")).to_be_focused()
    assert _user(name)["active"] is False  # type: ignore[index]
    assert other.get(rasa_stack.web_url + "/desk/api/me", timeout=10).status_code == 401  # their session ended
    row.locator("button.enable").click()
    expect(row.locator(".state")).to_have_text("启用")
    assert _user(name)["active"] is True  # type: ignore[index]


def test_admin_cannot_disable_themself(admin: Dict[str, str], admin_page: Page) -> None:
    admin_page.locator(f'#user-rows tr[data-username="{admin["username"]}"] button.disable').click()
    expect(admin_page.locator("#status")).to_have_text("不能停用自己的账号")
    assert _user(admin["username"])["active"] is True  # type: ignore[index]
    expect(admin_page.locator(f'#user-rows tr[data-username="{admin["username"]}"] .state')).to_have_text("启用")


def test_admin_resets_a_password(rasa_stack: Any, admin_page: Page) -> None:
    name = _fresh_name()
    add_user(name, "staff", "first-long-password")
    admin_page.reload()
    admin_page.locator(f'#user-rows tr[data-username="{name}"] button.reset-password').click()
    dialog = admin_page.locator("#password-dialog")
    expect(dialog).to_be_visible()
    expect(admin_page.locator("#reset-password")).to_be_focused()
    admin_page.keyboard.type("123")
    admin_page.keyboard.press("Enter")
    expect(admin_page.locator("#password-error")).to_have_text("密码至少 10 个字符")
    admin_page.fill("#reset-password", "second-long-password")
    admin_page.click("#password-confirm")
    expect(dialog).to_be_hidden()
    expect(admin_page.locator("#status")).to_have_text(f"已重置 {name} 的密码")
    _api_session(rasa_stack.web_url, name, "second-long-password")
    # Esc closes the dialog, focus goes back to the button that opened it
    button = admin_page.locator(f'#user-rows tr[data-username="{name}"] button.reset-password')
    button.click()
    expect(dialog).to_be_visible()
    admin_page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()


def test_csrf_header_is_required_while_the_cookie_is_valid(rasa_stack: Any, admin_page: Page) -> None:
    """The browser's own cookie, a POST without X-CSRF-Token: refused; with the token: accepted."""
    request = admin_page.context.request
    name = _fresh_name()
    body = {"username": name, "display_name": "", "role": "staff", "password": "csrf-test-password"}
    refused = request.post(rasa_stack.web_url + "/admin/api/users", data=body)
    assert refused.status == 403, refused.text()
    assert "CSRF" in refused.json()["error"]
    assert _user(name) is None
    assert request.get(rasa_stack.web_url + "/admin/api/users").status == 200  # the cookie itself is valid
    token = admin_page.evaluate("fetch('/desk/api/me').then(r => r.json()).then(d => d.csrf_token)")
    accepted = request.post(rasa_stack.web_url + "/admin/api/users", data=body, headers={"X-CSRF-Token": token})
    assert accepted.status == 201, accepted.text()
    assert _user(name) is not None


def test_the_api_is_for_admins_only(rasa_stack: Any, staff: Dict[str, str], admin: Dict[str, str]) -> None:
    web = rasa_stack.web_url
    as_staff = _api_session(web, staff["username"], staff["password"])
    assert as_staff.get(web + "/admin/api/users", timeout=10).status_code == 403
    resp = as_staff.post(web + f"/admin/api/users/{admin['username']}/disable", json={}, timeout=10)
    assert resp.status_code == 403 and resp.json()["error"]
    assert requests.get(web + "/admin/api/users", timeout=10).status_code == 401
    as_admin = _api_session(web, admin["username"], admin["password"])
    users = as_admin.get(web + "/admin/api/users", timeout=10).json()
    me = next(u for u in users if u["username"] == admin["username"])
    assert set(me) >= {"username", "display_name", "role", "active", "locked_until", "last_login_at", "created_at"}
    assert "password_hash" not in me and "id" not in me
    assert as_admin.post(web + "/admin/api/users", data="nope", timeout=10).status_code == 400
    resp = as_admin.post(web + "/admin/api/users/nobody-here/enable", json={}, timeout=10)
    assert resp.status_code == 400 and "用户不存在" in resp.json()["error"]


def test_a_401_on_the_open_page_goes_to_login(rasa_stack: Any, admin_page: Page) -> None:
    """The session ends while the page is open: the next API call's 401 sends the browser to login."""
    admin_page.context.clear_cookies()
    admin_page.fill("#new-username", _fresh_name())
    admin_page.fill("#new-password", "any-long-password")
    admin_page.click("#add-user")
    admin_page.wait_for_url(rasa_stack.web_url + "/desk/login?next=%2Fadmin%2Fusers")
