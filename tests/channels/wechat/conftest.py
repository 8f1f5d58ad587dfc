"""Fixtures for the WeChat channel tests.

* ``wechat_db``: a temporary SQLite database (DATABASE_URL) with all tables created;
* ``fake_wechat_api``: a real HTTP server on 127.0.0.1 that plays WeChat's API
  (stable_token, token, message/custom/send) and can be told to answer with errors;
* ``wechat_server``: starts the channel's real blueprint, registered the way Rasa registers
  input channels, in a real Sanic server on 127.0.0.1 in a background thread, with a fake
  assistant behind ``on_new_message``;
* ``WeChatPeer`` (via ``wechat_server``): wechatpy playing WeChat's servers, signing and
  encrypting requests and verifying/decrypting our replies.

Helpers are handed out by fixtures (not imported) so the tests work with any import mode.
"""
from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import xmltodict
from wechatpy import parse_message as wechatpy_parse
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

TOKEN = "test-token"
APPID = "wx0123456789abcdef"
SECRET = "test-app-secret-do-not-log"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"  # the Official Account's original id (inbound ToUserName)
OPENID = "oRESIDENT0000000000000000001"


# database -------------------------------------------------------------------
@pytest.fixture
def wechat_db(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite file for this test; settings cache cleared before and after."""
    from bot.config import get_settings
    from bot.db import create_all

    url = f"sqlite:///{tmp_path / 'wechat.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    create_all()
    yield url
    get_settings.cache_clear()


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
class FakeWeChatApi:
    """WeChat's API on 127.0.0.1: tokens, 客服 messages, and scripted error answers."""

    def __init__(self, port: int = 0, secret: str = SECRET) -> None:
        self.secret = secret
        self.lock = threading.Condition()
        self.token_calls: List[Dict[str, Any]] = []
        self.send_calls: List[Dict[str, Any]] = []  # every attempt, with the token used
        self.delivered: List[Dict[str, Any]] = []  # messages WeChat accepted
        self.raw_bodies: List[bytes] = []
        self.send_script: List[Dict[str, Any]] = []  # answers to the next sends, in order
        self.token_script: List[Dict[str, Any]] = []
        self.stable_missing = False
        self.valid_tokens: set = set()
        self.current: Optional[str] = None
        self.counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _answer(self, status: int, payload: Optional[Dict[str, Any]]) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8") if payload is not None else b"not found"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cgi-bin/token":
                    self._answer(200, fake._token({"endpoint": "token", **query}, force=True))
                else:
                    self._answer(404, None)

            def do_POST(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw.decode("utf-8") or "{}")
                if url.path == "/cgi-bin/stable_token" and not fake.stable_missing:
                    self._answer(200, fake._token({"endpoint": "stable", **body},
                                                  force=bool(body.get("force_refresh"))))
                elif url.path == "/cgi-bin/message/custom/send":
                    self._answer(200, fake._send(query.get("access_token", ""), body, raw))
                else:
                    self._answer(404, None)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

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

    def _send(self, token: str, body: Dict[str, Any], raw: bytes) -> Dict[str, Any]:
        with self.lock:
            self.send_calls.append({"token": token, "body": body})
            self.raw_bodies.append(raw)
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

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_wechat_api() -> Iterator[FakeWeChatApi]:
    api = FakeWeChatApi()
    yield api
    api.close()


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


# WeChat's side of the protocol, played by wechatpy ---------------------------------------
class WeChatPeer:
    """Builds the requests WeChat's servers send and checks our answers like WeChat does."""

    def __init__(self, url: str, token: str = TOKEN, appid: str = APPID, aes_key: str = AES_KEY) -> None:
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid)
        # MsgIds are unique per account: start each peer somewhere else so that peers in one
        # session (sharing one database) never replay each other's messages
        self.msg_id = random.randrange(10**16, 9 * 10**16)

    def next_msg_id(self) -> str:
        self.msg_id += 1
        return str(self.msg_id)

    @staticmethod
    def xml(msg_type: str, openid: str = OPENID, **fields: Any) -> str:
        parts = [
            f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
            f"<CreateTime>{fields.pop('CreateTime', int(time.time()))}</CreateTime>",
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
        ]
        for name, value in fields.items():
            parts.append(f"<{name}>{value}</{name}>" if isinstance(value, (int, float))
                         else f"<{name}><![CDATA[{value}]]></{name}>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, content: str, openid: str = OPENID, msg_id: Optional[str] = None) -> str:
        return self.xml("text", openid, Content=content, MsgId=msg_id or self.next_msg_id())

    def signed_query(self, timestamp: Optional[int] = None, nonce: Optional[str] = None) -> Dict[str, str]:
        timestamp_s = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp_s, nonce)
        return {"signature": signer.signature, "timestamp": timestamp_s, "nonce": nonce, "openid": OPENID}

    def request(self, xml: str, mode: str = "plain", **query_overrides: Any) -> Tuple[Dict[str, str], bytes]:
        """(query, body) for ``xml`` in plain, safe ("aes") or compatible mode."""
        query = self.signed_query()
        if mode == "plain":
            body = xml.encode("utf-8")
        else:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            encrypt = f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt>"
            if mode == "safe":
                body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>{encrypt}</xml>".encode()
            else:  # compatible mode: plaintext fields and the ciphertext side by side
                body = (xml[: -len("</xml>")] + encrypt + "</xml>").encode("utf-8")
        query.update(query_overrides)
        return query, body

    def post(self, xml: str, mode: str = "plain", timeout: float = 10.0, **query_overrides: Any) -> requests.Response:
        query, body = self.request(xml, mode, **query_overrides)
        return self.post_raw(query, body, timeout)

    def post_raw(self, query: Dict[str, str], body: bytes, timeout: float = 10.0) -> requests.Response:
        return requests.post(self.url, params=query, data=body, timeout=timeout, headers={"Content-Type": "text/xml"})

    def reply(self, response: requests.Response, mode: str = "plain", nonce: Optional[str] = None) -> Any:
        """Our passive reply parsed by wechatpy (decrypted and signature-checked in safe mode)."""
        assert response.status_code == 200, response.status_code
        xml = response.content.decode("utf-8")
        if mode != "plain":
            envelope = xmltodict.parse(xml)["xml"]
            if nonce is not None:
                assert envelope["Nonce"] == nonce
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return wechatpy_parse(xml)


