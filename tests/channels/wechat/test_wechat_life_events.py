"""A life event's merged checklist over WeChat, through the real Rasa server: one question, several
messages, each within WeChat's length limit, nothing lost or cut mid-line, every material once.
"""
from __future__ import annotations

from collections import Counter

from bot.channels.wechat.render import MAX_TEXT_BYTES


def test_restaurant_checklist_arrives_in_several_messages(wechat) -> None:  # type: ignore[no-untyped-def]
    before = len(wechat.api.wait_delivered(0, touser=wechat.openid))
    first = wechat.text("想开个饭馆要办什么证")
    pushed = [m["text"]["content"] for m in wechat.api.wait_delivered(0, touser=wechat.openid)[before:]]
    messages = pushed if first == "\n".join(pushed) else [first, *pushed]
    assert len(messages) >= 2, messages
    assert all(len(m.encode("utf-8")) <= MAX_TEXT_BYTES for m in messages)
    whole = "\n".join(messages)
    assert "开办餐饮店一件事" in whole and "食品经营许可" in whole and "准备材料" in whole
    material_lines = [line for line in whole.splitlines() if line.startswith(("·", "1", "2", "3", "4", "5", "6", "7"))]
    repeated = [line for line, count in Counter(material_lines).items() if count > 1]
    assert not repeated, f"listed more than once (or a line cut and repeated): {repeated}"
    assert sum("居民身份证（经营者、投资人）" in line for line in material_lines) == 1
    (event,) = [e for e in wechat.user_events() if e["text"] == "想开个饭馆要办什么证"]
    assert event["parse_data"]["intent"]["name"] == "ask_life_event"
