"""Fixed conversations in Rasa's ``events`` table, for the analytics and review-queue tests.

Rows are written exactly as ``SQLTrackerStore.save`` writes them (sender_id, type_name, timestamp,
intent_name, action_name, ``data`` = the event's ``as_dict()`` as JSON) and masked as
:class:`bot.tracking.store.MaskingSQLTrackerStore` masks them — by direct inserts, so page-test
modules can use it too (Playwright's loop forbids ``asyncio.run`` there). Events are Rasa's own
classes, so the JSON cannot drift from what Rasa stores.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence

from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered


def ts(moment: str) -> float:
    """``"2026-11-20T23:30:00+00:00"`` → Unix time (the offset is required: no guessing of zones)."""
    parsed = datetime.fromisoformat(moment)
    assert parsed.tzinfo is not None, f"give {moment!r} a UTC offset"
    return parsed.timestamp()


def said(text: str, intent: str, at: float, confidence: float = 0.95, entities: Sequence[Dict[str, Any]] = (),
         registry: Optional[Dict[str, Any]] = None, ranking: Optional[List[Dict[str, Any]]] = None,
         channel: str = "socketio") -> UserUttered:
    """A resident's message as the NLU parsed it (``registry``: the resolver's verdict in the parse data)."""
    parse: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence},
                             "entities": list(entities),
                             "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
    if registry is not None:
        parse["registry"] = registry
    return UserUttered(text, intent=parse["intent"], entities=list(entities), parse_data=parse, timestamp=at,
                       input_channel=channel)


def committed(name: str) -> Dict[str, Any]:
    """The resolver's verdict when it commits to the item ``name``."""
    return {"outcome": "commit", "confidence": 0.9, "candidates": [{"code": "X", "name": name, "score": 0.9}],
            "terms": [], "unexplained": [], "agency": "", "agency_phone": ""}


def verdict(outcome: str) -> Dict[str, Any]:
    return {"outcome": outcome, "confidence": 0.3, "candidates": [], "terms": [], "unexplained": [], "agency": "",
            "agency_phone": ""}


def slot(name: str, value: Any, at: float) -> SlotSet:
    return SlotSet(name, value, timestamp=at)


def answered(text: str, at: float) -> List[Event]:
    """The bot's turn after a message: the action that answered and its text."""
    return [ActionExecuted("action_answer_service", timestamp=at), BotUttered(text, timestamp=at),
            ActionExecuted("action_listen", timestamp=at)]


def store(sender_id: str, events: Iterable[Event], url: Optional[str] = None, mask: bool = True) -> int:
    """Append ``events`` to the conversation ``sender_id`` in the tracker database; rows written.
    ``mask=False``: as a store without masking wrote them (rows from before masking existed)."""
    from bot.tracking.events import EVENTS, tracker_engine
    from bot.tracking.masking import mask_event

    rows = []
    for event in events:
        data = mask_event(event.as_dict()) if mask else event.as_dict()
        rows.append({"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                     "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                     "action_name": data.get("name"), "data": json.dumps(data)})
    with tracker_engine(url).begin() as conn:
        conn.execute(EVENTS.insert(), rows)
    return len(rows)
