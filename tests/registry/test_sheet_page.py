"""The spreadsheet import page (/admin/registry/import) in a real headless Chromium: a workbook with
one bad row is previewed with that row marked and 确认导入 disabled, nothing is written; the
corrected workbook imports and the item changes.

On the running stack's page server and the session database: the accounts are new (unique
usernames) and the item the import changes is restored when the test ends."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.registry.editing import item_detail, save_item
from tests.registry.sheets import edit_xlsx, exported, registry_state
from tests.support.browser import NewPage, csp_violations, login
from tests.support.desk import new_staff

CODE = "JZ-GA-0001"
OTHER = "JZ-SC-0001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def restore_item_afterwards(rasa_stack: Any) -> Iterator[None]:
    """The import changes CODE in the shared registry (session database): it goes back as it was."""
    before = item_detail(CODE)["item"]  # type: ignore[index]
    yield
    now = item_detail(CODE) or {}
    if now.get("item") != before:
        save_item(before, "test-cleanup", expected=now["version"])


def _upload(page: Page, name: str, data: bytes) -> None:
    page.set_input_files("#sheet-file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("#preview-button")


def test_one_bad_row_then_the_corrected_file(rasa_stack: Any, new_page: NewPage,
                                             restore_item_afterwards: None) -> None:
    admin = new_staff(role="admin")
    page = new_page(width=1280, height=900)
    violations = csp_violations(page)
    login(page, rasa_stack.web_url, admin["username"], admin["password"], next_path="/admin/registry/import")
    page.wait_for_url(rasa_stack.web_url + "/admin/registry/import")
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


def test_staff_gets_the_403_page(rasa_stack: Any, new_page: NewPage) -> None:
    staff = new_staff(role="staff")
    page = new_page(width=1280, height=900)
    login(page, rasa_stack.web_url, staff["username"], staff["password"])
    response = page.goto(rasa_stack.web_url + "/admin/registry/import")
    assert response is not None and response.status == 403
    assert page.locator("#sheet-file").count() == 0
