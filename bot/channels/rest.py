"""The REST webhook with the resident-text guard (``/webhooks/rest/webhook``)."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import SenderRateGuard, guard_message
from bot.channels.handoff import deliver

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


class GuardedRestInput(RestInput):
    """Rasa's REST channel, but typed slashes never become intents and metadata is kept."""

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def _extract_message(self, req: Request) -> Optional[str]:
        body = req.json if isinstance(req.json, dict) else {}
        message = body.get("message")
        if isinstance(message, bool) or not isinstance(message, (str, int, float)):
            return ""  # not text: the bot asks for words
        return str(message)

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    async def _extract_sender(self, req: Request) -> Optional[str]:
        return str(req.json["sender"])  # checked by the blueprint's middleware

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rate = SenderRateGuard()

        async def guarded(message: UserMessage) -> Any:
            if not await rate.admit(message):  # too many too fast: told so, no turn
                return None
            message.text = guard_message(message.text, message.metadata)
            return await deliver(message, on_new_message)

        blueprint = super().blueprint(guarded)

        @blueprint.middleware("request")
        async def refuse_bodies_without_a_conversation(request: Request) -> Optional[HTTPResponse]:
            """Without a usable sender every bad request would share one conversation ("default")."""
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            problem = body_problem(request.json)
            return response.json({"error": problem}, status=400) if problem else None

        return blueprint


def body_problem(body: Any) -> Optional[str]:
    """Why a webhook body cannot be a resident's message, or None when it can."""
    if not isinstance(body, dict):
        return '请求体应为 JSON 对象：{"sender": "会话编号", "message": "文字"}'
    sender = body.get("sender")
    if isinstance(sender, bool) or not isinstance(sender, (str, int)) or str(sender).strip() == "":
        return "缺少 sender（会话编号，字符串）"
    if len(str(sender)) > MAX_SENDER_CHARS:
        return f"sender 超过 {MAX_SENDER_CHARS} 个字符"
    return None
