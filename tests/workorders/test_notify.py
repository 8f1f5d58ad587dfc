"""Pushing work-order news to the resident through a fake of Rasa's HTTP API on 127.0.0.1
(tests/workorders/fake_rasa.py): the request is Rasa's real shape, and every push is recorded with
whether it got there.

Tried: a web-page conversation (delivered), a REST one (refused, nothing sent), WeChat inside and
outside the 48-hour window, WeChat refusing the message after Rasa took it, a conversation Rasa no
longer has, Rasa down, Rasa refusing the token, Rasa failing the append; the resident's personal
numbers in a reply.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterator

import pytest

from bot.channels.wechat import repository as wechat_store
from bot.desk.rasa_api import RasaApi
from bot.workorders import handling, notify
from bot.workorders.store import WorkOrderInfo, file_order
from tests.workorders.fake_rasa import Appended, FakeRasa

TOKEN = "rasa-secret"
HOUR = 3600.0


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(token=TOKEN).start()
    yield fake
    fake.stop()


def _order(channel: str, sender: str = "resident-1") -> WorkOrderInfo:
    return file_order(channel, sender, "投诉求助", "小区路灯坏了", department="江州市城市管理局", confidence=0.9,
                      phone="13812345678")


async def _push(fake: FakeRasa, order: WorkOrderInfo, text: str, token: str = TOKEN) -> dict:
    api = RasaApi(base_url=fake.url, token=token)
    try:
        return await notify.push(api, order, text, "status", "li")
    finally:
        await api.close()


async def test_a_status_change_reaches_the_web_page_in_rasas_shape(store_db: str, rasa: FakeRasa) -> None:
    order = _order("socketio")
    rasa.resident_wrote(order.sender_id, "socketio")
    taken = handling.change_status(order.id, "办理中", "li")
    text = notify.status_text(taken)
    assert text == (f"您的工单 {order.number} 已由江州市城市管理局受理，正在办理中。"
                    f"如需查询，可以发送「我的工单 {order.number}」。")
    notice = await _push(rasa, taken, text)
    assert notice["delivered"] is True and notice["reason"] is None
    assert len(rasa.appended) == 1
    sent = rasa.appended[0]
    assert sent.sender_id == order.sender_id
    assert sent.query == {"token": TOKEN, "include_events": "NONE", "output_channel": "latest",
                          "execute_side_effects": "true"}
    assert [(e["event"], e["text"]) for e in sent.events] == [("bot", text)]
    assert sent.events[0]["metadata"] == {"workorder": {"number": order.number, "status": "办理中", "kind": "status"}}
    assert handling.notices(order.id) == [notice]
    assert handling.history(order.id)[-1]["action"] == "notified"


async def test_replies_and_closing_texts(store_db: str, rasa: FakeRasa) -> None:
    order = _order("socketio")
    rasa.resident_wrote(order.sender_id, "socketio")
    handling.change_status(order.id, "办理中", "li")
    answered = handling.add_reply(order.id, "li", "已修好。如仍不亮请拨 13912345678")
    assert notify.reply_text(answered) == (f"您的工单 {order.number} 有新的答复（江州市城市管理局）："
                                           "已修好。如仍不亮请拨 139****5678")
    closed = handling.change_status(order.id, "办结", "li")
    assert notify.status_text(closed) == f"您的工单 {order.number} 已办结。答复：已修好。如仍不亮请拨 139****5678"
    other = _order("socketio", "resident-2")
    returned = handling.change_status(other.id, "退回", "li", reason="该路段属开发区管辖")
    assert notify.status_text(returned) == (f"您的工单 {other.number} 已退回。原因：该路段属开发区管辖。"
                                            "如需继续反映，可以补充情况后重新提交。")
    assert notify.status_text(_order("socketio", "resident-3")) is None  # 受理 is not announced


async def test_a_rest_conversation_gets_nothing_pushed(store_db: str, rasa: FakeRasa) -> None:
    order = _order("rest")
    rasa.resident_wrote(order.sender_id, "rest")
    notice = await _push(rasa, order, "x")
    assert notice["delivered"] is False and "REST" in notice["reason"]
    assert rasa.appended == []
    assert handling.history(order.id)[-1]["action"] == "notice_failed"


async def test_wechat_only_within_48_hours_of_the_residents_last_message(store_db: str, rasa: FakeRasa) -> None:
    late = _order("wechat", "openid-late")
    rasa.resident_wrote(late.sender_id, "wechat", at=time.time() - 49 * HOUR)
    notice = await _push(rasa, late, "x")
    assert notice["delivered"] is False and "48 小时" in notice["reason"]
    assert rasa.appended == []

    recent = _order("wechat", "openid-recent")
    rasa.resident_wrote(recent.sender_id, "wechat", at=time.time() - 47 * HOUR)
    notice = await _push(rasa, recent, "您的工单有新的答复")
    assert notice["delivered"] is True and [a.sender_id for a in rasa.appended] == ["openid-recent"]


async def test_wechat_refusing_the_message_is_recorded(store_db: str, rasa: FakeRasa) -> None:
    order = _order("wechat", "openid-blocked")
    rasa.resident_wrote(order.sender_id, "wechat")

    def wechat_output(appended: Appended) -> None:  # what the WeChat output does when WeChat says no
        wechat_store.record_failure(appended.sender_id, 45015, "response out of time limit or subscription is canceled")

    rasa.on_append = wechat_output
    notice = await _push(rasa, order, "x")
    assert notice["delivered"] is False
    assert notice["reason"].startswith("微信未能送达：response out of time limit") and "45015" in notice["reason"]


async def test_a_conversation_rasa_no_longer_has(store_db: str, rasa: FakeRasa) -> None:
    order = _order("socketio", "forgotten")
    notice = await _push(rasa, order, "x")
    assert notice["delivered"] is False and "找不到居民的会话" in notice["reason"]
    assert rasa.appended == []


async def test_rasa_down_wrong_token_or_failing(store_db: str, rasa: FakeRasa) -> None:
    order = _order("socketio")
    rasa.resident_wrote(order.sender_id, "socketio")
    refused = await _push(rasa, order, "x", token="wrong")
    assert refused["delivered"] is False and "401" in refused["reason"]
    rasa.fail_appends = True
    failed = await _push(rasa, order, "x")
    assert failed["delivered"] is False and "500" in failed["reason"]
    rasa.stop()
    down = await _push(rasa, order, "x")
    assert down["delivered"] is False and "无法连接" in down["reason"]
    assert [n["delivered"] for n in handling.notices(order.id)] == [False, False, False]


def test_last_resident_message_is_read_from_the_tracker() -> None:
    events = [{"event": "user", "timestamp": 100.0}, {"event": "bot", "timestamp": 200.0},
              {"event": "action", "timestamp": 300.0}]
    assert notify.last_resident_at(events) == datetime.fromtimestamp(100.0, tz=timezone.utc)
    assert notify.last_resident_at([{"event": "bot", "timestamp": 1.0}]) is None
    assert notify.last_resident_at([{"event": "user", "timestamp": "garbage"}]) is None
