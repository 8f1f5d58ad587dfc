"""The bot's intents, read from ``domain.yml``: the one home of the list.

Channels use it to decide which button payloads a client may send; nothing else keeps a copy.
"""
from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet

import yaml

from bot.config import PROJECT_ROOT

# Intents a bot button never carries even though the domain has them: the resident says these.
NOT_FOR_BUTTONS = frozenset({"greet", "goodbye", "thanks", "chitchat", "out_of_scope", "complain", "bot_capabilities"})


@lru_cache(maxsize=1)
def domain_intents() -> FrozenSet[str]:
    data = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    return frozenset(i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or [])


def button_intents() -> FrozenSet[str]:
    """Intents the bot's own buttons carry (never Rasa's restart, session_start, back …)."""
    return domain_intents() - NOT_FOR_BUTTONS
