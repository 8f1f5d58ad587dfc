"""The whole handoff in headless Chromium against the real stack, as the issue describes it:
a resident asks for a person in the web page → the ticket appears in a second browser context
logged into the desk → the staff member claims and replies → the reply appears in the resident's
page labelled 工作人员 → the resident's next message appears in the desk → close with hand-back →
the bot answers the next service question → the resident rates and the rating is stored.
"""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from bot.ratings.store import summary
from tests.support.browser import NewPage, login
from tests.support.desk import new_staff, wait_for

TIMEOUT = 30_000


def _ask(page: Page, text: str) -> None:
    page.fill("#message-input", text)
    page.keyboard.press("Enter")


def test_resident_page_and_desk_page_together(new_page: NewPage, rasa_stack: Any) -> None:
    staff = new_staff(display_name="王芳")
    resident = new_page(width=375, height=740)  # phone-sized
    desk = new_page(width=1280, height=800)
    resident.goto(rasa_stack.web_url + "/")
    expect(resident.locator("#send")).to_be_enabled(timeout=TIMEOUT)
    _ask(resident, "护照怎么办")
    expect(resident.locator(".msg.bot").filter(has_text="普通护照").first).to_be_visible(timeout=TIMEOUT)
    _ask(resident, "转人工")
    expect(resident.locator(".msg.bot").filter(has_text="已为您转接人工客服")).to_have_count(1, timeout=TIMEOUT)

    login(desk, rasa_stack.web_url, staff["username"], staff["password"])
    expect(desk).to_have_url(rasa_stack.web_url + "/desk/", timeout=TIMEOUT)
    row = desk.locator("#queue-waiting .ticket-row").filter(has_text="护照怎么办").last
    expect(row).to_be_visible(timeout=TIMEOUT)
    row.locator("button.ticket-open").click()
    expect(desk.locator("#ticket-summary")).to_contain_text("问：护照怎么办")
    desk.click("#claim")
    expect(desk.locator("#ticket-status")).to_have_text("接待中", timeout=TIMEOUT)
    expect(desk.locator("#transcript .msg.bot").first).to_be_visible(timeout=TIMEOUT)  # bot turns included

    desk.fill("#reply-input", "您好，我是王芳，护照可以在出入境窗口办理。")
    desk.keyboard.press("Enter")
    staff_bubble = resident.locator(".msg.staff").filter(has_text="我是王芳")
    expect(staff_bubble).to_have_count(1, timeout=TIMEOUT)
    expect(staff_bubble.locator(".sender")).to_have_text("工作人员")

    bot_bubbles = resident.locator(".msg.bot").count()
    _ask(resident, "好的，要带<b>照片</b>吗？")
    expect(desk.locator("#transcript .msg.resident").filter(has_text="要带<b>照片</b>吗")).to_have_count(
        1, timeout=5_000)  # within the 2 s poll plus rendering; shown as text, not markup
    resident.wait_for_timeout(2_000)
    assert resident.locator(".msg.bot").count() == bot_bubbles  # the bot stays silent while staff answer

    desk.click("#close-open")
    desk.locator("input[name=outcome-choice]").first.check()
    expect(desk.locator("#hand-back")).to_be_checked()
    desk.click("#close-confirm")
    expect(desk.locator("#ticket-status")).to_have_text("已结束", timeout=TIMEOUT)

    welcome = resident.locator(".msg.bot").filter(has_text="继续为您服务")
    expect(welcome).to_have_count(1, timeout=TIMEOUT)
    prompt = resident.locator(".msg.bot").filter(has_text="人工服务评价")
    expect(prompt.locator(".buttons button")).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"],
                                                         timeout=TIMEOUT)
    _ask(resident, "那要多少钱")  # the slots survived the handoff: answered about 普通护照
    expect(resident.locator(".msg.bot").filter(has_text="收费").last).to_contain_text("普通护照", timeout=TIMEOUT)
    prompt.locator(".buttons button", has_text="非常满意").click()
    expect(resident.locator(".msg.bot").filter(has_text="评价").last).to_be_visible(timeout=TIMEOUT)
    wait_for(lambda: any(r.name == staff["username"] and r.counts.get(5) for r in summary("staff")), 10,
             "the rating stored for the staff member")