@dataclass
class RunningServer:
    url: str
    channel: Any
    assistant: FakeAssistant
    peer: WeChatPeer
    app: Any


class _ServerThread:
    """A Sanic app served by its own event loop in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.error: Optional[BaseException] = None
        self.server: Any = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = self.loop.run_until_complete(
                self.app.create_server(sock=self.sock, return_asyncio_server=True, access_log=False)
            )
            self.loop.run_until_complete(self.server.startup())
            self.loop.run_until_complete(self.server.before_start())
            self.loop.run_until_complete(self.server.after_start())
        except BaseException as exc:  # surfaced to the test by start()
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(20)
        if self.error:
            raise self.error

    def stop(self) -> None:
        async def shutdown() -> None:
            self.server.close()
            await self.server.wait_closed()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.server is not None:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def wechat_server(wechat_db: str, fake_wechat_api: FakeWeChatApi) -> Iterator[Callable[..., RunningServer]]:
    """``start(assistant=None, **config)``: the channel in a real Sanic server, Rasa-registered."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    from bot.channels.wechat.channel import WeChatInput
    from bot.channels.wechat.settings import WeChatConfig

    # Sanic 21.12 rewrites Http.send on every app start ("touchup"); starting a second app in
    # one process fails unless test mode keeps the original method around.  Left on for the
    # rest of the session on purpose: switching it back would break the next app started.
    Sanic.test_mode = True
    threads: List[_ServerThread] = []

    def start(assistant: Optional[FakeAssistant] = None, **overrides: Any) -> RunningServer:
        config = {"token": TOKEN, "appid": APPID, "secret": SECRET, "aes_key": AES_KEY,
                  "api_base": fake_wechat_api.base, "reply_budget": 4.0}
        config.update(overrides)
        channel = WeChatInput(WeChatConfig(**config))
        assistant = assistant or FakeAssistant()
        app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
        app.ctx.agent = assistant  # rasa's register() hands messages to app.ctx.agent.handle_message
        register([channel], app, route="/webhooks/")
        thread = _ServerThread(app)
        thread.start()
        threads.append(thread)
        url = f"http://127.0.0.1:{thread.port}/webhooks/wechat/webhook"
        return RunningServer(url=url, channel=channel, assistant=assistant, peer=WeChatPeer(url), app=app)

    yield start
    for thread in threads:
        thread.stop()


@pytest.fixture(scope="session")
def peer_class() -> type:
    return WeChatPeer
