"""Shared helpers for actions: reading the tracker, settings, button payloads.

Actions never resolve the service themselves: the NLU's ``registry`` verdict says which item a
message is about (bot/nlu/registry_entities.py). Registry rows are read per turn inside one
session in a worker thread, so no ORM object is shared between threads.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, Optional

from rasa_sdk import Tracker

from bot.config import Settings, get_settings

logger = logging.getLogger(__name__)

DISTRICTS_ANY = "不限"


def settings() -> Settings:
    return get_settings()


def hotline() -> str:
    return get_settings().hotline


def latest_text(tracker: Tracker) -> str:
    """The normalised text of the latest user message (what NLU saw)."""
    return (tracker.latest_message or {}).get("text") or ""


def typed_text(tracker: Tracker) -> str:
    """The latest user message as the resident typed it (before normalisation and its length cap):
    what a work order or a note must keep word for word."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return str(event.get("text") or "")
    return latest_text(tracker)


def latest_intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def registry_verdict(tracker: Tracker) -> Dict[str, Any]:
    """The resolver's verdict on the latest message (outcome, candidates, department)."""
    verdict = (tracker.latest_message or {}).get("registry")
    return verdict if isinstance(verdict, dict) else {"outcome": "none", "candidates": []}


def slot_set_this_turn(tracker: Tracker, slot: str) -> bool:
    """Whether the latest user message changed ``slot`` (its value before differs from now)."""
    events = list(tracker.events or [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    if last_user < 0:
        return False
    now = [e for e in events[last_user + 1:] if e.get("event") == "slot" and e.get("name") == slot]
    if not now:
        return False
    return slot_before_this_turn(tracker, slot) != now[-1].get("value")


def slot_before_this_turn(tracker: Tracker, slot: str) -> Any:
    """The value ``slot`` had before the latest user message (what that message may have replaced)."""
    events = list(tracker.events or [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    before = [e for e in events[:max(last_user, 0)] if e.get("event") == "slot" and e.get("name") == slot]
    return before[-1].get("value") if before else None


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


def payload(intent: str, **entities: str) -> str:
    """A button payload; the channels only let such payloads through from button clicks."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def _contact(name: str) -> Optional[Dict[str, str]]:
    from bot.registry.live import live_registry

    item = live_registry().snapshot().items.get(name)
    if item is None:
        return None
    return {"name": item.name, "agency": item.agency, "consult_phone": item.consult_phone,
            "complaint_phone": item.complaint_phone}


async def item_contact(tracker: Tracker) -> Optional[Dict[str, str]]:
    """Name, department and phones of the item the conversation is about (plain data)."""
    name = tracker.get_slot("service")
    return await asyncio.to_thread(_contact, name) if name else None
