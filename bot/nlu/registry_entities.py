"""The one place a message's registry entities are resolved: service, district, life event.

Runs after DIET and the synonym mapper. DIET's ``service`` spans are only hints: the resolver
(:mod:`bot.registry.resolver`) reads the whole question and either commits to one item — then
this component writes the ``service`` entity that the slot mapping takes as it is — or leaves
the slot alone. Its full verdict (commit / choose / decline / none, candidates, the words it
could not explain, the department) goes into the parse data as ``registry`` so the answering
action needs no second resolution. ``district`` entities are normalised to the registry's
district names ("南港" → "南港区"), or found in the text when DIET missed them.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.places import find_district

logger = logging.getLogger(__name__)

EXTRACTOR = "RegistryEntities"
REGISTRY_KEY = "registry"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RegistryEntities(GraphComponent):
    """Resolves the service and district of every message against the live registry."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RegistryEntities:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        from bot.registry.life_event_match import find_life_event
        from bot.registry.live import live_registry  # the database is only opened when serving

        for message in messages:
            text = message.get(TEXT) or ""
            entities = list(message.get(ENTITIES) or [])
            try:
                live = live_registry()
                resolver = live.resolver()
                snapshot = live.snapshot()
                districts = list(snapshot.districts)
            except Exception:  # a registry outage must not take the NLU down
                logger.exception("registry unavailable; message parsed without registry entities")
                message.set(REGISTRY_KEY, {"outcome": "unavailable", "candidates": []}, add_to_output=True)
                continue
            names = {r.name: r.code for r in resolver.records.values()}
            hints = [names[e["value"]] for e in entities
                     if e.get("entity") == "service" and e.get("value") in names]
            resolution = resolver.resolve(text, hints)
            kept = [e for e in entities if e.get("entity") not in ("service", "district")]
            item = resolution.item
            if item is not None:
                kept.append(_entity("service", item.name, text, item.via, resolution.candidates[0].score))
            district = _district(entities, text, districts)
            if district:
                kept.append(_entity("district", district, text, district, 1.0))
            # a life event (一件事) named by its name or a colloquial alias: its code (bot/registry/life_event_match.py)
            event = find_life_event(text, snapshot.life_events.values())
            if event is not None:
                kept.append(_entity("life_event", event.event.code, text, event.via, 1.0 if event.exact else 0.8))
            message.set(ENTITIES, kept, add_to_output=True)
            message.set(REGISTRY_KEY, resolution.as_dict(), add_to_output=True)
            logger.debug("registry: %s %s", resolution.outcome, [c.code for c in resolution.candidates])
        return messages


def _district(entities: List[Dict[str, Any]], text: str, known: List[str]) -> Optional[str]:
    for entity in entities:
        if entity.get("entity") == "district":
            found = find_district(str(entity.get("value") or ""), known)
            if found:
                return found
    return find_district(text, known)


def _entity(name: str, value: str, text: str, span: str, confidence: float) -> Dict[str, Any]:
    start = text.find(span) if span else -1
    start, end = (start, start + len(span)) if start >= 0 else (0, len(text))
    return {"entity": name, "value": value, "start": start, "end": end,
            "confidence_entity": round(min(1.0, float(confidence)), 3), "extractor": EXTRACTOR}
