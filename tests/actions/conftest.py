"""Trackers built from small fixtures, and a runner that returns what the action said and did."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN: Dict[str, Any] = {
    "slots": {
        name: {"type": "text", "mappings": [{"type": "custom"}]}
        for name in ("service", "situation", "latitude", "longitude")
    } | {
        "district": {"type": "text", "mappings": [{"type": "from_entity", "entity": "district"}]},
        "aspect": {"type": "categorical", "mappings": [{"type": "from_intent", "intent": "ask_fee", "value": "fee"}]},
    },
    "forms": {"service_form": {"required_slots": ["service", "situation", "district"]}},
}


def make_tracker(text: str = "", intent: str = "ask_service_guide", entities: Optional[List[Dict[str, Any]]] = None,
                 slots: Optional[Dict[str, Any]] = None, metadata: Optional[Dict[str, Any]] = None,
                 history: Optional[List[Tuple[str, str]]] = None) -> Tracker:
    """A tracker whose latest user message is ``text`` (already normalised) with ``intent``.

    ``history`` holds earlier (text, intent) user turns, oldest first.
    """
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    events: List[Dict[str, Any]] = []
    for old_text, old_intent in history or []:
        events.append({"event": "user", "text": old_text, "parse_data": {"intent": {"name": old_intent}}})
        events.append({"event": "action", "name": "action_listen"})
    events.append({"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}})
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
