"""The ticket console (/desk/) and the 差评 follow-ups page in a real headless Chromium against the
real desk and ratings APIs.

The page server's desk side (auth, pages, ticket API) runs on 127.0.0.1 with a fresh database;
Rasa's HTTP API is replaced by an in-memory tracker store (:class:`FakeRasa`), so the
transcript the console shows is exactly the events a test put there.
"""
from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any, Dict, Iterator, List

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from bot.accounts.service import add_user
from bot.desk import tickets
from bot.desk.api import setup_desk_api
from bot.desk.rasa_api import RasaApi
from bot.desk.tickets import TicketInfo, utcnow
from bot.ratings import store as ratings
from bot.ratings.api import setup_ratings_api
from tests.desk.console import ConsoleServer, console_app, csp_violations, launch_chromium, login
from tests.support.database import fresh_database

STAFF = ("clerk", "window-one-pass", "一号窗口")
COLLEAGUE = ("second", "window-two-pass", "二号窗口")
HOSTILE = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script><b>粗体</b>'


class FakeRasa(RasaApi):
    """Rasa's conversation API in memory: ``events[sender_id]`` is what ``tracker`` answers."""

    def __init__(self) -> None:
        super().__init__(base_url="http://127.0.0.1:9", token="")
        self.events: Dict[str, List[Dict[str, Any]]] = {}

    async def tracker(self, sender_id: str) -> Dict[str, Any]:
        return {"sender_id": sender_id, "events": list(self.events.get(sender_id, []))}

    async def append(self, sender_id: str, events: List[Dict[str, Any]], push: bool = True) -> Dict[str, Any]:
        self.events.setdefault(sender_id, []).extend(events)
        return {}

    async def close(self) -> None:
        return None

    def say(self, sender_id: str, who: str, text: str) -> None:
        event = "user" if who == "resident" else "bot"
        self.events.setdefault(sender_id, []).append({"event": event, "text": text, "timestamp": time.time()})


@pytest.fixture(scope="module")
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, rasa: FakeRasa) -> Iterator[ConsoleServer]:
    with fresh_database(tmp_path_factory.mktemp("desk-page") / "desk.db", seed=True):
        add_user(STAFF[0], "staff", STAFF[1], display_name=STAFF[2])
        add_user(COLLEAGUE[0], "staff", COLLEAGUE[1], display_name=COLLEAGUE[2])
        with ConsoleServer(console_app(lambda app: setup_desk_api(app, rasa=rasa), setup_ratings_api)) as server:
            yield server


