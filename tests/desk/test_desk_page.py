"""The ticket console (/desk/) and the 差评 follow-ups page in a real headless Chromium against the
running stack: the page server's desk and ratings APIs, Rasa, the action server and the database.

Every ticket, transcript and rating is made by a resident talking to the real bot: a Socket.IO
resident (:class:`WebResident`) when a staff reply must reach them, a REST resident (:class:`Chat`)
otherwise. The stack's database is shared with other tests, so rows are found by ticket id or
sender id, counts are compared with what the API says at that moment, and every ticket a test
opens is closed through the API when it ends. The only rows changed by hand are times: a ticket's
``created_at`` (long wait) and a follow-up's ``due_date`` (overdue).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from playwright.sync_api import Locator, Page, Route, expect
from sqlalchemy import update

from bot.db import session_scope
from bot.desk.models import Ticket
from bot.desk.tickets import utcnow
from bot.ratings.levels import LEVELS
from bot.ratings.models import FollowUp
from bot.ratings.store import get_followup, list_followups, local_today
from tests.support.browser import NewPage, csp_violations, login
from tests.support.chat import Chat
from tests.support.desk import ALWAYS_OPEN, NEVER_OPEN, DeskClient, new_staff, wait_for, write_hours
from tests.support.webchat import WebResident, buttons_of, texts_since

HOSTILE = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script><b>粗体</b>'
QUESTION = "东湖区居住证怎么办"
HANDED_OVER = "已为您转接人工客服"


@dataclass
class Team:
    """Two staff members of the stack's database, each with a logged-in API session."""

    clerk: DeskClient
    colleague: DeskClient

    def holder(self, username: str) -> DeskClient:
        return next(c for c in (self.clerk, self.colleague) if c.username == username)


@pytest.fixture(scope="module")
def team(rasa_stack: Any) -> Team:
    return Team(DeskClient(rasa_stack.web_url, new_staff(display_name="一号窗口")),
                DeskClient(rasa_stack.web_url, new_staff(display_name="二号窗口")))


@dataclass
class Residents:
    """Residents who ask for a person through the real bot; what they opened is closed afterwards."""

    rasa_url: str
    team: Team
    leaving: List[threading.Thread]
    ticket_ids: List[int] = field(default_factory=list)
    web: List[WebResident] = field(default_factory=list)

    def web_resident(self) -> WebResident:
        resident = WebResident(self.rasa_url)
        self.web.append(resident)
        return resident

    def on_web(self, *lines: str) -> Tuple[WebResident, Dict[str, Any]]:
        """A Socket.IO resident says ``lines`` (each answered by the bot), then 转人工."""
        resident = self.web_resident()
        for line in lines:
            before = resident.count()
            resident.say(line)
            resident.wait(lambda m: bool(m.get("text")), before, timeout=30)
        resident.ask("转人工", HANDED_OVER, timeout=30)
        return resident, self.opened(resident.session_id)

    def on_rest(self, *lines: str) -> Tuple[Chat, Dict[str, Any]]:
        chat = Chat(self.rasa_url)
        for line in lines:
            assert chat.say(line), line
        assert HANDED_OVER in chat.say("转人工")
        return chat, self.opened(chat.sender)

    def opened(self, sender_id: str) -> Dict[str, Any]:
        ticket = self.team.clerk.ticket_of(sender_id)
        self.ticket_ids.append(ticket["id"])
        return ticket

    def close_all(self) -> None:
        """Close what is still open, through the API, so the shared queue does not grow."""
        try:
            for ticket_id in self.ticket_ids:
                ticket = self.team.clerk.ticket(ticket_id)
                if ticket["status"] == "closed":
                    continue
                holder = self.team.clerk
                if ticket["status"] == "waiting" and ticket["kind"] == "live":
                    assert holder.post(f"/desk/api/tickets/{ticket_id}/claim").ok
                elif ticket["status"] == "active":
                    holder = self.team.holder(ticket["assignee"])
                closed = holder.post(f"/desk/api/tickets/{ticket_id}/close",
                                     {"outcome": "测试结束", "hand_back": False})
                assert closed.status_code == 200, closed.text
        finally:
            # a polling Socket.IO client takes up to 30 s to disconnect (it waits for its pending long
            # poll): the residents leave in the background and the module waits for them once, at its end
            for resident in self.web:
                thread = threading.Thread(target=resident.close, name="resident-leaves", daemon=True)
                thread.start()
                self.leaving.append(thread)


