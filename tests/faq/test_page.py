"""The /admin/faq page in a real headless Chromium: add an entry, try a query and see it in the top
three with its score, delete and restore it — with no Content-Security-Policy violation."""
from __future__ import annotations

import re
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.accounts.service import add_user
from tests.desk.console import ConsoleServer, csp_violations, launch_chromium, login
from tests.faq.test_api import faq_app
from tests.support.database import fresh_database

ADMIN = ("boss", "director-pass-88")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    with fresh_database(tmp_path_factory.mktemp("faq-page") / "faq.db"):
        add_user(ADMIN[0], "admin", ADMIN[1])
        with ConsoleServer(faq_app()) as server:
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
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before deleting
    yield page
    context.close()


def test_add_try_delete_restore(server: ConsoleServer, page: Page) -> None:
    violations = csp_violations(page)
    login(page, server.url, ADMIN[0], ADMIN[1], next_path="/admin/faq")
    page.wait_for_url(server.url + "/admin/faq")
    page.fill("#faq-question", "社保卡丢了怎么挂失？")
    page.fill("#faq-answer", "拨打社保卡服务热线或到银行网点挂失。")
    page.fill("#faq-department", "人社局")
    page.click("#faq-save")
    row = page.locator("#faq-rows tr", has_text="社保卡丢了怎么挂失")
    expect(row).to_have_count(1)
    entry_id = row.get_attribute("data-id")

    page.fill("#try-q", "社保卡 挂失")
    page.click("#try-run")
    hit = page.locator(f'#try-results li[data-id="{entry_id}"]')
    expect(hit).to_be_visible()
    assert page.locator("#try-results li").count() <= 3
    expect(hit.locator(".score")).to_have_text(re.compile(r"^[01]\.\d{3}$"))

    row.locator("button.delete").click()
    expect(page.locator("#faq-rows tr", has_text="社保卡丢了怎么挂失")).to_have_count(0)
    page.select_option("#list-deleted", "1")
    deleted = page.locator("#faq-rows tr", has_text="社保卡丢了怎么挂失")
    expect(deleted).to_have_count(1)
    deleted.locator("button.restore").click()
    expect(page.locator("#faq-rows tr", has_text="社保卡丢了怎么挂失")).to_have_count(0)
    page.select_option("#list-deleted", "0")
    expect(page.locator("#faq-rows tr", has_text="社保卡丢了怎么挂失")).to_have_count(1)
    assert violations == []
