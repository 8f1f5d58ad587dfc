"""Trackers built from small fixtures, and a runner that returns what the action said and did."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN: Dict[str, Any] = {
    "slots": {
        name: {"type": "text", "mappings": [{"type": "from_entity", "entity": name}]}
        for name in ("service", "situation", "district")
    } | {
        name: {"type": "float", "mappings": [{"type": "custom"}]} for name in ("latitude", "longitude")
    } | {
        "aspect": {"type": "categorical", "mappings": [{"type": "from_intent", "intent": "ask_fee", "value": "fee"}]},
    },
}


def verdict(text: str) -> Dict[str, Any]:
    """What the NLU's RegistryEntities component puts in the parse data for ``text``: the same
    live resolver over the same test database, so action tests see real verdicts."""
    from bot.registry.live import live_registry

    return live_registry().resolver().resolve(text).as_dict()


def make_tracker(text: str = "", intent: str = "ask_service_guide", entities: Optional[List[Dict[str, Any]]] = None,
                 slots: Optional[Dict[str, Any]] = None, metadata: Optional[Dict[str, Any]] = None,
                 history: Optional[List[Tuple[str, str]]] = None,
                 changed: Tuple[str, ...] = ()) -> Tracker:
    """A tracker whose latest user message is ``text`` (already normalised) with ``intent``.

    The parse data carries the real resolver's verdict on ``text``. ``history`` holds earlier
    (text, intent) user turns, oldest first; ``changed`` names slots this message set.
    """
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "registry": verdict(text) if text else {"outcome": "none", "candidates": []}}
    events: List[Dict[str, Any]] = []
    for old_text, old_intent in history or []:
        events.append({"event": "user", "text": old_text, "parse_data": {"intent": {"name": old_intent}}})
        events.append({"event": "action", "name": "action_listen"})
    events.append({"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}})
    for name in changed:
        events.append({"event": "slot", "name": name, "value": (slots or {}).get(name)})
    all_slots = {"service": None, "situation": None, "district": None, "aspect": None, "requested_slot": None,
                 "latitude": None, "longitude": None, **(slots or {})}
    return Tracker("tester", all_slots, latest, events, False, None, {}, "action_listen")


def run_action(action: Action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


@pytest.fixture(autouse=True)
def _registry_db(database_url: str) -> str:
    """Every action test reads the real seed from a real database."""
    return database_url
