"""Guards applied to text typed by residents before it reaches Rasa.

Rasa reads a message starting with "/" as an intent (``/restart``, ``/handoff{...}``), so a
resident could trigger any intent, slot or action by typing it.  Every channel passes the
resident's text through :func:`escape_user_text`; payloads that come from the bot's own
buttons are not escaped because the bot chose them.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, Optional

from bot.intents import button_intents

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
