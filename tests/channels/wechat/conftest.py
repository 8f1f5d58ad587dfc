"""Fixtures for the WeChat channel tests.

* ``wechat_db``: a temporary SQLite database (DATABASE_URL) with all tables created
  (tests/support/database.py);
* ``fake_wechat_api``: a real HTTP server on 127.0.0.1 (tests/support/fake_http.py) that plays
  WeChat's API (stable_token, token, message/custom/send) and can be told to answer with errors;
* ``wechat_server``: starts the channel's real blueprint, registered the way Rasa registers
  input channels, in a real Sanic server on 127.0.0.1 in a background thread
  (tests/support/channel_server.py), with a fake assistant behind ``on_new_message``;
* ``WeChatPeer`` (via ``wechat_server``; tests/support/wechat.py): wechatpy playing WeChat's
  servers, signing and encrypting requests and verifying/decrypting our replies.

Helpers are handed out by fixtures (not imported) so the tests work with any import mode.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import requests

from tests.support.channel_server import SanicThread, serve_channels
from tests.support.database import fresh_database
from tests.support.fake_http import FakeHttpServer, Reply, Request
from tests.support.stack import WECHAT_FAKE_API_PORT, WECHAT_TEST_ENV
from tests.support.wechat import AES_KEY, APPID, TOKEN, WeChatPeer

SECRET = "test-app-secret-do-not-log"


# database -------------------------------------------------------------------
@pytest.fixture
def wechat_db(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite file for this test, without Redis or WeChat settings from the environment."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    with fresh_database(tmp_path / "wechat.db") as url:
        yield url


@pytest.fixture
def db_rows(wechat_db: str) -> Callable[[], Dict[str, int]]:
    """Row counts of the channel's tables, to prove that nothing was stored."""
    from sqlalchemy import func, select

    from bot.channels.wechat.models import AccessToken, DedupKey, DeliveryFailure, OfferedChoices
    from bot.db import session_scope

    def count() -> Dict[str, int]:
        with session_scope() as session:
            return {
                model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (DedupKey, OfferedChoices, AccessToken, DeliveryFailure)
            }

    return count


