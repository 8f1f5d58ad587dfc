"""The REST webhook with the resident-text guard (``/webhooks/rest/webhook``)."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from bot.channels.guard import guard_message

logger = logging.getLogger(__name__)


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
        body = req.json if isinstance(req.json, dict) else {}
        sender = body.get("sender")
        return str(sender)[:128] if sender not in (None, "") else "default"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> Any:
            message.text = guard_message(message.text, message.metadata)
            return await on_new_message(message)

        return super().blueprint(guarded)