@pytest.fixture(autouse=True)
def empty_queue(server: ConsoleServer) -> Iterator[None]:
    """Every test starts and ends with no open ticket."""
    yield
    for ticket in tickets.list_tickets("waiting"):
        tickets.claim(ticket.id, "sweeper")
        tickets.close(ticket.id, "sweeper", "测试结束", False)
    for ticket in tickets.list_tickets("active"):
        tickets.close(ticket.id, ticket.assignee or "sweeper", "测试结束", False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before revealing a phone number
    yield page
    context.close()


def _open(sender: str, *, channel: str = "socketio", question: str = "居住证怎么办", minutes_ago: float = 0,
          kind: str = "live", **fields: Any) -> TicketInfo:
    return tickets.open_ticket(channel, sender, kind=kind, question=question, answer="请问您在哪个区？",
                               now=utcnow() - timedelta(minutes=minutes_ago), **fields)


def _console(page: Page, server: ConsoleServer) -> Page:
    login(page, server.url, STAFF[0], STAFF[1])
    page.wait_for_url(server.url + "/desk/")
    expect(page.locator("#me-name")).to_have_text(STAFF[2])
    return page


def _row(page: Page, ticket: TicketInfo, group: str = "waiting") -> Any:
    return page.locator(f'#queue-{group} .ticket-row[data-id="{ticket.id}"]')


def _select(page: Page, ticket: TicketInfo, group: str = "waiting") -> None:
    _row(page, ticket, group).locator("button").click()
    expect(page.locator("#ticket-id")).to_have_text(f"#{ticket.id}")
    expect(page.locator("#ticket-status")).not_to_have_text("")


def test_the_queue_lives_without_reload(server: ConsoleServer, page: Page) -> None:
    violations = csp_violations(page)
    old = _open("web-old", minutes_ago=4, service="居住证办理")
    _console(page, server)
    row = _row(page, old)
    expect(row.locator(".row-summary")).to_have_text(f"#{old.id} 问：居住证怎么办")
    expect(row.locator(".channel")).to_have_text("网页")
    expect(row.locator(".service")).to_have_text("居住证办理")
    expect(row.locator(".assignee")).to_have_text("未接待")
    expect(row).to_have_class(re.compile(r"\blong-wait\b"))  # more than 3 minutes
    expect(row.locator(".long-label")).to_have_text("久等")
    first = row.locator(".wait").inner_text()
    assert re.fullmatch(r"已等 0[45]:\d\d", first), first
    expect(row.locator(".wait")).not_to_have_text(first, timeout=3000)  # ticks every second
    expect(page.locator("#waiting-count")).to_have_text("1")
    expect(page).to_have_title("(1) 人工服务台")

    new = _open("wx-new", channel="wechat", question="社保卡丢了")
    expect(_row(page, new)).to_be_visible(timeout=5000)
    expect(_row(page, new).locator(".channel")).to_have_text("微信")
    expect(_row(page, new)).not_to_have_class(re.compile(r"\blong-wait\b"))
    expect(page.locator("#announcer")).to_contain_text(f"新的等待工单 #{new.id}")
    expect(page.locator("#announcer")).to_contain_text("社保卡丢了")
    expect(page).to_have_title("(2) 人工服务台")
    expect(page.locator("#queue-waiting .ticket-row")).to_have_count(2)

    tickets.claim(new.id, COLLEAGUE[0])  # a colleague takes one
    expect(_row(page, new, "active").locator(".assignee")).to_have_text(f"接待：{COLLEAGUE[2]}（{COLLEAGUE[0]}）")
    expect(page.locator("#queue-waiting .ticket-row")).to_have_count(1)
    expect(page).to_have_title("(1) 人工服务台")
    assert violations == []


def test_ticket_detail_shows_text_as_text_and_claim_then_reply(server: ConsoleServer, rasa: FakeRasa,
                                                                page: Page) -> None:
    ticket = _open("web-hostile", question=HOSTILE, service="居住证办理", district="江东区", reason="clarify")
    rasa.say("web-hostile", "resident", HOSTILE)
    rasa.say("web-hostile", "bot", "请问您在哪个区？")
    _console(page, server)
    _select(page, ticket)
    expect(page.locator("#ticket-summary")).to_have_text(f"问：{HOSTILE}\n答：请问您在哪个区？")
    expect(page.locator("#slot-service")).to_have_text("居住证办理")
    expect(page.locator("#slot-district")).to_have_text("江东区")
    expect(page.locator("#slot-situation")).to_have_text("—")
    expect(page.locator("#ticket-reason")).to_have_text("助手两次未能理解")
    expect(page.locator("#transcript .msg.resident .bubble")).to_have_text([HOSTILE])
    expect(page.locator("#transcript .msg.bot .bubble")).to_have_text(["请问您在哪个区？"])
    expect(page.locator("#transcript .msg.resident .who")).to_have_text("居民")
    assert page.locator("#transcript img, #transcript script, #transcript b, #ticket-summary b").count() == 0
    assert page.evaluate("window.hacked === undefined")

    # waiting: the reply box says why it is closed, 接待 is offered
    expect(page.locator("#reply-input")).to_be_disabled()
    expect(page.locator("#reply-refusal")).to_have_text("请先接待该工单。")
    page.click("#claim")
    expect(page.locator("#ticket-status")).to_have_text("接待中")
    expect(page.locator("#claim")).to_be_hidden()
    expect(page.locator("#reply-input")).to_be_enabled()
    expect(page.locator("#reply-input")).to_be_focused()
    expect(page.locator("#reply-refusal")).to_be_hidden()

    # Enter sends, Shift+Enter is a new line
    page.keyboard.type("您好，我是一号窗口")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("请问您住在哪个区？")
    expect(page.locator("#reply-counter")).to_have_text("19 / 2000")
    page.keyboard.press("Enter")
    expect(page.locator("#reply-input")).to_have_value("")
    expect(page.locator("#transcript .msg.staff .bubble")).to_have_text(["您好，我是一号窗口\n请问您住在哪个区？"])
    expect(page.locator("#transcript .msg.staff .who")).to_have_text(f"工作人员 {STAFF[2]}")
    sent = [e for e in rasa.events["web-hostile"] if (e.get("metadata") or {}).get("staff")]
    assert [e["text"] for e in sent] == ["您好，我是一号窗口\n请问您住在哪个区？"]

    # the resident writes again: it appears within about a second
    rasa.say("web-hostile", "resident", "江东区，谢谢")
    expect(page.locator("#transcript .msg.resident .bubble").last).to_have_text("江东区，谢谢", timeout=4000)


def test_a_reply_the_server_refuses_shows_its_reason(server: ConsoleServer, page: Page) -> None:
    ticket = _open("web-long")
    tickets.claim(ticket.id, STAFF[0])
    _console(page, server)
    _select(page, ticket, "active")
    page.fill("#reply-input", "长" * 2001)
    expect(page.locator("#reply-counter")).to_have_text("2001 / 2000（超出 1 字）")
    expect(page.locator("#reply-counter")).to_have_class(re.compile(r"\bover\b"))
    page.click("#send-reply")
    expect(page.locator("#status")).to_contain_text("回复不能超过 2000 字")
    expect(page.locator("#reply-input")).to_have_value("长" * 2001)  # kept for editing


def test_a_ticket_that_cannot_be_answered_says_why(server: ConsoleServer, page: Page) -> None:
    ticket = _open("rest-1", channel="rest")
    tickets.claim(ticket.id, STAFF[0])
    _console(page, server)
    _select(page, ticket, "active")
    expect(page.locator("#reply-refusal")).to_contain_text("REST 接口")
    expect(page.locator("#reply-input")).to_be_disabled()
    expect(page.locator("#send-reply")).to_be_disabled()


def test_claim_taken_by_someone_else_shows_the_reason(server: ConsoleServer, page: Page) -> None:
    ticket = _open("web-race")
    _console(page, server)

    def stale(route: Route) -> None:  # the page still believes the ticket is waiting
        response = route.fetch()
        data = response.json()
        data.update(status="waiting", assignee=None)
        route.fulfill(response=response, json=data)

    page.route(re.compile(rf".*/desk/api/tickets/{ticket.id}$"), stale)
    _select(page, ticket)
    tickets.claim(ticket.id, COLLEAGUE[0])
    page.click("#claim")
    expect(page.locator("#status")).to_contain_text("已被他人接待")
    page.unroute_all(behavior="ignoreErrors")


def test_notes_transfer_and_close(server: ConsoleServer, rasa: FakeRasa, page: Page) -> None:
    ticket = _open("web-full")
    tickets.claim(ticket.id, STAFF[0])
    _console(page, server)
    _select(page, ticket, "active")

    page.fill("#note-input", "居民<i>很着急</i>，需回访")
    page.click("#add-note")
    expect(page.locator("#notes .note .note-text")).to_have_text(["居民<i>很着急</i>，需回访"])
    expect(page.locator("#note-input")).to_have_value("")

    # close: the outcome is required, hand-back is checked by default
    page.click("#close-open")
    dialog = page.locator("#close-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#hand-back")).to_be_checked()
    page.click("#close-confirm")
    expect(page.locator("#close-error")).to_have_text("请填写处理结果")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#close-open")).to_be_focused()

    # transfer to the colleague
    page.click("#transfer-open")
    expect(page.locator("#transfer-to option")).to_have_text([f"{COLLEAGUE[2]}（{COLLEAGUE[0]}）"])
    page.click("#transfer-confirm")
    expect(page.locator("#transfer-dialog")).to_be_hidden()
    expect(page.locator("#ticket-assignee")).to_have_text(f"接待人：{COLLEAGUE[2]}（{COLLEAGUE[0]}）")
    expect(page.locator("#reply-input")).to_be_disabled()
    assert tickets.get_ticket(ticket.id).assignee == COLLEAGUE[0]  # type: ignore[union-attr]

    # the colleague closes it in their browser
    page.click("#logout")
    page.wait_for_url(server.url + "/desk/login")
    login(page, server.url, COLLEAGUE[0], COLLEAGUE[1])
    _select(page, ticket, "active")
    page.click("#close-open")
    page.locator("#close-dialog label", has_text="已解答").click()
    expect(page.locator("#close-outcome")).to_have_value("已解答")
    page.click("#close-confirm")
    expect(page.locator("#close-dialog")).to_be_hidden()
    expect(page.locator("#ticket-status")).to_have_text("已结束")
    expect(page.locator("#status")).to_contain_text("已交还智能助手")
    closed = tickets.get_ticket(ticket.id)
    assert closed is not None and closed.outcome == "已解答" and closed.hand_back is True
    assert any(e["event"] == "resume" for e in rasa.events["web-full"])
    page.click("#tab-closed")
    expect(_row(page, ticket, "closed").locator(".wait")).to_have_text("结果：已解答")


