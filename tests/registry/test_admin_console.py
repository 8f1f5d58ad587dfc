"""The registry console in a real headless Chromium against the running stack: an administrator edits
a material and the assistant answers with it within 2 seconds (REST webhook, no retraining, no
restart); reverting the change from the audit log brings the old answer back; a new item made in
the form is answered by name at once; errors are shown next to their field.

The stack's database is shared with other tests: every change made here is reverted or (for the new
item) soft-deleted before the test ends.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.audit.log import history
from bot.registry.editing import delete_item, item_detail, save_item
from tests.support.browser import NewPage, csp_violations, login
from tests.support.chat import Chat
from tests.support.desk import new_staff

CODE = "JZ-WJ-0002"  # 老年人优待证: no situations, so the materials answer lists them all
QUESTION = "老年人优待证要带什么材料"
OLD_MATERIAL = "老年人居民身份证"
NEW_MATERIAL = "老年人居民身份证或社会保障卡"
LIVE_WITHIN = 2.0  # seconds: the contract of the console


def answered_within(rasa_url: str, question: str, expect_text: Callable[[str], bool], seconds: float) -> str:
    """Ask ``question`` in fresh conversations until a reply satisfies ``expect_text``; fail after ``seconds``."""
    start = time.monotonic()
    while True:
        reply = Chat(rasa_url).say(question)
        if expect_text(reply):
            return reply
        if time.monotonic() - start > seconds:
            raise AssertionError(f"no such answer within {seconds} s; last reply: {reply}")
        time.sleep(0.1)


@pytest.fixture()
def admin_page(rasa_stack: Any, new_page: NewPage) -> Page:
    account = new_staff(role="admin", display_name="办事指南管理员")
    page = new_page(width=1280, height=900, accept_dialogs=True)  # the confirm() of 撤销此修改 and 删除
    login(page, rasa_stack.web_url, account["username"], account["password"], next_path="/admin/registry")
    page.wait_for_url(rasa_stack.web_url + "/admin/registry")
    return page


@pytest.fixture()
def restore_item_afterwards(rasa_stack: Any) -> Iterator[None]:
    """Whatever a failed test left, the item goes back to how it was."""
    before = item_detail(CODE)
    assert before is not None
    yield
    now = item_detail(CODE)
    assert now is not None
    if now["item"] != before["item"]:
        save_item(before["item"], "test-cleanup", expected=now["version"])


def test_edit_a_material_then_revert_it_from_the_audit_log(rasa_stack: Any, admin_page: Page,
                                                           restore_item_afterwards: None) -> None:
    page = admin_page
    violations = csp_violations(page)
    web = rasa_stack.web_url
    assert OLD_MATERIAL in answered_within(rasa_stack.rasa_url, QUESTION, lambda r: OLD_MATERIAL in r, 5)

    # find it in the list and open the form
    page.fill("#q", "老年证")  # an alias
    page.click("#search")
    row = page.locator(f'#item-rows tr[data-code="{CODE}"]')
    expect(row).to_contain_text("老年人优待证")
    row.locator("a.edit-link").click()
    page.wait_for_url(f"{web}/admin/registry/{CODE}")
    expect(page.locator("#form-title")).to_contain_text("老年人优待证")
    material = page.locator("#f-materials-0-name")
    expect(material).to_have_value(OLD_MATERIAL)

    # an empty material name is refused, with the reason next to the field
    material.fill("")
    page.click("#save")
    expect(page.locator("#e-materials-0-name")).to_contain_text("必填")
    expect(material).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-errors-list")).to_contain_text("材料 1 · 名称：缺少必填字段")
    assert OLD_MATERIAL in item_detail(CODE)["item"]["materials"][0]["name"]  # type: ignore[index]

    # the edit, live for the assistant within 2 s
    material.fill(NEW_MATERIAL)
    page.click("#save")
    expect(page.locator("#saved")).to_have_text("已生效")
    expect(page.locator("#e-materials-0-name")).to_have_text("")
    reply = answered_within(rasa_stack.rasa_url, QUESTION, lambda r: NEW_MATERIAL in r, LIVE_WITHIN)
    assert "老年人优待证" in reply
    entry = history("registry_item", CODE, limit=1)[0]
    assert entry.action == "update" and entry.source == "console"
    expect(page.locator(f'#history li[data-id="{entry.id}"]')).to_contain_text("办理材料")

    # the audit log shows before → after; 撤销此修改 brings the old answer back
    page.click("#history-link")
    page.wait_for_url(f"{web}/admin/audit?entity=registry_item&key={CODE}")
    item = page.locator(f'#audit-rows li[data-id="{entry.id}"]')
    change = item.locator('tr.change[data-field="materials[0].name"]')
    expect(change.locator(".before")).to_have_text(OLD_MATERIAL)
    expect(change.locator(".after")).to_have_text(NEW_MATERIAL)
    item.locator("button.revert").click()
    expect(page.locator("#status")).to_contain_text("已撤销")
    newest = history("registry_item", CODE, limit=1)[0]
    assert (newest.action, newest.reverts) == ("revert", entry.id)
    expect(page.locator(f'#audit-rows li[data-id="{newest.id}"] .action-label')).to_have_text("撤销")
    reply = answered_within(rasa_stack.rasa_url, QUESTION,
                            lambda r: OLD_MATERIAL in r and NEW_MATERIAL not in r, LIVE_WITHIN)
    assert item_detail(CODE)["item"]["materials"][0]["name"] == OLD_MATERIAL  # type: ignore[index]
    assert violations == []


def test_a_new_item_is_answered_by_name_at_once(rasa_stack: Any, admin_page: Page) -> None:
    page = admin_page
    violations = csp_violations(page)
    web = rasa_stack.web_url
    code = f"JZ-T-{uuid.uuid4().hex[:6]}"
    name = "古籍修复补贴申领"
    page.click("#new-item")
    page.wait_for_url(f"{web}/admin/registry/new")
    expect(page.locator("#form-title")).to_have_text("新建事项")
    page.fill("#f-code", code)
    page.fill("#f-category", "文化")
    page.fill("#f-item_type", "公共服务")
    page.fill("#f-agency", "江州市文化广电旅游局")
    page.fill("#f-aliases", "古籍修复补贴\n申请古籍修复补贴")
    page.fill("#f-conditions", "在本市登记的古籍收藏单位")
    page.fill("#f-legal_basis", "《江州市古籍保护办法》第十二条（示例）")  # every rule says where it comes from
    page.fill("#f-fee_basis", "申请补贴不收取费用")
    page.fill("#f-promised_limit_days", "10")
    page.fill("#f-consult_phone", "0000-86100999")
    page.check("#loc-city")
    page.click('button.add-row[data-list="materials"]')
    expect(page.locator("#f-materials-0-name")).to_be_focused()
    page.fill("#f-materials-0-name", "古籍修复方案")
    page.click('button.add-row[data-list="steps"]')
    page.fill("#f-steps-0-name", "申请")
    page.click('button.add-row[data-list="steps"]')
    page.fill("#f-steps-1-name", "审核")
    page.click('[data-row="steps[1]"] button.move-up')  # reorder: 审核 first
    expect(page.locator("#f-steps-0-name")).to_have_value("审核")
    page.click("#save")  # no name yet
    expect(page.locator("#e-name")).to_contain_text("必填")
    expect(page.locator("#f-name")).to_be_focused()
    page.fill("#f-name", name)
    page.click("#save")
    expect(page.locator("#saved")).to_have_text("已生效")
    page.wait_for_url(f"{web}/admin/registry/{code}")
    try:
        saved = item_detail(code)
        assert saved is not None and [s["name"] for s in saved["item"]["steps"]] == ["审核", "申请"]
        reply = answered_within(rasa_stack.rasa_url, f"{name}要带什么材料", lambda r: "古籍修复方案" in r,
                                LIVE_WITHIN)
        assert name in reply
        # delete from the form: gone for the assistant; 恢复 is offered
        page.click("#delete")
        expect(page.locator("#deleted-note")).to_be_visible()
        answered_within(rasa_stack.rasa_url, f"{name}要带什么材料", lambda r: "古籍修复方案" not in r, LIVE_WITHIN)
        page.goto(f"{web}/admin/registry?q={code}&deleted=1")
        expect(page.locator(f'#item-rows tr[data-code="{code}"] button.restore')).to_be_visible()
    finally:
        detail = item_detail(code)
        if detail is not None and not detail["deleted"]:
            delete_item(code, "test-cleanup")
    assert violations == []


def test_staff_get_403_on_the_console(rasa_stack: Any, new_page: NewPage) -> None:
    account = new_staff(role="staff")
    page = new_page()
    login(page, rasa_stack.web_url, account["username"], account["password"])
    for path in ("/admin/registry", f"/admin/registry/{CODE}", "/admin/registry/new", "/admin/audit"):
        response = page.goto(rasa_stack.web_url + path)
        assert response is not None and response.status == 403, path
        expect(page.locator("h1")).to_have_text("没有权限")
