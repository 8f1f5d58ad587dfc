"""One tracker builder and one action runner for every custom-action test.

The tracker looks like the one Rasa sends the action server: the latest user message with its
intent, entities (with their spans) and metadata, and by default the real resolver's verdict on
the text in the parse data, as the NLU's RegistryEntities component puts it there.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
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
    # the forms as the assistant declares them (a form's validation action reads its required slots)
    "forms": yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))["forms"],
}

NO_VERDICT: Dict[str, Any] = {"outcome": "none", "candidates": []}


def verdict(text: str) -> Dict[str, Any]:
    """What the NLU's RegistryEntities component puts in the parse data for ``text``: the same
    live resolver over the database the product is pointed at, so action tests see real verdicts."""
    from bot.registry.live import live_registry

    return live_registry().resolver().resolve(text).as_dict()


def make_tracker(text: str = "", intent: str = "ask_service_guide", entities: Optional[List[Dict[str, Any]]] = None,
                 slots: Optional[Dict[str, Any]] = None, metadata: Optional[Dict[str, Any]] = None,
                 history: Optional[List[Tuple[str, str]]] = None, changed: Tuple[str, ...] = (),
                 resolve: bool = True) -> Tracker:
    """A tracker whose latest user message is ``text`` (already normalised) with ``intent``.

    * ``entities``: dicts with ``entity`` and ``value``, and ``text`` when the words typed differ
      from the value; each gets its ``start``/``end`` from where those words occur in ``text``;
    * ``resolve``: put the real resolver's verdict on ``text`` in the parse data (``registry``).
      Off for actions that never read it, so the tracker is built without touching the database;
    * ``history``: earlier (text, intent) user turns, oldest first;
    * ``changed``: slots this message set (their values come from ``slots``).
    """
    spans = []
    for entity in entities or []:
        entity = dict(entity)
        typed = entity.pop("text", entity["value"])
        start = text.find(typed)
        if start >= 0:
            entity.update(start=start, end=start + len(typed))
        spans.append(entity)
    latest: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": spans,
                              "metadata": metadata or {}}
    if resolve:
        latest["registry"] = verdict(text) if text else NO_VERDICT
    events: List[Dict[str, Any]] = []
    for old_text, old_intent in history or []:
        events.append({"event": "action", "name": "action_listen"})
        events.append({"event": "user", "text": old_text, "parse_data": {"intent": {"name": old_intent}}})
    events.append({"event": "action", "name": "action_listen"})
    events.append({"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}})
    for name in changed:
        events.append({"event": "slot", "name": name, "value": (slots or {}).get(name)})
    all_slots = {"service": None, "situation": None, "district": None, "aspect": None, "requested_slot": None,
                 "latitude": None, "longitude": None, **(slots or {})}
    return Tracker("tester", all_slots, latest, events, False, None, {}, "action_listen")


def run_action(action: Action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """What the action said (the dispatcher's messages: text, buttons, ...) and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    """The text of each message ("" for one without text)."""
    return [m.get("text") or "" for m in messages]
