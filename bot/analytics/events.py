"""Residents' messages read from Rasa's ``events`` table, one record per ``user`` event, with what the
assistant made of it: intent and confidence, the service and district, and the registry's verdict.

The table is Rasa's own (``SQLTrackerStore.SQLEvent``, reached through :mod:`bot.tracking.events`:
id, sender_id, type_name, timestamp, intent_name, action_name, data JSON) in ``TRACKER_DB_URL``.
Storage masks personal numbers already; the text is masked again here (:func:`bot.privacy.mask_pii`)
so a row written before masking existed, or by another store, never shows one.

**Service** of a message: the item the resolver committed to (``registry.outcome == "commit"``,
its first candidate); for a follow-up about the item at hand ("那要多久？", a service intent with no
verdict of its own) the conversation's ``service`` slot at that moment. **District**: a ``district``
entity of the message, else the conversation's ``district`` slot. Slots are followed from
:data:`LOOKBACK` before the period, so a conversation that began earlier keeps its context.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from sqlalchemy import select

from bot.privacy import mask_pii

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
SERVICE_INTENTS = frozenset({"ask_service_guide", "ask_materials", "ask_time_limit", "ask_fee", "ask_online",
                             "ask_where", "inform"})
LOOKBACK = 24 * 3600.0  # seconds of slot history read before a period (sessions carry their slots over)


@dataclass(frozen=True)
class UserMessage:
    key: str  # stable across reads: digest of conversation, time and text (never shown)
    sender_id: str
    at: float  # Unix time
    text: str  # masked
    intent: Optional[str]
    confidence: Optional[float]
    service: Optional[str]
    district: Optional[str]
    verdict: Optional[str]  # the resolver's outcome: commit | choose | decline | none
    payload: bool  # a button's /intent{...}, not typed words
    guess: Optional[str] = None  # the model's best intent other than nlu_fallback (from intent_ranking)

    @property
    def fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT


def message_key(sender_id: str, timestamp: float, text: str) -> str:
    return hashlib.sha256(f"{sender_id}\0{timestamp!r}\0{text}".encode()).hexdigest()[:32]


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _confidence(parse: Dict[str, Any]) -> Optional[float]:
    intent = parse.get("intent")
    value = intent.get("confidence") if isinstance(intent, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _guess(parse: Dict[str, Any]) -> Optional[str]:
    for entry in parse.get("intent_ranking") or []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name and name != FALLBACK_INTENT:
            return name
    return None


def _verdict(parse: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    """(outcome, committed item name) of the resolver's verdict in the parse data."""
    registry = parse.get("registry")
    if not isinstance(registry, dict):
        return None, None
    outcome = registry.get("outcome") if isinstance(registry.get("outcome"), str) else None
    candidates = registry.get("candidates")
    if outcome == "commit" and isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
        name = candidates[0].get("name")
        return outcome, name if isinstance(name, str) and name else None
    return outcome, None


def _entity(parse: Dict[str, Any], name: str) -> Optional[str]:
    for entity in parse.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name and isinstance(entity.get("value"), str):
            return str(entity["value"])
    return None


def _rows(start: float, end: float, url: Optional[str], lookback: float) -> Iterator[Tuple[Any, ...]]:
    from bot.tracking.events import EVENTS, tracker_engine  # Rasa's table: imported when analytics run

    query = (select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.intent_name,
                    EVENTS.c.data)
             .where(EVENTS.c.type_name.in_(("user", "slot")), EVENTS.c.timestamp >= start - lookback,
                    EVENTS.c.timestamp < end)
             .order_by(EVENTS.c.sender_id, EVENTS.c.id))
    with tracker_engine(url).connect() as conn:
        yield from conn.execution_options(stream_results=True).execute(query)


def read_messages(start: float, end: float, url: Optional[str] = None,
                  lookback: float = LOOKBACK) -> List[UserMessage]:
    """Every user message with ``start <= timestamp < end``, by conversation, in order."""
    messages: List[UserMessage] = []
    sender: Optional[str] = None
    slots: Dict[str, Optional[str]] = {}
    unreadable = 0
    for sender_id, type_name, timestamp, intent_name, raw in _rows(start, end, url, lookback):
        if sender_id != sender:
            sender, slots = sender_id, {}
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            unreadable += 1
            continue
        if not isinstance(data, dict):
            unreadable += 1
            continue
        if type_name == "slot":
            if data.get("name") in ("service", "district"):
                value = data.get("value")
                slots[str(data["name"])] = value if isinstance(value, str) and value else None
            continue
        if timestamp is None or timestamp < start:
            continue
        parse = _dict(data.get("parse_data"))
        text = _str(data.get("text"))
        intent = intent_name or _str(_dict(parse.get("intent")).get("name")) or None
        outcome, committed = _verdict(parse)
        service = committed or (slots.get("service") if intent in SERVICE_INTENTS and outcome in (None, "none")
                                else None)
        district = _entity(parse, "district") or slots.get("district")
        masked = mask_pii(text)
        messages.append(UserMessage(message_key(sender_id, float(timestamp), masked), sender_id, float(timestamp),
                                    masked, intent, _confidence(parse), service, district, outcome,
                                    text.startswith("/"), _guess(parse)))
    if unreadable:
        logger.warning("analytics: %s stored events could not be read (not JSON objects)", unreadable)
    return messages


def question_before(sender_id: str, moment: float, url: Optional[str] = None,
                    skip_intents: Tuple[str, ...] = ("rate",)) -> Optional[UserMessage]:
    """The resident's last typed message of the conversation before ``moment`` (a rating's time):
    the question the rated answer answered. Button presses and ``skip_intents`` are passed over."""
    from bot.tracking.events import EVENTS, tracker_engine

    query = (select(EVENTS.c.timestamp, EVENTS.c.intent_name, EVENTS.c.data)
             .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user", EVENTS.c.timestamp < moment)
             .order_by(EVENTS.c.timestamp.desc(), EVENTS.c.id.desc()).limit(20))
    with tracker_engine(url).connect() as conn:
        rows = conn.execute(query).all()
    for timestamp, intent_name, raw in rows:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            continue
        text = _str(_dict(data).get("text"))
        if not text.strip() or text.startswith("/") or intent_name in skip_intents:
            continue
        parse = _dict(_dict(data).get("parse_data"))
        outcome, committed = _verdict(parse)
        masked = mask_pii(text)
        return UserMessage(message_key(sender_id, float(timestamp), masked), sender_id, float(timestamp), masked,
                           intent_name, _confidence(parse), committed, _entity(parse, "district"), outcome, False,
                           _guess(parse))
    return None
