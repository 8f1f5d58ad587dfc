"""The staff's view of a conversation, from Rasa's stored events (masked, buttons readable)."""
from __future__ import annotations

from bot.channels.handoff import is_cancel
from bot.desk.transcript import latest_input_channel, transcript


def test_events_become_resident_bot_and_staff_messages() -> None:
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "user", "text": "我手机 13812345678，身份证 110101199003071234", "timestamp": 2.0,
         "input_channel": "socketio", "parse_data": {"intent": {"name": "request_human"}}},
        {"event": "bot", "text": "已为您转接人工客服", "timestamp": 3.0, "data": {"buttons": [{"title": "满意"}]}},
        {"event": "user", "text": '/inform{"service": "居住证"}', "timestamp": 4.0, "input_channel": "wechat",
         "parse_data": {"intent": {"name": "inform"}}},
        {"event": "bot", "text": "您好，我是工作人员", "timestamp": 5.0, "metadata": {"staff": "张敏"}},
        {"event": "user", "text": "<script>alert(1)</script>", "timestamp": 6.0},
        {"event": "bot", "text": "", "timestamp": 7.0},
    ]
    messages = transcript(events)
    assert [m["from"] for m in messages] == ["resident", "bot", "resident", "staff", "resident"]
    assert messages[0]["text"] == "我手机 138****5678，身份证 110101************"
    assert messages[1]["text"].endswith("［按钮］满意")
    assert messages[2]["text"] == "［点击按钮］inform：居住证"
    assert messages[3]["staff"] == "张敏"
    assert messages[4]["text"] == "<script>alert(1)</script>"  # plain text: the page shows it as text
    assert messages[0]["at"].startswith("1970-01-01T00:00:02")
    assert latest_input_channel(events) == "wechat"


def test_cancel_words_in_any_width_and_punctuation() -> None:
    for text in ("取消", "取消。", " 取消等待！", "不等了", "ＣＡＮＣＥＬ", "算了吧"[:2]):
        assert is_cancel(text), text
    for text in ("取消护照", "我想取消预约", "", None, "不取消"):
        assert not is_cancel(text), text
