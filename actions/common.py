"""Shared helpers for actions: registry access off the event loop, tracker reading."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker

from bot.config import get_settings
from bot.db import session_scope
from bot.registry.matcher import CachedMatcher, ServiceMatcher
from bot.registry.models import ServiceItem
from bot.registry.repository import RegistryRepository

logger = logging.getLogger(__name__)

DISTRICTS_ANY = "不限"
SERVICE_INTENTS = {
    "ask_service_guide", "ask_materials", "ask_time_limit", "ask_fee", "ask_online", "ask_where", "inform",
}


def _fingerprint() -> str:
    with session_scope() as session:
        return RegistryRepository(session).fingerprint()


def _items() -> List[ServiceItem]:
    with session_scope() as session:
        return RegistryRepository(session).items()


_MATCHER = CachedMatcher(_fingerprint, _items)


async def registry() -> Tuple[ServiceMatcher, Dict[str, ServiceItem]]:
    """The matcher and items by name; the database is only read when the registry changed."""
    return await asyncio.to_thread(_MATCHER.get)


async def current_item(tracker: Tracker) -> Optional[ServiceItem]:
    name = tracker.get_slot("service")
    if not name:
        return None
    _, items = await registry()
    return items.get(name)


async def districts() -> List[str]:
    def load() -> List[str]:
        with session_scope() as session:
            return RegistryRepository(session).districts()

    return await asyncio.to_thread(load)


def latest_text(tracker: Tracker) -> str:
    """The normalised text of the latest user message (what NLU saw)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(e.get("value")) for e in (tracker.latest_message or {}).get("entities", [])
            if e.get("entity") == entity and e.get("value")]


def latest_metadata(tracker: Tracker) -> Dict[str, Any]:
    """Metadata the channel attached to the latest user message (e.g. a WeChat location)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def trailing_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events or []):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "nlu_fallback":
            count += 1
        else:
            break
    return count


def hotline() -> str:
    return get_settings().hotline


def payload(intent: str, **entities: str) -> str:
    """A button payload; the channels only let such payloads through from button clicks."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"