@pytest.fixture(scope="module")
def leaving() -> Iterator[List[threading.Thread]]:
    threads: List[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(60)


@pytest.fixture()
def residents(rasa_stack: Any, team: Team, leaving: List[threading.Thread]) -> Iterator[Residents]:
    people = Residents(rasa_stack.rasa_url, team, leaving)
    yield people
    people.close_all()


def _console(page: Page, web_url: str, staff: DeskClient) -> Page:
    login(page, web_url, staff.account["username"], staff.account["password"])
    page.wait_for_url(web_url + "/desk/")
    expect(page.locator("#me-name")).to_have_text(staff.account["display_name"])
    return page


def _row(page: Page, ticket: Dict[str, Any], group: str = "waiting") -> Locator:
    return page.locator(f'#queue-{group} .ticket-row[data-id="{ticket["id"]}"]')


def _select(page: Page, ticket: Dict[str, Any], group: str = "waiting") -> None:
    _row(page, ticket, group).locator("button").click()
    expect(page.locator("#ticket-id")).to_have_text(f"#{ticket['id']}")
    expect(page.locator("#ticket-status")).not_to_have_text("")


def _claim(staff: DeskClient, ticket: Dict[str, Any]) -> None:
    claimed = staff.post(f"/desk/api/tickets/{ticket['id']}/claim")
    assert claimed.status_code == 200, claimed.text


def _label(staff: DeskClient) -> str:
    return f"{staff.account['display_name']}（{staff.username}）"


def _waiting_count(staff: DeskClient) -> int:
    return len(staff.tickets("waiting"))


def test_the_queue_lives_without_reload(rasa_stack: Any, team: Team, residents: Residents, new_page: NewPage) -> None:
    page = new_page()
    violations = csp_violations(page)
    _, old = residents.on_web(QUESTION)
    with session_scope() as session:  # the resident has been waiting for four minutes
        session.execute(update(Ticket).where(Ticket.id == old["id"]).values(
            created_at=utcnow() - timedelta(minutes=4)))
    waiting = _waiting_count(team.clerk)
    _console(page, rasa_stack.web_url, team.clerk)
    row = _row(page, old)
    expect(row.locator(".row-summary")).to_have_text(f"#{old['id']} 问：{QUESTION}")
    expect(row.locator(".channel")).to_have_text("网页")
    expect(row.locator(".service")).to_have_text("居住证首次申领")
    expect(row.locator(".assignee")).to_have_text("未接待")
    expect(row).to_have_class(re.compile(r"\blong-wait\b"))  # more than 3 minutes
    expect(row.locator(".long-label")).to_have_text("久等")
    first = row.locator(".wait").inner_text()
    assert re.fullmatch(r"已等 0[45]:\d\d", first), first
    expect(row.locator(".wait")).not_to_have_text(first, timeout=3000)  # ticks every second
    expect(page.locator("#waiting-count")).to_have_text(str(waiting))
    expect(page).to_have_title(f"({waiting}) 人工服务台")

    _, new = residents.on_rest("社保卡丢了怎么办")
    expect(_row(page, new)).to_be_visible(timeout=5000)
    expect(_row(page, new).locator(".channel")).to_have_text("接口")
    expect(_row(page, new)).not_to_have_class(re.compile(r"\blong-wait\b"))
    expect(page.locator("#announcer")).to_contain_text(f"新的等待工单 #{new['id']}（接口）")
    expect(page.locator("#announcer")).to_contain_text("社保卡丢了怎么办")
    expect(page).to_have_title(f"({waiting + 1}) 人工服务台")
    expect(page.locator("#queue-waiting .ticket-row")).to_have_count(waiting + 1)

    _claim(team.colleague, new)  # a colleague takes one
    expect(_row(page, new, "active").locator(".assignee")).to_have_text(f"接待：{_label(team.colleague)}")
    expect(page.locator("#queue-waiting .ticket-row")).to_have_count(waiting)
    expect(page).to_have_title(f"({waiting}) 人工服务台")
    assert violations == []


def test_ticket_detail_shows_text_as_text_and_claim_then_reply(rasa_stack: Any, team: Team, residents: Residents,
                                                                new_page: NewPage) -> None:
    resident, ticket = residents.on_web(QUESTION, HOSTILE)
    assert ticket["summary"].startswith(f"问：{HOSTILE}\n答：")  # the resident's own words, as asked
    page = _console(new_page(), rasa_stack.web_url, team.clerk)
    _select(page, ticket)
    expect(page.locator("#ticket-summary")).to_have_text(ticket["summary"])
    expect(page.locator("#slot-service")).to_have_text("居住证首次申领")
    expect(page.locator("#slot-district")).to_have_text("东湖区")
    expect(page.locator("#slot-situation")).to_have_text("—")
    expect(page.locator("#ticket-reason")).to_have_text("居民要求转人工")
    expect(page.locator("#transcript .msg.resident .bubble")).to_have_text([QUESTION, HOSTILE, "转人工"])
    expect(page.locator("#transcript .msg.bot .bubble").first).to_contain_text("【居住证首次申领】")
    expect(page.locator("#transcript .msg.bot .bubble").last).to_contain_text(HANDED_OVER)
    expect(page.locator("#transcript .msg.resident .who").first).to_have_text("居民")
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

    # Enter sends, Shift+Enter is a new line; the reply reaches the resident's page as staff
    before = resident.count()
    page.keyboard.type("您好，我是一号窗口")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("请问您住在哪个区？")
    expect(page.locator("#reply-counter")).to_have_text("19 / 2000")
    page.keyboard.press("Enter")
    expect(page.locator("#reply-input")).to_have_value("")
    expect(page.locator("#transcript .msg.staff .bubble")).to_have_text(["您好，我是一号窗口\n请问您住在哪个区？"])
    expect(page.locator("#transcript .msg.staff .who")).to_have_text("工作人员 一号窗口")
    pushed = resident.wait(lambda m: m.get("text") == "您好，我是一号窗口\n请问您住在哪个区？", before, timeout=10)
    assert pushed["from"] == "staff"

    # the resident writes again: it appears within about a second
    resident.say("东湖区，谢谢")
    expect(page.locator("#transcript .msg.resident .bubble").last).to_have_text("东湖区，谢谢", timeout=4000)


def test_a_reply_the_server_refuses_shows_its_reason(rasa_stack: Any, team: Team, residents: Residents,
                                                     new_page: NewPage) -> None:
    resident, ticket = residents.on_web(QUESTION)
    _claim(team.clerk, ticket)
    page = _console(new_page(), rasa_stack.web_url, team.clerk)
    _select(page, ticket, "active")
    page.fill("#reply-input", "长" * 2001)
    expect(page.locator("#reply-counter")).to_have_text("2001 / 2000（超出 1 字）")
    expect(page.locator("#reply-counter")).to_have_class(re.compile(r"\bover\b"))
    before = resident.count()
    page.click("#send-reply")
    expect(page.locator("#status")).to_contain_text("回复不能超过 2000 字")
    expect(page.locator("#reply-input")).to_have_value("长" * 2001)  # kept for editing
    assert not [m for m in team.clerk.messages_of(ticket["id"]) if m["from"] == "staff"]
    assert resident.received[before:] == []  # nothing reached the resident


def test_a_ticket_that_cannot_be_answered_says_why(rasa_stack: Any, team: Team, residents: Residents,
                                                   new_page: NewPage) -> None:
    _, ticket = residents.on_rest(QUESTION)
    assert ticket["channel"] == "rest"
    _claim(team.clerk, ticket)
    page = _console(new_page(), rasa_stack.web_url, team.clerk)
    _select(page, ticket, "active")
    expect(page.locator("#reply-refusal")).to_contain_text("REST 接口")
    expect(page.locator("#reply-input")).to_be_disabled()
    expect(page.locator("#send-reply")).to_be_disabled()


def test_claim_taken_by_someone_else_shows_the_reason(rasa_stack: Any, team: Team, residents: Residents,
                                                      new_page: NewPage) -> None:
    _, ticket = residents.on_web(QUESTION)
    page = _console(new_page(), rasa_stack.web_url, team.clerk)

    def stale(route: Route) -> None:  # the page still believes the ticket is waiting
        response = route.fetch()
        data = response.json()
        data.update(status="waiting", assignee=None)
        route.fulfill(response=response, json=data)

    page.route(re.compile(rf".*/desk/api/tickets/{ticket['id']}$"), stale)
    _select(page, ticket)
    _claim(team.colleague, ticket)  # the colleague is quicker
    page.click("#claim")
    expect(page.locator("#status")).to_contain_text("已被他人接待")
    page.unroute_all(behavior="ignoreErrors")
    assert team.clerk.ticket(ticket["id"])["assignee"] == team.colleague.username


def test_notes_transfer_and_close(rasa_stack: Any, team: Team, residents: Residents, new_page: NewPage) -> None:
    resident, ticket = residents.on_web(QUESTION)
    _claim(team.clerk, ticket)
    page = _console(new_page(), rasa_stack.web_url, team.clerk)
    _select(page, ticket, "active")

    page.fill("#note-input", "居民<i>很着急</i>，需回访")
    page.click("#add-note")
    expect(page.locator("#notes .note .note-text")).to_have_text(["居民<i>很着急</i>，需回访"])
    expect(page.locator("#note-input")).to_have_value("")
    assert not any("很着急" in str(m.get("text")) for m in resident.received)  # private

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

    # transfer to the colleague (the list holds every other active account of the shared database)
    page.click("#transfer-open")
    option = page.locator(f'#transfer-to option[value="{team.colleague.username}"]')
    expect(option).to_have_text(_label(team.colleague))
    expect(page.locator(f'#transfer-to option[value="{team.clerk.username}"]')).to_have_count(0)
    page.select_option("#transfer-to", team.colleague.username)
    page.click("#transfer-confirm")
    expect(page.locator("#transfer-dialog")).to_be_hidden()
    expect(page.locator("#ticket-assignee")).to_have_text(f"接待人：{_label(team.colleague)}")
    expect(page.locator("#reply-input")).to_be_disabled()
    assert team.clerk.ticket(ticket["id"])["assignee"] == team.colleague.username

    # the colleague closes it in their browser and hands the resident back to the assistant
    page.click("#logout")
    page.wait_for_url(rasa_stack.web_url + "/desk/login")
    login(page, rasa_stack.web_url, team.colleague.username, team.colleague.account["password"])
    _select(page, ticket, "active")
    before = resident.count()
    page.click("#close-open")
    page.locator("#close-dialog label", has_text="已解答").click()
    expect(page.locator("#close-outcome")).to_have_value("已解答")
    page.click("#close-confirm")
    expect(page.locator("#close-dialog")).to_be_hidden()
    expect(page.locator("#ticket-status")).to_have_text("已结束")
    expect(page.locator("#status")).to_contain_text("已交还智能助手")
    closed = team.clerk.ticket(ticket["id"])
    assert closed["outcome"] == "已解答" and closed["hand_back"] is True
    assert closed["closed_by"] == team.colleague.username
    rating = resident.wait(lambda m: bool(buttons_of(m)), before, timeout=10)  # the conversation resumed
    assert [b["title"] for b in buttons_of(rating)] == list(LEVELS.values())
    assert "继续为您服务" in texts_since(resident, before)
    page.click("#tab-closed")
    expect(_row(page, ticket, "closed").locator(".wait")).to_have_text("结果：已解答")


def test_callback_ticket_reveals_the_phone_after_confirm(rasa_stack: Any, desk_hours_file: Path, team: Team,
                                                         residents: Residents, new_page: NewPage) -> None:
    write_hours(desk_hours_file, NEVER_OPEN)
    try:
        chat = Chat(rasa_stack.rasa_url)
        assert "不在人工服务时间" in chat.say("转人工")
        assert "请留下方便联系您的手机号" in chat.say("想问居住证续签，下午方便")
        assert "已记录您的留言" in chat.say("13812345678")
        ticket = residents.opened(chat.sender)
    finally:
        write_hours(desk_hours_file, ALWAYS_OPEN)
    assert ticket["kind"] == "callback"
    # accept_dialogs: the confirm() before revealing a phone number
    page = _console(new_page(accept_dialogs=True), rasa_stack.web_url, team.clerk)
    _select(page, ticket)
    expect(page.locator("#ticket-kind")).to_have_text("回电")
    expect(page.locator("#callback-note")).to_have_text("想问居住证续签，下午方便")
    expect(page.locator("#callback-phone")).to_have_text("138****5678")
    assert "13812345678" not in page.content()
    page.click("#reveal-phone")
    expect(page.locator("#callback-phone")).to_have_text("13812345678")
    expect(page.locator("#reveal-phone")).to_be_hidden()
    page.wait_for_timeout(1500)  # survives the next refresh
    expect(page.locator("#callback-phone")).to_have_text("13812345678")
    history = team.clerk.ticket(ticket["id"])["history"]
    assert any(h["action"] == "revealed_phone" and h["actor"] == team.clerk.username for h in history)


def test_quick_answer_goes_into_the_reply_box(rasa_stack: Any, team: Team, residents: Residents,
                                              new_page: NewPage) -> None:
    _, ticket = residents.on_web(QUESTION)
    _claim(team.clerk, ticket)
    page = _console(new_page(), rasa_stack.web_url, team.clerk)
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


def test_keyboard_shortcuts(rasa_stack: Any, team: Team, residents: Residents, new_page: NewPage) -> None:
    _, older = residents.on_web("第一位居民：居住证怎么办")
    _, newer = residents.on_web("第二位居民：护照怎么办")  # a web resident: the reply box opens for Alt+R
    order = [t["id"] for t in team.clerk.tickets("waiting")]  # the queue, oldest first
    assert order.index(newer["id"]) == order.index(older["id"]) + 1
    page = _console(new_page(), rasa_stack.web_url, team.clerk)
    expect(page.locator("#queue-waiting .ticket-row")).to_have_count(len(order))
    expect(page.locator("#shortcuts")).to_contain_text("Alt+N")
    for ticket_id in order[:order.index(newer["id"]) + 1]:  # Alt+N walks the queue in order
        page.keyboard.press("Alt+N")
        expect(page.locator("#ticket-id")).to_have_text(f"#{ticket_id}")
    expect(page.locator("#claim")).to_be_visible()
    page.keyboard.press("Alt+C")
    expect(page.locator("#ticket-status")).to_have_text("接待中")
    assert team.clerk.ticket(newer["id"])["assignee"] == team.clerk.username
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


def test_usable_at_1024_wide(rasa_stack: Any, team: Team, residents: Residents, new_page: NewPage) -> None:
    _, ticket = residents.on_rest("我在东湖区租房住了一年多，单位也在东湖区，想给自己和孩子都办居住证，"
                                  "请问需要准备哪些材料、去哪里办、多久能拿到？")
    page = _console(new_page(width=1024, height=768), rasa_stack.web_url, team.clerk)
    _select(page, ticket)
    for selector in ("#claim", "#close-open", "#reply-input", "#qa-search", "#logout"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024, selector
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024


def _rate_a_service_answer(say: Any, level: int) -> None:
    """After the bot's full answer about 居住证首次申领, the resident clicks a rating button."""
    say(QUESTION)
    say('/inform{"situation": "work"}', "这次解答对您有帮助吗")  # the full answer ends with the rating prompt
    say(f'/rate{{"rating": "{level}"}}', LEVELS[level])


def test_followups_overdue_stand_out_and_close_with_a_note(rasa_stack: Any, team: Team, residents: Residents,
                                                          new_page: NewPage) -> None:
    angry = residents.web_resident()

    def web_say(text: str, expected: str = "") -> None:
        before = angry.count()
        angry.say(text, button=text.startswith("/"))
        angry.wait(lambda m: expected in str(m.get("text") or ""), before, timeout=30)

    _rate_a_service_answer(web_say, 1)
    # a forged reason button is ignored (only the offered reasons are stored); a real one is kept
    web_say('/rate{"rating_reason": "<b>等待时间太长</b>"}', "")
    web_say('/rate{"rating_reason": "等待时间太长"}', "谢谢您告诉我们原因")
    unhappy = Chat(rasa_stack.rasa_url)

    def rest_say(text: str, expected: str = "") -> None:
        replies = unhappy.click(text) if text.startswith("/") else unhappy.send(text)
        assert any(expected in str(r.get("text") or "") for r in replies), replies

    _rate_a_service_answer(rest_say, 2)

    def followup_of(sender_id: str) -> Any:
        return wait_for(lambda: next((f for f in list_followups("open") if f.sender_id == sender_id), None), 10,
                        f"a follow-up for {sender_id}")

    old, fresh = followup_of(angry.session_id), followup_of(unhappy.sender)
    assert old.service == "居住证首次申领" and old.reason == "等待时间太长" and not old.overdue
    with session_scope() as session:  # a month later: past its due date
        session.execute(update(FollowUp).where(FollowUp.id == old.id).values(
            due_date=local_today() - timedelta(days=30)))
    still_open = list_followups("open")
    overdue = sum(1 for f in still_open if f.overdue)

    page = new_page()
    violations = csp_violations(page)
    login(page, rasa_stack.web_url, team.clerk.username, team.clerk.account["password"], next_path="/desk/followups")
    page.wait_for_url(rasa_stack.web_url + "/desk/followups")
    late = page.locator(f'#followup-rows tr.followup[data-id="{old.id}"]')
    on_time = page.locator(f'#followup-rows tr.followup[data-id="{fresh.id}"]')
    expect(late).to_have_class(re.compile(r"\boverdue\b"))
    expect(late.locator(".overdue-label")).to_have_text("已逾期")
    expect(late).to_contain_text("非常不满意")
    expect(late).to_contain_text("等待时间太长")
    expect(late).to_contain_text("居住证首次申领")
    expect(late).to_contain_text("网页")
    expect(on_time).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(on_time.locator(".overdue-label")).to_have_count(0)
    expect(on_time).to_contain_text("不满意")
    expect(on_time).to_contain_text("接口")
    expect(page.locator("#open-count")).to_have_text(f"({len(still_open)}，逾期 {overdue})")

    late.locator("button.close-followup").click()
    expect(page.locator("#followup-note")).to_be_focused()
    page.click("#followup-confirm")
    expect(page.locator("#followup-error")).to_have_text("请填写整改说明")
    page.fill("#followup-note", "已电话回访，说明了预约办理")
    page.click("#followup-confirm")
    expect(page.locator("#followup-dialog")).to_be_hidden()
    expect(page.locator("#status")).to_have_text(f"整改 #{old.id} 已办结")
    expect(late).to_have_count(0)
    closed = get_followup(old.id)
    assert closed is not None and closed.status == "closed" and closed.note == "已电话回访，说明了预约办理"
    assert closed.closed_by == team.clerk.username
    page.click("#tab-closed")
    expect(late).to_contain_text("已电话回访，说明了预约办理")
    assert violations == []
    done = team.clerk.post(f"/desk/api/followups/{fresh.id}/close", {"note": "测试结束"})  # leave none open
    assert done.status_code == 200, done.text
