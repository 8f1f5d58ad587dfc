"""The web chat channel: Rasa's Socket.IO channel with the resident-text guard.

Socket.IO keeps a connection per browser, so the server can push messages at any time
(late answers, and staff replies once the handoff desk exists).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput

from bot.channels.guard import guard_message

logger = logging.getLogger(__name__)


class WebChatInput(SocketIOInput):
    """Served at ``/socket.io``; the page marks button clicks with ``metadata.button``."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        async def guarded(message: UserMessage) -> Any:
            message.text = guard_message(message.text, message.metadata)
            return await on_new_message(message)

        return super().blueprint(guarded)
