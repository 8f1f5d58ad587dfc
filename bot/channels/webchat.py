"""The web chat channel: Rasa's Socket.IO channel with the resident-text guard.

Socket.IO keeps a connection per browser, so the server can push messages at any time
(late answers, staff replies, work-order updates). With several Rasa replicas (``REDIS_URL`` set)
the browser's socket lives on one of them while a push may be sent by any: python-socketio's
Redis client manager then carries every emit to the replica that holds the socket.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from socketio import AsyncRedisManager, AsyncServer  # type: ignore[import-untyped]

from bot.channels.guard import SenderRateGuard, guard_message
from bot.channels.handoff import deliver
from bot.config import get_settings

logger = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REDIS_CHANNEL = "assistant-webchat"  # the pub/sub channel every replica's client manager listens on


def share_sockets_through_redis(sio: AsyncServer, redis_url: str) -> AsyncRedisManager:
    """Give Rasa's Socket.IO server (created without a client manager) python-socketio's Redis
    manager: an emit to a session's room on any replica reaches the replica where the browser is
    connected. Done before the server takes its first connection, which is when the manager starts
    listening; a replica with no connection of its own still publishes."""
    manager = AsyncRedisManager(redis_url, channel=REDIS_CHANNEL)
    manager.set_server(sio)
    sio.manager = manager
    sio.manager_initialized = False
    return manager


class WebChatOutput(SocketIOOutput):
    """Rasa's Socket.IO output; a staff member's message carries ``"from": "staff"`` for the page.

    The desk appends staff replies as ``BotUttered`` with ``metadata.staff``; Rasa passes the
    metadata on as keyword arguments, which the stock output drops.
    """

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if not kwargs.get("staff"):
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "from": "staff"})


class WebChatInput(SocketIOInput):
    """Served at ``/socket.io``; the page marks button clicks with ``metadata.button``."""

    def get_output_channel(self) -> Optional[WebChatOutput]:
        """Used by Rasa's HTTP API (``output_channel=latest``) to push desk messages."""
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        rate = SenderRateGuard()

        async def guarded(message: UserMessage) -> Any:
            if not await rate.admit(message):  # too many too fast: told so, no turn
                return None
            message.text = guard_message(message.text, message.metadata)
            return await deliver(message, on_new_message)

        blueprint = super().blueprint(guarded)
        sio = self.sio
        redis_url = get_settings().redis_url
        if redis_url:
            share_sockets_through_redis(sio, redis_url)
            logger.info("web chat: pushes reach every replica's sockets through redis")

        # Rasa 3.6 calls python-socketio's enter_room without awaiting it (a coroutine since
        # python-socketio 5.x), so the browser never joined its session's room and no bot message
        # reached it. This handler replaces Rasa's and also refuses client-chosen odd session ids.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[Dict[str, Any]]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if isinstance(requested, str) and _SESSION_ID.match(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        return blueprint