def test_callback_ticket_reveals_the_phone_after_confirm(server: ConsoleServer, page: Page) -> None:
    ticket = _open("web-callback", kind="callback", callback_phone="13812345678",
                   callback_note="想问居住证续签，下午方便")
    _console(page, server)
    _select(page, ticket)
    expect(page.locator("#ticket-kind")).to_have_text("回电")
    expect(page.locator("#callback-note")).to_have_text("想问居住证续签，下午方便")
    expect(page.locator("#callback-phone")).to_have_text("138****5678")
    page.click("#reveal-phone")
    expect(page.locator("#callback-phone")).to_have_text("13812345678")
    expect(page.locator("#reveal-phone")).to_be_hidden()
    page.wait_for_timeout(1500)  # survives the next refresh
    expect(page.locator("#callback-phone")).to_have_text("13812345678")
    assert any(h["action"] == "revealed_phone" for h in tickets.history(ticket.id))


def test_quick_answer_goes_into_the_reply_box(server: ConsoleServer, page: Page) -> None:
    ticket = _open("web-quick")
    tickets.claim(ticket.id, STAFF[0])
    _console(page, server)
    _select(page, ticket, "active")
    page.fill("#reply-input", "您好，")
    page.fill("#qa-search", "居住证")
    first = page.locator("#qa-results .qa-item").first
    expect(first).to_be_visible(timeout=15_000)
    name = first.locator(".qa-name").inner_text()
    assert "居住证" in name
    first.click()
    expect(page.locator("#reply-input")).to_be_focused()
    value = page.locator("#reply-input").input_value()
    assert value.startswith("您好，") and name in value and len(value) > 20


