"""The desk with a WeChat resident, end to end: the staff reply leaves through the 客服 API (the
fake WeChat API receives it), the 48-hour window is enforced, WeChat's refusal is reported to the
staff member, and after the hand-back the resident rates by replying with a number.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from bot.db import session_scope
from bot.desk.models import Ticket
from bot.desk.tickets import utcnow
from bot.ratings.store import summary
from tests.support.desk import DeskClient, new_staff, wait_for


def _silent_send(wechat: Any, content: str) -> None:
    """A message WeChat delivers while the conversation is with staff: no reply, no push."""
    already = len(wechat.api.wait_delivered(0, touser=wechat.openid))
    query, body = wechat.peer.request(wechat.peer.text(content, openid=wechat.openid), "safe")
    response = wechat.peer.post_raw(query, body, timeout=10)
    assert response.status_code == 200 and response.text == "success"
    time.sleep(2)
    assert len(wechat.api.wait_delivered(0, touser=wechat.openid)) == already, "the bot must stay silent"


def test_staff_answer_a_wechat_resident_and_hand_back(rasa_stack: Any, wechat: Any) -> None:
    desk = DeskClient(rasa_stack.web_url, new_staff(display_name="李娜"))
    assert "已为您转接人工客服" in wechat.text("社保卡丢了，我要找人工")
    ticket = desk.ticket_of(wechat.openid)
    assert ticket["channel"] == "wechat"
    assert desk.post(f"/desk/api/tickets/{ticket['id']}/claim").status_code == 200

    already = len(wechat.api.wait_delivered(0, touser=wechat.openid))
    sent = desk.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "您好，补办社保卡需要带身份证。"})
    assert sent.status_code == 200, sent.text
    (pushed,) = wechat.api.wait_delivered(already + 1, touser=wechat.openid)[already:]
    assert pushed["msgtype"] == "text" and pushed["text"]["content"] == "【工作人员】您好，补办社保卡需要带身份证。"

    _silent_send(wechat, "好的，那要多久能拿到")
    wait_for(lambda: any(m["text"] == "好的，那要多久能拿到" and m["from"] == "resident"
                         for m in desk.messages_of(ticket["id"])), 2, "the WeChat message in the desk")

    # WeChat refuses the 客服 message: the staff member is told, the reply is not silently lost
    wechat.api.send_script.append({"errcode": 45047, "errmsg": "out of response count limit"})
    refused = desk.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "一般 7 个工作日"})
    assert refused.status_code == 409 and "微信未能送达" in refused.json()["error"]

    # outside the 48-hour window a reply is refused in the desk before anything is sent
    with session_scope() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(
            last_resident_at=utcnow() - timedelta(hours=49)))
    detail = desk.ticket(ticket["id"])
    assert detail["can_reply"] is False and "48 小时" in detail["reply_refusal"]
    calls = len(wechat.api.send_calls)
    late = desk.post(f"/desk/api/tickets/{ticket['id']}/messages", {"text": "还在吗"})
    assert late.status_code == 409 and "48 小时" in late.json()["error"]
    assert len(wechat.api.send_calls) == calls

    already = len(wechat.api.wait_delivered(0, touser=wechat.openid))
    closed = desk.post(f"/desk/api/tickets/{ticket['id']}/close", {"outcome": "已解答", "hand_back": True})
    assert closed.status_code == 200, closed.text
    pushed_text = "\n".join(m["text"]["content"] for m in wechat.api.wait_delivered(already + 2, touser=wechat.openid)
                            [already:])
    assert "继续为您服务" in pushed_text and "1. 非常满意" in pushed_text and "5. 非常不满意" in pushed_text
    thanks = wechat.text("2")  # 满意, by number
    assert "满意" in thanks and "评价" in thanks
    wait_for(lambda: any(row.name == desk.username and row.counts.get(4) for row in summary("staff")), 5,
             "the WeChat rating stored for the staff member")
    assert "社会保障卡" in wechat.text("社保卡补办要带什么")  # the bot answers again
