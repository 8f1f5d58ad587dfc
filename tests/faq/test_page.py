"""The /admin/faq page in a real headless Chromium: add an entry, try a query and see it in the top
three with its score, delete and restore it — with no Content-Security-Policy violation.

On the running stack's page server and the session database (with the sample FAQ imported, which
has no such question): the entry is deleted again when the test ends, so the assistant's FAQ answers are as before.
"""
from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from bot.faq.store import delete_entry, get_entry, list_entries
from tests.support.browser import NewPage, csp_violations, login
from tests.support.desk import new_staff

QUESTION = "社保卡丢了怎么挂失？"
SHOWN = "社保卡丢了怎么挂失"


def test_add_try_delete_restore(rasa_stack: Any, new_page: NewPage) -> None:
    # the sample FAQ has no such question (an entry of another test would make the counts below wrong)
    assert list_entries(SHOWN, include_deleted=True)[1] == 0
    admin = new_staff(role="admin")
    page = new_page(width=1280, height=900, accept_dialogs=True)  # the confirm() before deleting
    web = rasa_stack.web_url
    entry_id = None
    try:
        violations = csp_violations(page)
        login(page, web, admin["username"], admin["password"], next_path="/admin/faq")
        page.wait_for_url(web + "/admin/faq")
        page.fill("#faq-question", QUESTION)
        page.fill("#faq-answer", "拨打社保卡服务热线或到银行网点挂失。")
        page.fill("#faq-department", "人社局")
        page.click("#faq-save")
        row = page.locator("#faq-rows tr", has_text=SHOWN)
        expect(row).to_have_count(1)
        entry_id = row.get_attribute("data-id")

        page.fill("#try-q", "社保卡丢了要怎么挂失")  # the sample FAQ has other 社保卡 entries: asked as residents do
        hit = page.locator(f'#try-results li[data-id="{entry_id}"]')
        for _attempt in range(20):  # the search index follows edits within a second (docs/admin.md): try again
            page.click("#try-run")
            page.wait_for_timeout(500)
            if hit.count():
                break
        expect(hit).to_be_visible()
        assert page.locator("#try-results li").count() <= 3
        expect(hit.locator(".score")).to_have_text(re.compile(r"^[01]\.\d{3}$"))

        row.locator("button.delete").click()
        expect(page.locator("#faq-rows tr", has_text=SHOWN)).to_have_count(0)
        page.select_option("#list-deleted", "1")
        deleted = page.locator("#faq-rows tr", has_text=SHOWN)
        expect(deleted).to_have_count(1)
        deleted.locator("button.restore").click()
        expect(page.locator("#faq-rows tr", has_text=SHOWN)).to_have_count(0)
        page.select_option("#list-deleted", "0")
        expect(page.locator("#faq-rows tr", has_text=SHOWN)).to_have_count(1)
        assert violations == []
    finally:  # the shared FAQ as it was
        if entry_id is not None and not get_entry(int(entry_id)).deleted:
            delete_entry(int(entry_id), "test-cleanup")
