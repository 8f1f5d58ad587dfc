"""Guards applied to residents' messages before they reach Rasa: what the text may do, and how often.

Rasa reads a message starting with "/" as an intent (``/restart``, ``/handoff{...}``), so a
resident could trigger any intent, slot or action by typing it.  Every channel passes the
resident's text through :func:`escape_user_text`; payloads that come from the bot's own
buttons are not escaped because the bot chose them. Every channel also admits each message
through its :class:`SenderRateGuard` (a token bucket per sender).
"""
from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any, Dict, Optional

from bot.channels.ratelimit import RateLimiter, make_rate_limiter
from bot.intents import button_intents

if TYPE_CHECKING:
    from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

FULLWIDTH_SLASH = "\uff0f"  # "／", reads the same for a person, is no command for Rasa


def escape_user_text(text: str) -> str:
    """Return ``text`` with a leading slash (after whitespace) neutralised."""
    if not text:
        return text
    stripped = text.lstrip()
    if stripped.startswith("/"):
        return FULLWIDTH_SLASH + stripped[1:]
    return text


# Intents a bot button may carry come from domain.yml (bot/intents.py); Rasa's own
# ("restart", "session_start", "back", ...) are not in it, so never.
BUTTON_INTENTS = button_intents()
MAX_MESSAGE_CHARS = 10_000
_BUTTON_RE = re.compile(r"^/([a-z_]{1,40})(\{.*\})?$", re.DOTALL)


def is_allowed_button(text: str) -> bool:
    """A payload of one of the bot's own buttons: a known intent with a JSON object of entities."""
    match = _BUTTON_RE.match(text.strip())
    if not match or match.group(1) not in BUTTON_INTENTS:
        return False
    if match.group(2):
        try:
            entities = json.loads(match.group(2))
        except ValueError:
            return False
        return isinstance(entities, dict) and all(isinstance(v, str) and len(v) <= 100 for v in entities.values())
    return True


def guard_message(text: Any, metadata: Optional[Dict[str, Any]]) -> str:
    """The text Rasa should see for a message a channel received.

    ``None`` becomes empty (the bot then asks for words), other non-text its ``str()``, very long
    text is cut, and a leading
    slash is escaped unless the client marked the message as a button click *and* the payload
    is one the bot could have offered.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_MESSAGE_CHARS]
    if isinstance(metadata, dict) and metadata.get("button") is True and is_allowed_button(text):
        return text.strip()
    return escape_user_text(text)


TOO_FAST = "您发送得太快了，请稍等几秒再试。"


class SenderRateGuard:
    """Per-sender rate limit of one channel: a flood from one sender gets :data:`TOO_FAST` instead
    of a turn, everyone else is unaffected. Each channel instance holds one (Rasa makes one per
    channel per process); the buckets are in memory, or in Redis when ``REDIS_URL`` is set."""

    def __init__(self, limiter: Optional[RateLimiter] = None) -> None:
        self.limiter = limiter or make_rate_limiter()

    async def admit(self, message: UserMessage) -> bool:
        """True: hand the message on. False: refused, and the sender was told in their channel."""
        key = f"{message.input_channel or '?'}:{message.sender_id or ''}"
        try:
            allowed = await self.limiter.allow(key)
        except Exception:  # the limiter's store is down: answering beats refusing everyone
            logger.exception("rate limiter unavailable: the message is let through")
            return True
        if allowed:
            return True
        logger.warning("rate limit: a message from %s on %s refused", (message.sender_id or "?")[:6] + "…",
                       message.input_channel)
        if message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, TOO_FAST)
        return False
