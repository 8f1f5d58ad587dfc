"""The handoff end to end through the real stack: Rasa, the action server, the channels' gate
and the desk API of the page server. The resident is a Socket.IO client (the browser version of
this journey is tests/desk/test_desk_browser.py).

Tried: two staff claiming at once over HTTP, a reply of 10,000 characters, missing and forged
CSRF tokens, no session, a colleague replying to a ticket they do not hold, a reply to a closed
ticket, a reply to a REST conversation (no push possible), 取消 while waiting, a message while
paused (the bot must stay silent), the closed desk (call-back with a bad number first).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.ratings.levels import LEVELS
from tests.support.chat import Chat
from tests.support.desk import ALWAYS_OPEN, NEVER_OPEN, DeskClient, new_staff, wait_for, write_hours
from tests.support.webchat import WebResident, buttons_of, texts_since


@pytest.fixture()
def resident(rasa_stack: Any) -> Iterator[WebResident]:
    person = WebResident(rasa_stack.rasa_url)
    yield person
    person.close()


@pytest.fixture()
def desk(rasa_stack: Any) -> DeskClient:
    return DeskClient(rasa_stack.web_url, new_staff(display_name="张敏"))


def _hand_over(resident: WebResident, desk: DeskClient) -> Dict[str, Any]:
    resident.ask("东湖区居住证怎么办", "居住证")
    resident.ask("转人工", "已为您转接人工客服")
    return desk.ticket_of(resident.session_id)


def test_take_over_reply_hear_back_and_hand_back(rasa_stack: Any, resident: WebResident, desk: DeskClient) -> None:
    ticket = _hand_over(resident, desk)
    assert ticket["channel"] == "socketio" and ticket["status"] == "waiting"
    assert ticket["summary"].startswith("问：东湖区居住证怎么办\n答：")
    assert ticket["service"] == "居住证首次申领" and ticket["district"] == "东湖区"

    # two staff claim at once: exactly one wins
    other = DeskClient(rasa_stack.web_url, new_staff())
    barrier = threading.Barrier(2)
    answers: List[int] = []

    def claim(client: DeskClient) -> None:
        barrier.wait()
        answers.append(client.post(f"/desk/api/tickets/{ticket['id']}/claim").status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in (desk, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    holder, bystander = (desk, other) if desk.ticket(ticket["id"])["assignee"] == desk.username else (other, desk)

    # the bystander cannot reply; the holder's reply reaches the page, marked as staff
    refused = bystander.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "我来"})
    assert refused.status_code == 403 and "接待" in refused.json()["error"]
    before = resident.count()
    sent = holder.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "您好，我是工作人员，请问哪里不清楚？"})
    assert sent.status_code == 200, sent.text
    pushed = resident.wait(lambda m: "我是工作人员" in str(m.get("text")), before, timeout=10)
    assert pushed["from"] == "staff"

    # while paused the bot is silent and the resident's words reach the desk
    before = resident.count()
    resident.say("居住证要带什么材料？<script>alert(1)</script>")
    assert resident.quiet_for(2.5, before) == []
    messages = wait_for(lambda: [m for m in holder.messages_of(ticket["id"]) if "<script>" in m["text"]], 2,
                        "the resident's message in the desk")
    assert messages[-1]["from"] == "resident"
    kinds = [m["from"] for m in holder.messages_of(ticket["id"])]
    assert kinds[:1] == ["resident"] and "bot" in kinds and "staff" in kinds  # the whole conversation

    # close, hand back: greeting, rating prompt, and the slots are intact
    before = resident.count()
    closed = holder.post(f"/desk/api/tickets/{ticket['id']}/close", {"outcome": "已解答", "hand_back": True})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    rating = resident.wait(lambda m: bool(buttons_of(m)), before, timeout=10)
    assert [b["title"] for b in buttons_of(rating)] == list(LEVELS.values())
    assert "继续为您服务" in texts_since(resident, before)
    answer = resident.ask("那要多久能办好", "居住证")  # a follow-up about the service before the handoff
    assert "办理时限" in answer["text"] or "工作日" in answer["text"]
    after_close = holder.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "还在吗"})
    assert after_close.status_code == 409 and "已关闭" in after_close.json()["error"]

    # the rating after the handoff is stored for this ticket and its staff member
    from bot.ratings.store import summary

    resident.say('/rate{"rating": "4"}', button=True)
    wait_for(lambda: any(row.name == holder.username for row in summary("staff")), 10, "a rating for the staff member")


def test_bad_requests_are_refused_with_a_reason(rasa_stack: Any, resident: WebResident, desk: DeskClient) -> None:
    ticket = _hand_over(resident, desk)
    base = f"/desk/api/tickets/{ticket['id']}"
    assert desk.post(base + "/claim").status_code == 200
    huge = desk.post(base + "/messages", {"text": "长" * 10_000})
    assert huge.status_code == 413 and "2000" in huge.json()["error"]
    assert desk.post(base + "/messages", {"text": "   "}).status_code == 400
    assert desk.post(base + "/messages", {"text": "你好"}, csrf="").status_code == 403
    assert desk.post(base + "/messages", {"text": "你好"}, csrf="forged-token").status_code == 403
    anonymous = requests.post(rasa_stack.web_url + base + "/messages", json={"text": "你好"}, timeout=10)
    assert anonymous.status_code == 401
    malformed = desk.http.post(desk.base + base + "/messages", data="{not json", timeout=10,
                               headers={"X-CSRF-Token": desk.csrf, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert desk.post("/desk/api/tickets/999999/claim").status_code == 404
    assert desk.get("/desk/api/tickets", status="bogus").status_code == 400
    assert desk.post(base + "/close", {"outcome": "", "hand_back": True}).status_code == 400
    assert desk.post(base + "/transfer", {"to": "nobody-here"}).status_code == 400
    assert resident.count() > 0 and not any(m.get("from") == "staff" for m in resident.received)  # nothing leaked
    assert desk.post(base + "/close", {"outcome": "居民离开", "hand_back": False}).status_code == 200


def test_cancel_while_waiting(rasa_stack: Any, resident: WebResident, desk: DeskClient) -> None:
    ticket = _hand_over(resident, desk)
    resident.ask("取消", "已取消人工服务排队")
    assert desk.ticket(ticket["id"])["status"] == "closed"
    assert desk.ticket(ticket["id"])["outcome"] == "居民取消等待"
    resident.ask("护照怎么办", "护照")  # the bot answers again at once


def test_rest_conversations_cannot_receive_replies(rasa_stack: Any, desk: DeskClient) -> None:
    chat = Chat(rasa_stack.rasa_url)
    assert "已为您转接人工客服" in chat.say("我要跟人说")
    ticket = desk.ticket_of(chat.sender)
    assert desk.post(f"/desk/api/tickets/{ticket['id']}/claim").status_code == 200
    assert desk.ticket(ticket["id"])["can_reply"] is False
    refused = desk.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "您好"})
    assert refused.status_code == 409 and "REST" in refused.json()["error"]
    assert desk.post(f"/desk/api/tickets/{ticket['id']}/close", {"outcome": "已转办", "hand_back": True}).ok
    assert "护照" in chat.say("护照怎么办")  # resumed: the bot answers


def test_outside_desk_hours_a_call_back_is_left(rasa_stack: Any, desk_hours_file: Path, desk: DeskClient) -> None:
    write_hours(desk_hours_file, NEVER_OPEN)
    try:
        chat = Chat(rasa_stack.rasa_url)
        offered = chat.say("转人工")
        assert "不在人工服务时间" in offered and "请用一两句话说明" in offered
        assert "请留下方便联系您的手机号" in chat.say("想问新生儿落户要带什么")
        assert "号码好像不对" in chat.say("12345")
        done = chat.say("138 1234 5678")
        assert "已记录您的留言" in done and "138****5678" in done and "13812345678" not in done
        ticket = desk.ticket_of(chat.sender)
        assert ticket["kind"] == "callback" and ticket["callback_phone"] == "138****5678"
        assert "13812345678" not in str(desk.tickets("waiting"))
        revealed = desk.post(f"/desk/api/tickets/{ticket['id']}/reveal-phone")
        assert revealed.json() == {"phone": "13812345678"}
        assert desk.ticket(ticket["id"])["history"][-1]["action"] == "revealed_phone"
        assert "护照" in chat.say("护照怎么办")  # the bot keeps answering meanwhile
        cancelled = Chat(rasa_stack.rasa_url)
        cancelled.say("转人工")
        assert "已取消留言" in cancelled.say("取消")
        assert not [t for t in desk.tickets("waiting") if t["sender_id"] == cancelled.sender]
    finally:
        write_hours(desk_hours_file, ALWAYS_OPEN)
