"""A work order end to end through the real servers, as the issue describes it: a complaint typed
in the web page (headless Chromium) → the intake form → a work order with a number → staff handle
it over the desk API (re-route when the router triaged it, 办理中, a reply, 办结) → the resident's
page receives each update and, after 办结, the 好差评 call-back (the rating is stored about the
order) → the status lookup by number shows the reply, and another resident asking for the same
number learns nothing.

Tried besides the happy path: a resident who names someone else's number (a Socket.IO client with
its own session), and a reply with markup (shown as text in the page).
"""
from __future__ import annotations

import re
from typing import Any, Dict

from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.db import session_scope
from bot.ratings.models import Rating
from tests.support.browser import NewPage
from tests.support.desk import DeskClient, new_staff, wait_for
from tests.support.webchat import WebResident

TIMEOUT = 30_000
NUMBER = re.compile(r"JZ\d{8}-\d{4,}")


def _say(page: Page, text: str) -> None:
    page.fill("#message-input", text)
    page.keyboard.press("Enter")


def _click(page: Page, title: str) -> None:
    page.locator(".msg.bot .buttons button", has_text=title).last.click()


def _ok(response: Any) -> Dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_complaint_in_the_page_to_a_closed_work_order(new_page: NewPage, rasa_stack: Any) -> None:
    page = new_page(width=375, height=740)
    page.goto(rasa_stack.web_url + "/")
    expect(page.locator("#send")).to_be_enabled(timeout=TIMEOUT)
    bot = page.locator(".msg.bot")

    _say(page, "我要投诉")
    expect(bot.filter(has_text="发生了什么")).to_have_count(1, timeout=TIMEOUT)
    _say(page, "湖滨路上的路灯坏了一个多星期，晚上一片漆黑，老人出门摔了一跤")
    expect(bot.filter(has_text="发生在哪里")).to_have_count(1, timeout=TIMEOUT)
    _say(page, "东湖区湖滨路88号公交站旁边")
    expect(bot.filter(has_text="什么时候")).to_have_count(1, timeout=TIMEOUT)
    _click(page, "跳过")
    expect(bot.filter(has_text="请核对")).to_have_count(1, timeout=TIMEOUT)
    expect(bot.filter(has_text="请核对")).to_contain_text("东湖区湖滨路88号公交站旁边")
    _click(page, "确认")
    expect(bot.filter(has_text="最后一步")).to_have_count(1, timeout=TIMEOUT)
    _click(page, "不留电话")
    filed = bot.filter(has_text="已为您登记工单")
    expect(filed).to_have_count(1, timeout=TIMEOUT)
    match = NUMBER.search(filed.inner_text())
    assert match, filed.inner_text()
    number = match.group(0)

    staff = DeskClient(rasa_stack.web_url, new_staff(display_name="赵磊"))
    order = _ok(staff.get(f"/desk/api/workorders/{number}"))
    assert order["number"] == number and order["channel"] == "socketio" and order["category"] == "投诉求助"
    assert order["what"] == "湖滨路上的路灯坏了一个多星期，晚上一片漆黑，老人出门摔了一跤"  # the resident's own words
    assert order["district"] == "东湖区" and order["status"] == "受理" and order["phone"] in (None, "")
    if order["department"]:
        expect(filed).to_contain_text(order["department"])
    else:  # the router was not sure: staff route it from the triage queue, with a reason
        expect(filed).to_contain_text("确定承办部门")
        department = order["suggested"] or _ok(staff.get("/desk/api/workorders/meta"))["departments"][0]
        order = _ok(staff.post(f"/desk/api/workorders/{number}/reroute",
                               {"department": department, "reason": "路灯归城管"}))["order"]

    _ok(staff.post(f"/desk/api/workorders/{number}/status", {"status": "办理中"}))
    expect(bot.filter(has_text=number).filter(has_text="办理中")).to_have_count(1, timeout=TIMEOUT)
    answer = "已安排维修班组，路灯<b>今晚</b>恢复照明。"
    _ok(staff.post(f"/desk/api/workorders/{number}/status", {"status": "办结", "reply": answer}))
    closed = bot.filter(has_text="已办结")
    expect(closed).to_have_count(1, timeout=TIMEOUT)
    expect(closed).to_contain_text(number)
    expect(bot.filter(has_text="<b>今晚</b>").first).to_be_visible(timeout=TIMEOUT)  # text, never markup

    # the satisfaction call-back after 办结: the rating is stored about this order
    prompt = bot.filter(has_text="请为本次工单的办理评价")
    expect(prompt.locator(".buttons button")).to_have_count(5, timeout=TIMEOUT)
    prompt.locator(".buttons button", has_text="基本满意").click()
    expect(bot.filter(has_text="谢谢您的评价「基本满意」").last).to_be_visible(timeout=TIMEOUT)

    def rated() -> list:
        with session_scope() as session:
            query = select(Rating.level, Rating.subject_kind).where(Rating.workorder == number)
            return [tuple(r) for r in session.execute(query).all()]

    assert wait_for(rated, 10, "the rating of the order") == [(3, "workorder")]

    _say(page, f"我的工单 {number} 怎么样了")
    status = bot.filter(has_text="承办部门：").last
    expect(status).to_contain_text("办结", timeout=TIMEOUT)
    expect(status).to_contain_text("最新答复")

    stranger = WebResident(rasa_stack.rasa_url)
    try:
        reply = stranger.ask(f"查一下工单 {number}", "没有查到")
        assert "湖滨路" not in str(reply.get("text")) and "办结" not in str(reply.get("text"))
    finally:
        stranger.close()
