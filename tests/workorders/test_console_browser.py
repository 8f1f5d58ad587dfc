"""The work-order console in headless Chromium (the ``browser``/``new_page`` fixtures) against the
``console`` server (tests/workorders/conftest.py): a staff member finds the overdue order marked,
takes an order out of the manual triage queue, starts it, reveals the phone (logged), answers and
closes it — each push reaching the fake Rasa and shown as delivered; an administrator reads the
statistics. No Content-Security-Policy violation on either page.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from bot.workorders import handling
from bot.workorders.store import file_order
from tests.support.browser import NewPage, csp_violations, login
from tests.support.desk import new_staff
from tests.workorders.console import Console

TIMEOUT = 10_000
CITY = "江州市城市管理局"


def test_staff_work_an_order_from_triage_to_closing(console: Console, new_page: NewPage) -> None:
    now = datetime.now(timezone.utc)
    late = file_order("socketio", "web-late", "投诉求助", "人行道井盖丢了一个月没人管", department=CITY,
                      confidence=0.9, now=now - timedelta(days=10), due_at=now - timedelta(days=9),
                      handle_due_at=now - timedelta(days=5))
    order = file_order("socketio", "web-triage", "投诉求助", "小区门口<b>夜市</b>占道经营，垃圾满地", triage=True,
                       suggested=CITY, confidence=0.41, phone="13812345678", place="东湖区解放路12号",
                       now=now, due_at=now + timedelta(days=1), handle_due_at=now + timedelta(days=5))
    console.rasa.resident_wrote("web-triage", "socketio")
    staff = new_staff("staff", "陈静")

    page = new_page(width=1366, height=900, accept_dialogs=True)
    violations = csp_violations(page)
    login(page, console.url, staff["username"], staff["password"], next_path="/desk/workorders")
    expect(page).to_have_url(console.url + "/desk/workorders")
    overdue_row = page.locator("#order-rows tr", has_text=late.number)
    expect(overdue_row).to_have_class("wo-row-item overdue", timeout=TIMEOUT)
    expect(overdue_row.locator(".overdue-label")).to_have_text("已逾期")
    expect(page.locator("#overdue-count")).to_have_text("1")

    page.click("#view-triage")
    expect(page.locator("#order-rows tr")).to_have_count(1, timeout=TIMEOUT)
    row = page.locator("#order-rows tr", has_text=order.number)
    expect(row.locator(".wo-suggest")).to_have_text(f"建议：{CITY}")
    row.locator("button.wo-open").click()
    expect(page.locator("#d-number")).to_have_text(order.number)
    expect(page.locator("#d-what")).to_have_text("小区门口<b>夜市</b>占道经营，垃圾满地")  # text, not markup
    expect(page.locator("#d-department")).to_have_text("待分派")
    expect(page.locator("#d-phone")).to_have_text("138****5678")
    expect(page.locator("#push-note")).to_be_hidden()  # the resident's page can receive pushes

    expect(page.locator("#reroute-to")).to_have_value(CITY)  # the router's guess, preselected
    page.fill("#reroute-reason", "夜市占道归城管")
    page.click("#reroute")
    expect(page.locator("#d-department")).to_have_text(CITY, timeout=TIMEOUT)
    expect(page.locator("#status")).to_have_text(f"已分派到 {CITY}")

    page.click("#status-buttons button[data-status=办理中]")
    expect(page.locator("#d-status")).to_have_text("办理中", timeout=TIMEOUT)
    expect(page.locator("#d-notices li.delivered")).to_have_count(1)

    page.click("#reveal-phone")
    expect(page.locator("#d-phone")).to_have_text("13812345678", timeout=TIMEOUT)
    expect(page.locator("#d-history li", has_text="查看号码")).to_have_count(1)

    page.fill("#reply-input", "已通知东湖区城管中队今晚到场处理。")
    page.click("#send-reply")
    expect(page.locator("#d-replies li", has_text="今晚到场处理")).to_have_count(1, timeout=TIMEOUT)

    page.click("#status-buttons button[data-status=办结]")
    expect(page.locator("#status-dialog")).to_be_visible()
    page.fill("#status-reply", "夜市已清理，今后每晚巡查。")
    page.click("#status-confirm")
    expect(page.locator("#d-status")).to_have_text("办结", timeout=TIMEOUT)
    expect(page.locator("#closed-note")).to_have_text("工单已办结，不能再办理。")
    expect(page.locator("#d-notices li.delivered")).to_have_count(3)
    pushed = [a.events[0]["text"] for a in console.rasa.appended if a.sender_id == "web-triage"]
    assert pushed[-1] == f"您的工单 {order.number} 已办结。答复：夜市已清理，今后每晚巡查。"
    assert len(pushed) == 3
    assert [h["action"] for h in handling.history(order.id)].count("revealed_phone") == 1
    assert violations == []


def test_administrators_read_the_statistics(console: Console, new_page: NewPage) -> None:
    file_order("wechat", "openid-stats", "建言", "建议增开夜班公交", department="江州市交通运输局", confidence=0.88)
    admin = new_staff("admin", "周主任")
    page = new_page()
    violations = csp_violations(page)
    login(page, console.url, admin["username"], admin["password"], next_path="/desk/workorders/stats")
    row = page.locator("#department-rows tr", has_text="江州市交通运输局")
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#category-rows tr", has_text="建言")).to_have_count(1)
    expect(page.locator("#r-routed")).not_to_have_text("—")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("工单统计")
    expect(page.locator("#export")).to_have_attribute("href", "/desk/api/workorders/corrections.csv")
    assert violations == []