# fake WeChat API ----------------------------------------------------------------
class FakeWeChatApi(FakeHttpServer):
    """WeChat's API on 127.0.0.1: tokens, 客服 messages, and scripted error answers."""

    name = "fake-wechat-api"

    def __init__(self, port: int = 0, secret: str = SECRET) -> None:
        super().__init__(port)
        self.secret = secret
        self.lock = threading.Condition()
        self.token_calls: List[Dict[str, Any]] = []
        self.send_calls: List[Dict[str, Any]] = []  # every attempt, with the token used
        self.delivered: List[Dict[str, Any]] = []  # messages WeChat accepted
        self.send_script: List[Dict[str, Any]] = []  # answers to the next sends, in order
        self.token_script: List[Dict[str, Any]] = []
        self.stable_missing = False
        self.valid_tokens: set = set()
        self.current: Optional[str] = None
        self.counter = 0

    @property
    def raw_bodies(self) -> List[bytes]:
        """The bytes of every 客服 message request, as sent."""
        return [r.body for r in self.requests if r.path == "/cgi-bin/message/custom/send"]

    def handle(self, request: Request) -> Reply:
        if request.method == "GET" and request.path == "/cgi-bin/token":
            return _wechat_reply(self._token({"endpoint": "token", **request.query}, force=True))
        if request.method == "POST":
            body = request.json()
            if request.path == "/cgi-bin/stable_token" and not self.stable_missing:
                return _wechat_reply(self._token({"endpoint": "stable", **body},
                                                 force=bool(body.get("force_refresh"))))
            if request.path == "/cgi-bin/message/custom/send":
                return _wechat_reply(self._send(request.query.get("access_token", ""), body))
        return Reply(404, "not found", "text/plain")

    def _token(self, call: Dict[str, Any], force: bool) -> Dict[str, Any]:
        with self.lock:
            self.token_calls.append(call)
            if self.token_script:
                return self.token_script.pop(0)
            if call.get("appid") != APPID or call.get("secret") != self.secret:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            if force or self.current is None or self.current not in self.valid_tokens:
                self.counter += 1
                self.current = f"ACCESS_TOKEN_{self.counter}"
                self.valid_tokens = {self.current}
            return {"access_token": self.current, "expires_in": 7200}

    def _send(self, token: str, body: Dict[str, Any]) -> Dict[str, Any]:
        with self.lock:
            self.send_calls.append({"token": token, "body": body})
            if self.send_script:
                answer = self.send_script.pop(0)
            elif token not in self.valid_tokens:
                answer = {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            else:
                answer = {"errcode": 0, "errmsg": "ok"}
            if answer.get("errcode") == 0:
                self.delivered.append(body)
            self.lock.notify_all()
            return answer

    def expire_current(self) -> None:
        """WeChat considers the current token expired (as after 2 h or a refresh elsewhere)."""
        with self.lock:
            self.valid_tokens = set()

    def wait_delivered(self, count: int, timeout: float = 10.0, touser: Optional[str] = None) -> List[Dict[str, Any]]:
        """Messages accepted so far (for ``touser`` if given), waiting until there are ``count``."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [m for m in self.delivered if touser is None or m.get("touser") == touser]
                if len(found) >= count or time.monotonic() >= deadline:
                    return found
                self.lock.wait(timeout=0.05)


def _wechat_reply(payload: Dict[str, Any]) -> Reply:
    """WeChat answers its JSON as text/plain."""
    return Reply(200, json.dumps(payload, ensure_ascii=False), "text/plain")


@pytest.fixture
def fake_wechat_api() -> Iterator[FakeWeChatApi]:
    api = FakeWeChatApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def fake_api_class() -> type:
    return FakeWeChatApi


# the fake assistant --------------------------------------------------------------
@dataclass
class FakeAssistant:
    """Stands in for Rasa's agent behind ``on_new_message``; records every turn."""

    respond: Callable[[Any], List[Dict[str, Any]]] = lambda m: [{"text": f"收到：{m.text}"}]
    delay: float = 0.0
    fail: bool = False
    calls: List[Any] = field(default_factory=list)

    async def handle_message(self, message: Any) -> None:
        self.calls.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("assistant exploded")
        for response in self.respond(message):
            await message.output_channel.send_response(message.sender_id, dict(response))


@pytest.fixture
def assistant_class() -> type:
    return FakeAssistant


@dataclass
class RunningServer:
    url: str
    channel: Any
    assistant: FakeAssistant
    peer: WeChatPeer
    app: Any


@pytest.fixture
def wechat_server(wechat_db: str, fake_wechat_api: FakeWeChatApi) -> Iterator[Callable[..., RunningServer]]:
    """``start(assistant=None, **config)``: the channel in a real Sanic server, Rasa-registered."""
    from bot.channels.wechat.channel import WeChatInput
    from bot.channels.wechat.settings import WeChatConfig

    servers: List[SanicThread] = []

    def start(assistant: Optional[FakeAssistant] = None, **overrides: Any) -> RunningServer:
        config = {"token": TOKEN, "appid": APPID, "secret": SECRET, "aes_key": AES_KEY,
                  "api_base": fake_wechat_api.url, "reply_budget": 4.0}
        config.update(overrides)
        channel = WeChatInput(WeChatConfig(**config))
        assistant = assistant or FakeAssistant()
        server = serve_channels([channel], assistant, name="wechat_test")
        servers.append(server)
        url = f"{server.url}/webhooks/wechat/webhook"
        return RunningServer(url=url, channel=channel, assistant=assistant, peer=WeChatPeer(url), app=server.app)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def peer_class() -> type:
    return WeChatPeer


# the running stack ------------------------------------------------------------
@pytest.fixture(scope="session")
def stack_fake_api() -> Iterator[Any]:
    """The fake WeChat API on the port the running stack (``rasa_stack``) was told to use."""
    api = FakeWeChatApi(port=WECHAT_FAKE_API_PORT, secret=WECHAT_TEST_ENV["WECHAT_SECRET"]).start()
    yield api
    api.stop()


@pytest.fixture
def wechat(rasa_stack, stack_fake_api):  # type: ignore[no-untyped-def]
    """A new WeChat resident (fresh openid) talking to the running stack."""
    peer = WeChatPeer(
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
