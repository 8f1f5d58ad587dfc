"""End to end through the real Rasa server (``rasa_stack`` from tests/conftest.py).

WeChat's side is played by wechatpy against /webhooks/wechat/webhook; the fake WeChat API runs
on ``WECHAT_FAKE_API_PORT``, where Rasa was told to find it, so answers that miss the 4-second
window (and messages Rasa pushes later) are caught there.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
import requests

from tests.support.stack import WECHAT_FAKE_API_PORT, WECHAT_TEST_ENV


@pytest.fixture(scope="module")
def stack_fake_api(fake_api_class: type) -> Iterator[Any]:
    api = fake_api_class(port=WECHAT_FAKE_API_PORT, secret=WECHAT_TEST_ENV["WECHAT_SECRET"]).start()
    yield api
    api.stop()


@pytest.fixture
def wechat(rasa_stack, stack_fake_api, peer_class):  # type: ignore[no-untyped-def]
    peer = peer_class(
        f"{rasa_stack.rasa_url}/webhooks/wechat/webhook",
        token=WECHAT_TEST_ENV["WECHAT_TOKEN"],
        appid=WECHAT_TEST_ENV["WECHAT_APPID"],
        aes_key=WECHAT_TEST_ENV["WECHAT_AES_KEY"],
    )
    return Resident(peer, stack_fake_api, rasa_stack)


class Resident:
    """One WeChat user: sends through the webhook, reads the passive reply or the 客服 push."""

    def __init__(self, peer: Any, api: Any, stack: Any) -> None:
        self.peer = peer
        self.api = api
        self.stack = stack
        self.openid = "o" + uuid.uuid4().hex[:27]

    def send(self, xml: str, mode: str = "safe") -> str:
        already = len(self.api.wait_delivered(0, touser=self.openid))
        query, body = self.peer.request(xml, mode)
        started = time.monotonic()
        response = self.peer.post_raw(query, body, timeout=30)
        assert time.monotonic() - started < 5.0, "WeChat gives up after 5 seconds"
        assert response.status_code == 200
        if response.text != "success":
            reply = self.peer.reply(response, mode, query["nonce"])
            assert reply.target == self.openid
            return reply.content
        pushed = self.api.wait_delivered(already + 1, timeout=60, touser=self.openid)[already:]
        assert pushed, "neither a passive reply nor a 客服 message"
        time.sleep(1.0)  # the rest of a multi-part answer
        return "\n".join(m["text"]["content"] for m in self.api.wait_delivered(0, touser=self.openid)[already:])

    def text(self, content: str, mode: str = "safe") -> str:
        return self.send(self.peer.text(content, openid=self.openid), mode)

    def tracker(self) -> Dict[str, Any]:
        response = requests.get(
            f"{self.stack.rasa_url}/conversations/{self.openid}/tracker",
            params={"token": self.stack.api_token}, timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def user_events(self) -> List[Dict[str, Any]]:
        return [e for e in self.tracker()["events"] if e.get("event") == "user"]


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
