"""Rasa input channel for a WeChat Official Account (公众号), served at /webhooks/wechat/webhook.

Register it in credentials.yml by module path (``bot.channels.wechat.channel.WeChatInput``).
Per request: verify the signature before anything else, cap and safely parse the body
(decrypting in safe mode), claim the message's de-duplication key, then give the assistant
about 4 s.  If it answered, reply passively; otherwise answer ``success`` and push the answer
through the 客服 API when it is ready.  WeChat never sees an error body or JSON.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import SenderRateGuard, escape_user_text
from bot.channels.handoff import deliver
from bot.channels.wechat import repository, texts
from bot.channels.wechat.api import WeChatApiClient
from bot.channels.wechat.crypto import CryptoError, MessageCrypto, check_signature
from bot.channels.wechat.dedup import DatabaseDedupStore, DedupStore, message_key
from bot.channels.wechat.output import CHOICES_MAX_AGE, WeChatOutput, remember_choices
from bot.channels.wechat.render import choose, render_messages, split_text
from bot.channels.wechat.settings import WeChatConfig
from bot.channels.wechat.xmlmsg import XmlError, encrypted_reply, parse_message, text_reply

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
QUIET_EVENTS = {"unsubscribe", "LOCATION", "VIEW", "TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH", "view_miniprogram"}


@dataclass
class Plan:
    """What to do with one inbound message: nothing, an immediate reply, or a Rasa turn."""

    reply: Optional[str] = None
    text: Optional[str] = None
    metadata: Dict[str, Any] = field(default_factory=dict)
    welcome_if_silent: bool = False


def _masked(openid: str) -> str:
    return openid[:6] + "…" if openid else "?"


def _empty(status: int) -> HTTPResponse:
    return HTTPResponse(b"", status=status)


def _success() -> HTTPResponse:
    return HTTPResponse("success", content_type="text/plain; charset=utf-8")


class WeChatInput(InputChannel):
    """Receives messages from WeChat's servers; switched off when no token is configured."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WeChatInput:
        return cls(WeChatConfig.load(credentials))

    def __init__(self, config: Optional[WeChatConfig] = None, dedup: Optional[DedupStore] = None) -> None:
        self.config = config or WeChatConfig.load(None)
        self.crypto: Optional[MessageCrypto] = None
        self.api: Optional[WeChatApiClient] = None
        self.dedup: Optional[DedupStore] = None
        self.rate: Optional[SenderRateGuard] = None
        self._tasks: Set[asyncio.Task[Any]] = set()
        if not self.config.enabled:
            logger.info("WeChat channel is off: WECHAT_TOKEN is not set")
            return
        if self.config.aes_key:
            self.crypto = MessageCrypto(self.config.token, self.config.aes_key, self.config.appid)
        if self.config.appid and self.config.secret:
            self.api = WeChatApiClient(
                self.config.appid, self.config.secret, self.config.api_base, token_endpoint=self.config.token_endpoint
            )
        else:
            logger.warning("WeChat channel: no WECHAT_APPID/WECHAT_SECRET, late answers cannot be pushed")
        self.dedup = dedup or DatabaseDedupStore(self.config.dedup_ttl)
        self.rate = SenderRateGuard()
        logger.info(
            "WeChat channel on (appid=%s, safe mode %s, api %s)",
            self.config.appid or "-", "available" if self.crypto else "off", self.config.api_base,
        )

    def get_output_channel(self) -> Optional[WeChatOutput]:
        return WeChatOutput(self.api) if self.config.enabled else None

    # HTTP -------------------------------------------------------------------
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.config.enabled:
                return _empty(404)
            args = request.args
            if not self._signed(args.get("signature"), args.get("timestamp"), args.get("nonce")):
                logger.warning("wechat verification with a bad signature from %s", request.ip)
                return _empty(403)
            return HTTPResponse(args.get("echostr", ""), content_type="text/plain; charset=utf-8")

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.config.enabled:
                return _empty(404)
            try:
                return await self._receive(request, on_new_message)
            except Exception:  # WeChat must never see a 500 or a trace
                logger.exception("wechat message could not be handled")
                return _success()

        return bp

    def _signed(self, signature: Optional[str], timestamp: Optional[str], nonce: Optional[str]) -> bool:
        if not check_signature(self.config.token, signature, timestamp, nonce):
            return False
        if self.config.replay_window > 0:
            try:
                return abs(time.time() - int(timestamp or "")) <= self.config.replay_window
            except ValueError:
                return False
        return True

    def _read(self, body: bytes, args: Any) -> Dict[str, str]:
        """The message fields, decrypted in safe/compatible mode; XmlError / CryptoError otherwise."""
        outer = parse_message(body, self.config.max_body_bytes)
        if args.get("encrypt_type", "raw") != "aes":
            return outer
        if self.crypto is None:
            raise CryptoError("safe mode message but no EncodingAESKey configured")
        encrypt = outer.get("Encrypt", "")
        if not encrypt:
            raise CryptoError("safe mode message without Encrypt")
        inner = self.crypto.decrypt_message(
            encrypt, args.get("msg_signature"), args.get("timestamp", ""), args.get("nonce", "")
        )
        return parse_message(inner, self.config.max_body_bytes)

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        started = time.monotonic()
        args = request.args
        if not self._signed(args.get("signature"), args.get("timestamp"), args.get("nonce")):
            logger.warning("wechat POST with a bad signature or timestamp from %s", request.ip)
            return _empty(403)
        body = request.body or b""
        if len(body) > self.config.max_body_bytes:
            logger.warning("wechat POST body of %s bytes refused", len(body))
            return _empty(413)
        try:
            message = self._read(body, args)
        except (XmlError, CryptoError) as exc:
            logger.warning("wechat POST refused: %s", exc)
            return _empty(400)
        openid, account = message.get("FromUserName", ""), message.get("ToUserName", "")
        if not openid or not account:
            logger.warning("wechat POST without FromUserName/ToUserName")
            return _empty(400)

        key = message_key(message)
        if key and self.dedup is not None:
            try:
                first = await self.dedup.claim(key)
            except Exception:  # store down: answering twice is better than never
                logger.exception("wechat de-duplication store unavailable")
                first = True
            if not first:
                logger.info("wechat retry/duplicate of a message from %s ignored", _masked(openid))
                return _success()

        plan = await self._plan(message, openid)
        if plan.text is not None:
            reply = await self._turn(on_new_message, plan, message, openid, started)
        else:
            reply = plan.reply
        if not reply:
            return _success()
        return self._passive(reply, openid, account, args)

    def _passive(self, content: str, openid: str, account: str, args: Any) -> HTTPResponse:
        xml = text_reply(openid, account, content, int(time.time()))
        if args.get("encrypt_type", "raw") == "aes" and self.crypto is not None:
            timestamp, nonce = str(int(time.time())), args.get("nonce", "")
            encrypt, signature = self.crypto.encrypt_reply(xml, timestamp, nonce)
            xml = encrypted_reply(encrypt, signature, timestamp, nonce)
        return HTTPResponse(xml, content_type="application/xml; charset=utf-8")

    # message types ----------------------------------------------------------
    async def _plan(self, message: Dict[str, str], openid: str) -> Plan:
        msg_type = message.get("MsgType", "").strip()
        meta: Dict[str, Any] = {"wechat": {"msg_type": msg_type, "account": message.get("ToUserName", "")}}
        if msg_type == "text":
            content = message.get("Content", "").strip()
            if not content:
                return Plan()
            offered = await self._load_choices(openid)
            picked = choose(content, offered)
            if picked is not None:  # the payload of a button the bot offered: may be a /command
                meta["wechat"]["choice"] = picked.get("title", "")
                return Plan(text=picked["payload"], metadata=meta)
            return Plan(text=escape_user_text(content), metadata=meta)
        if msg_type == "voice":
            recognised = message.get("Recognition", "").strip()
            if not recognised:
                return Plan(reply=texts.voice_not_recognised())
            meta["wechat"]["voice"] = True
            return Plan(text=escape_user_text(recognised), metadata=meta)
        if msg_type == "location":
            try:
                latitude, longitude = float(message["Location_X"]), float(message["Location_Y"])
            except (KeyError, ValueError):
                return Plan(reply=texts.unsupported("location"))
            label = message.get("Label", "").strip()
            meta["location"] = {"latitude": latitude, "longitude": longitude, "label": label}
            return Plan(text=self.config.location_text, metadata=meta)
        if msg_type == "event":
            return self._plan_event(message, meta)
        return Plan(reply=texts.unsupported(msg_type))

    def _plan_event(self, message: Dict[str, str], meta: Dict[str, Any]) -> Plan:
        event = message.get("Event", "").strip()
        event_key = message.get("EventKey", "").strip()
        meta["wechat"]["event"] = event
        if event in ("subscribe", "SCAN"):
            scene = event_key[len("qrscene_"):] if event_key.startswith("qrscene_") else event_key
            if scene:
                meta["wechat"]["scene"] = scene
            return Plan(text=self.config.subscribe_text, metadata=meta, welcome_if_silent=True)
        if event == "CLICK" and event_key:  # the key of a menu item the operator configured
            return Plan(text=event_key, metadata=meta)
        if event not in QUIET_EVENTS:
            logger.debug("wechat event %s ignored", event[:40])
        else:
            logger.info("wechat event %s", event)
        return Plan()

    async def _load_choices(self, openid: str) -> List[Dict[str, str]]:
        try:
            return await asyncio.to_thread(repository.load_choices, openid, CHOICES_MAX_AGE)
        except Exception:
            logger.exception("could not read the choices offered in wechat")
            return []

    # the conversation turn --------------------------------------------------
    async def _turn(
        self, on_new_message: OnNewMessage, plan: Plan, message: Dict[str, str], openid: str, started: float
    ) -> Optional[str]:
        """Run the turn; the passive reply text if it fits the budget, else None (pushed later)."""
        collector = CollectingOutputChannel()
        user_message = UserMessage(
            text=plan.text,
            output_channel=collector,
            sender_id=openid,
            input_channel=self.name(),
            message_id=message.get("MsgId") or message_key(message),
            metadata=plan.metadata,
        )
        task = asyncio.create_task(self._guarded(on_new_message, user_message))
        self._keep(task)
        remaining = self.config.reply_budget - (time.monotonic() - started)
        try:
            done, _ = await asyncio.wait({task}, timeout=max(0.0, remaining))
        except asyncio.CancelledError:  # the request went away (WeChat gave up): still deliver
            self._keep(asyncio.create_task(self._push_when_done(task, collector, openid, plan)))
            raise
        if task not in done:
            logger.info("wechat answer for %s is late; it will be pushed via 客服", _masked(openid))
            self._keep(asyncio.create_task(self._push_when_done(task, collector, openid, plan)))
            return None
        messages = collector.messages if task.result() else [{"text": texts.sorry()}]
        text, choices = render_messages(messages)
        await remember_choices(openid, choices)
        if not text and plan.welcome_if_silent:
            text = texts.welcome()
        chunks = split_text(text)
        if len(chunks) <= 1:
            return chunks[0] if chunks else None
        self._keep(asyncio.create_task(WeChatOutput(self.api).send_plain(openid, text)))
        return None

    async def _guarded(self, on_new_message: OnNewMessage, user_message: UserMessage) -> bool:
        try:
            if self.rate is not None and not await self.rate.admit(user_message):
                return True  # too many too fast: the collector holds the notice, sent as the reply
            await deliver(user_message, on_new_message)
            return True
        except Exception:
            logger.exception("the assistant failed on a wechat message")
            return False

    async def _push_when_done(
        self, task: asyncio.Task[bool], collector: CollectingOutputChannel, openid: str, plan: Plan
    ) -> None:
        ok = await task
        messages = collector.messages if ok else [{"text": texts.sorry()}]
        if not messages and plan.welcome_if_silent:
            messages = [{"text": texts.welcome()}]
        if messages:
            await WeChatOutput(self.api).deliver(openid, messages, forget_choices=True)

    def _keep(self, task: asyncio.Task[Any]) -> None:
        """Hold a reference so background tasks are not garbage-collected mid-flight."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