def test_keyboard_shortcuts(server: ConsoleServer, page: Page) -> None:
    older = _open("web-k1", minutes_ago=2, question="第一位居民")
    newer = _open("web-k2", question="第二位居民")
    _console(page, server)
    expect(page.locator("#queue-waiting .ticket-row")).to_have_count(2)
    expect(page.locator("#shortcuts")).to_contain_text("Alt+N")
    page.keyboard.press("Alt+N")
    expect(page.locator("#ticket-id")).to_have_text(f"#{older.id}")
    page.keyboard.press("Alt+N")
    expect(page.locator("#ticket-id")).to_have_text(f"#{newer.id}")
    expect(page.locator("#claim")).to_be_visible()
    page.keyboard.press("Alt+C")
    expect(page.locator("#ticket-status")).to_have_text("接待中")
    page.locator("#qa-search").focus()
    page.keyboard.press("Alt+R")
    expect(page.locator("#reply-input")).to_be_focused()
    # Tab reaches the queue rows with a visible focus ring
    page.locator("#tab-closed").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('.ticket-row') !== null")
    assert focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_usable_at_1024_wide(server: ConsoleServer, page: Page) -> None:
    ticket = _open("web-narrow", question="一个很长的问题" * 10)
    page.set_viewport_size({"width": 1024, "height": 768})
    _console(page, server)
    _select(page, ticket)
    for selector in ("#claim", "#close-open", "#reply-input", "#qa-search", "#logout"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024, selector
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024


def test_followups_overdue_stand_out_and_close_with_a_note(server: ConsoleServer, page: Page) -> None:
    old = ratings.record_rating("wx-angry", "wechat", "service:居住证办理", 1, now=utcnow() - timedelta(days=30))
    ratings.add_reason("wx-angry", "<b>等待时间太长</b>", now=utcnow() - timedelta(days=30))
    fresh = ratings.record_rating("web-unhappy", "socketio", "service:社保卡申领", 2)
    assert old.followup_id is not None and fresh.followup_id is not None
    violations = csp_violations(page)
    login(page, server.url, STAFF[0], STAFF[1], next_path="/desk/followups")
    page.wait_for_url(server.url + "/desk/followups")
    late = page.locator(f'#followup-rows tr.followup[data-id="{old.followup_id}"]')
    on_time = page.locator(f'#followup-rows tr.followup[data-id="{fresh.followup_id}"]')
    expect(late).to_have_class(re.compile(r"\boverdue\b"))
    expect(late.locator(".overdue-label")).to_have_text("已逾期")
    expect(late).to_contain_text("非常不满意")
    expect(late).to_contain_text("<b>等待时间太长</b>")  # as text
    expect(late).to_contain_text("微信")
    assert page.locator("#followup-rows b").count() == 0
    expect(on_time).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(on_time.locator(".overdue-label")).to_have_count(0)
    expect(page.locator("#open-count")).to_have_text("(2，逾期 1)")

    late.locator("button.close-followup").click()
    expect(page.locator("#followup-note")).to_be_focused()
    page.click("#followup-confirm")
    expect(page.locator("#followup-error")).to_have_text("请填写整改说明")
    page.fill("#followup-note", "已电话回访，说明了预约办理")
    page.click("#followup-confirm")
    expect(page.locator("#followup-dialog")).to_be_hidden()
    expect(page.locator("#status")).to_have_text(f"整改 #{old.followup_id} 已办结")
    expect(late).to_have_count(0)
    closed = ratings.get_followup(old.followup_id)
    assert closed is not None and closed.status == "closed" and closed.note == "已电话回访，说明了预约办理"
    page.click("#tab-closed")
    expect(late).to_contain_text("已电话回访，说明了预约办理")
    assert violations == []
