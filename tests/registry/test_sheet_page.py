"""The spreadsheet import page (/admin/registry/import) in a real headless Chromium: a workbook with
one bad row is previewed with that row marked and 确认导入 disabled, nothing is written; the
corrected workbook imports and the item changes."""
from __future__ import annotations

import re
from typing import Iterator

import pytest
from aiohttp import web
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.accounts.service import add_user
from tests.desk.console import ConsoleServer, csp_violations, launch_chromium, login
from tests.registry.sheets import edit_xlsx, exported, registry_state
from tests.support.database import fresh_database

ADMIN = ("boss", "director-pass-88")
STAFF = ("clerk", "window-one-pass")
CODE = "JZ-GA-0001"
OTHER = "JZ-SC-0001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _app() -> web.Application:
    from bot.admin import setup_admin
    from bot.desk.pages import setup_desk_pages
    from bot.registry.sheet_api import setup_registry_sheets
    from bot.web.auth import setup_auth

    app = web.Application(client_max_size=64 * 1024)
    setup_auth(app)
    setup_desk_pages(app)
    setup_admin(app)
    setup_registry_sheets(app)
    return app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    with fresh_database(tmp_path_factory.mktemp("sheet-page") / "page.db", seed=True):
        add_user(ADMIN[0], "admin", ADMIN[1])
        add_user(STAFF[0], "staff", STAFF[1])
        with ConsoleServer(_app()) as server:
            yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def _upload(page: Page, name: str, data: bytes) -> None:
    page.set_input_files("#sheet-file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("#preview-button")


def test_one_bad_row_then_the_corrected_file(server: ConsoleServer, page: Page) -> None:
    violations = csp_violations(page)
    login(page, server.url, ADMIN[0], ADMIN[1], next_path="/admin/registry/import")
    page.wait_for_url(server.url + "/admin/registry/import")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#export-xlsx")).to_have_attribute("href", "/admin/api/registry/export?format=xlsx")

    good = edit_xlsx(exported(), "事项", CODE, "承诺办结时限", 3)
    bad = edit_xlsx(good, "申请材料", OTHER, "材料形式", "传真件")
    before = registry_state()

    _upload(page, "bad.xlsx", bad)
    error_row = page.locator('#preview-rows tr.preview-row[data-status="error"]')
    expect(error_row).to_have_count(1)
    expect(error_row).to_have_attribute("data-code", OTHER)
    expect(error_row).to_have_class(re.compile(r"\brow-error\b"))
    expect(error_row.locator(".row-messages li")).to_contain_text("申请材料 第")
    expect(error_row.locator(".row-messages li")).to_contain_text("材料形式")
    expect(page.locator(f'#preview-rows tr[data-code="{CODE}"] .outcome')).to_have_text("更新")
    expect(page.locator("#commit")).to_be_disabled()
    expect(page.locator("#status")).to_contain_text("1 处错误")
    assert registry_state() == before

    _upload(page, "good.xlsx", good)
    expect(page.locator('#preview-rows tr[data-status="error"]')).to_have_count(0)
    expect(page.locator(f'#preview-rows tr[data-code="{CODE}"]')).to_contain_text("改动：承诺办结时限")
    expect(page.locator("#preview-file")).to_have_text("good.xlsx")
    commit = page.locator("#commit")
    expect(commit).to_be_enabled()
    expect(commit).to_have_text("确认导入")
    commit.click()
    expect(page.locator("#status")).to_contain_text("已导入：新增 0，更新 1")
    expect(commit).to_be_disabled()
    after = registry_state()
    assert after[CODE]["promised_limit_days"] == 3
    assert {k: v for k, v in after.items() if k != CODE} == {k: v for k, v in before.items() if k != CODE}
    assert violations == []


def test_staff_gets_the_403_page(server: ConsoleServer, page: Page) -> None:
    login(page, server.url, STAFF[0], STAFF[1])
    response = page.goto(server.url + "/admin/registry/import")
    assert response is not None and response.status == 403
    assert page.locator("#sheet-file").count() == 0
