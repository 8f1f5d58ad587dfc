"""End to end through the real Rasa server (``rasa_stack`` from tests/conftest.py).

WeChat's side is played by wechatpy against /webhooks/wechat/webhook (the ``wechat`` fixture of
conftest.py); the fake WeChat API runs where Rasa was told to find it, so answers that miss the
4-second window (and messages Rasa pushes later) are caught there.
"""
from __future__ import annotations

import pytest
import requests


def test_verification_through_rasa(wechat) -> None:  # type: ignore[no-untyped-def]
    response = requests.get(wechat.peer.url, params={**wechat.peer.signed_query(), "echostr": "e2e-echo"}, timeout=10)
    assert response.status_code == 200 and response.text == "e2e-echo"
    forged = {**wechat.peer.signed_query(), "signature": "0" * 40, "echostr": "e2e-echo"}
    assert requests.get(wechat.peer.url, params=forged, timeout=10).status_code == 403


@pytest.mark.parametrize("mode", ["safe", "plain"])
def test_question_answered_with_openid_as_sender(wechat, mode: str) -> None:  # type: ignore[no-untyped-def]
    answer = wechat.text("驾照快到期了咋换", mode)
    assert "机动车驾驶证期满换证" in answer
    (event,) = wechat.user_events()
    assert event["text"] == "驾照快到期了咋换" and event["input_channel"] == "wechat"
    assert event["message_id"] == str(wechat.peer.msg_id)


def test_typed_slash_is_no_intent(wechat) -> None:  # type: ignore[no-untyped-def]
    answer = wechat.text("/request_human")
    assert answer.strip(), "never an empty answer"
    event = wechat.user_events()[-1]
    assert event["text"] == "／request_human"  # what Rasa saw: no "/", so no intent shortcut


def test_location_metadata_reaches_the_tracker(wechat) -> None:  # type: ignore[no-untyped-def]
    xml = wechat.peer.xml("location", openid=wechat.openid, Location_X=30.59, Location_Y=114.31, Scale=15,
                          Label="民主路1号", MsgId=wechat.peer.next_msg_id())
    assert wechat.send(xml).strip()
    event = wechat.user_events()[-1]
    assert event["metadata"]["location"] == {"latitude": 30.59, "longitude": 114.31, "label": "民主路1号"}


def test_rasa_pushes_later_messages_through_kefu(wechat) -> None:  # type: ignore[no-untyped-def]
    wechat.text("你好")  # the conversation's latest input channel is now wechat
    before = len(wechat.api.wait_delivered(0, touser=wechat.openid))
    response = requests.post(
        f"{wechat.stack.rasa_url}/conversations/{wechat.openid}/trigger_intent",
        params={"token": wechat.stack.api_token, "output_channel": "latest"},
        json={"name": "greet"}, timeout=30,
    )
    response.raise_for_status()
    pushed = wechat.api.wait_delivered(before + 1, timeout=30, touser=wechat.openid)[before:]
    assert pushed and pushed[0]["msgtype"] == "text" and pushed[0]["text"]["content"].strip()
