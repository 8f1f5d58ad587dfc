"""Slot extraction on every turn: which service, which situation, where the resident is."""
from __future__ import annotations

import logging
from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.common import SERVICE_INTENTS, current_item, entity_values, latest_intent, latest_metadata, latest_text, registry
from bot.registry.matcher import match_situation

logger = logging.getLogger(__name__)


class ActionValidateSlotMappings(ValidationAction):
    """Resolves services against the registry instead of trusting the NLU entity alone.

    The entity (already mapped to the canonical name by synonyms) is tried first, then the
    whole message: residents often name a service in words DIET never saw.
    """

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def extract_service(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        if latest_intent(tracker) not in SERVICE_INTENTS and not entity_values(tracker, "service"):
            return {}
        matcher, _ = await registry()
        found = None
        for value in entity_values(tracker, "service"):
            found = matcher.by_name(value)
            if found:
                break
        if found is None:
            candidates = matcher.search(latest_text(tracker), limit=2)
            # one clear winner only; close calls are left to the form's clarifying question
            if candidates and candidates[0].score >= 86 and (
                len(candidates) == 1 or candidates[0].score - candidates[1].score >= 8 or candidates[0].score == 100
            ):
                found = candidates[0]
        if found is None or found.name == tracker.get_slot("service"):
            return {}
        logger.debug("service resolved to %s (score %.0f via %r)", found.name, found.score, found.term)
        return {"service": found.name, "situation": None}

    async def extract_situation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        item = await current_item(tracker)
        if item is None or not item.situations:
            return {}
        for value in entity_values(tracker, "situation"):
            for situation in item.situations:
                if value in (situation.code, situation.name):
                    return {"situation": situation.code}
        if latest_intent(tracker) not in SERVICE_INTENTS:
            return {}
        situation = match_situation(item, latest_text(tracker))
        if situation and situation.code != tracker.get_slot("situation"):
            return {"situation": situation.code}
        return {}

    async def extract_latitude(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return _coordinate(tracker, "latitude", -90, 90)

    async def extract_longitude(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return _coordinate(tracker, "longitude", -180, 180)


def _coordinate(tracker: Tracker, key: str, low: float, high: float) -> Dict[Text, Any]:
    location = latest_metadata(tracker).get("location")
    if not isinstance(location, dict):
        return {}
    try:
        value = float(location.get(key))
    except (TypeError, ValueError):
        return {}
    return {key: value} if low <= value <= high else {}
