"""Public facilities from open data: "东湖区有哪些三甲医院 / 最近的社保服务点在哪 / 南港区有停车场吗".

Answers read only the database cache filled by ``python -m bot opendata sync`` (never the portal),
off the event loop; the formatting lives in :mod:`bot.opendata.answers`.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.config import get_settings
from bot.hours import now_local
from bot.opendata.answers import (
    ask_which_facility,
    facility_answer,
    normalize_text,
    unavailable,
    unknown_facility,
    wants_nearby,
)
from bot.opendata.config import load_config
from bot.opendata.dialogue import entity_values, user_location
from bot.opendata.facilities import find_district, normalize_district, ownership_in, resolve_kind
from bot.opendata.store import CachedDataset, load_dataset

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _stale_for(path: str, mtime: float) -> int:
    return load_config(Path(path)).stale_after_days


def _stale_after_days() -> int:
    """From portal.yml, re-read only when the file changes."""
    path = get_settings().portal_file
    try:
        return _stale_for(str(path), path.stat().st_mtime)
    except Exception:
        logger.warning("portal file %s unreadable, using the default staleness of 14 days", path)
        return 14


def read_cache(name: str) -> Tuple[Optional[CachedDataset], int]:
    """The cached dataset (None when never synced or unreadable) and the staleness threshold."""
    try:
        dataset = load_dataset(name)
    except Exception:
        logger.exception("open-data cache unreadable for %s", name)
        dataset = None
    return dataset, _stale_after_days()


class ActionAnswerFacility(Action):
    """Lists facilities of one kind by district, or the nearest ones when a location is known."""

    def __init__(self, clock: Optional[Callable[[], datetime]] = None) -> None:
        self.clock = clock or now_local

    def name(self) -> str:
        return "action_answer_facility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        settings = get_settings()
        latest = tracker.latest_message or {}
        text = normalize_text(latest.get("text"))
        facilities = entity_values(latest, "facility")
        kind = resolve_kind(*(normalize_text(raw) for _v, raw in facilities),
                            *(normalize_text(v) for v, _raw in facilities), text)
        if kind is None:
            answer = unknown_facility(facilities[0][1], settings.hotline) if facilities else ask_which_facility()
            dispatcher.utter_message(text=answer)
            return []

        dataset, stale_after_days = await asyncio.to_thread(read_cache, kind.dataset)
        if dataset is None:
            dispatcher.utter_message(text=unavailable(kind.label, settings.hotline))
            return []

        known = list(dict.fromkeys(r["district"] for r in dataset.rows if r.get("district")))
        said = next((d for d in (normalize_district(normalize_text(v), known) or
                                 normalize_district(normalize_text(raw), known)
                                 for v, raw in entity_values(latest, "district")) if d), None)
        said = said or find_district(text, known)
        here, sent_now = user_location(latest, tracker.events or [], tracker.slots or {})
        # with a location, only a district named in this very message narrows the search
        district = said if here is not None else said or normalize_district(tracker.get_slot("district"), known)

        answer = facility_answer(kind, dataset, district=district, here=here, now=self.clock(),
                                 hotline=settings.hotline, city=settings.city,
                                 stale_after_days=stale_after_days, wants_nearby=wants_nearby(text),
                                 ownership=ownership_in(text))
        dispatcher.utter_message(text=answer)
        events: List[Dict[str, Any]] = []
        if sent_now and here is not None:
            events += [SlotSet("latitude", here[0]), SlotSet("longitude", here[1])]
        if said and said != tracker.get_slot("district"):
            events.append(SlotSet("district", said))
        return events
