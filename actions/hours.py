"""Opening hours of the service halls: "政务中心现在开门吗 / 明天开门吗 / 国庆节上班吗 / 中午能去办吗".

Hours come from the registry (the owner of the locations); the day logic, China's statutory
holidays and 调休 make-up days live in :mod:`bot.hours`. The database is read off the event loop.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.config import get_settings
from bot.hours import now_local, parse_when
from bot.hours.halls import HallInfo, hall_answer, halls_overview
from bot.hours.phrases import wants_schedule
from bot.opendata.answers import normalize_text
from bot.opendata.dialogue import entity_values
from bot.opendata.facilities import find_district, normalize_district
from bot.registry.live import live_registry

logger = logging.getLogger(__name__)

CITY_HALL_WORDS = ("市民中心", "市政务服务中心", "市级")


def load_halls() -> List[HallInfo]:
    """Every registry location as plain data, from the live registry snapshot (a query only
    when the registry changed); blocking, call it in a worker thread."""
    return list(live_registry().snapshot().halls)


class ActionAnswerHours(Action):
    """Whether and when a service hall is open, for the day and time the resident asks about."""

    def __init__(self, clock: Optional[Callable[[], datetime]] = None) -> None:
        self.clock = clock or now_local

    def name(self) -> str:
        return "action_answer_hours"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        settings = get_settings()
        latest = tracker.latest_message or {}
        text = normalize_text(latest.get("text"))
        now = self.clock()
        try:
            halls = await asyncio.to_thread(load_halls)
        except Exception:
            logger.exception("could not read the service halls")
            halls = []
        if not halls:
            dispatcher.utter_message(text=f"抱歉，暂时查不到政务服务中心的办公时间，请稍后再试，"
                                          f"或拨打 {settings.hotline} 政务服务便民热线咨询。")
            return []

        known = [h.district for h in halls if h.district]
        from_message = next((d for d in (normalize_district(normalize_text(v), known) or
                                         normalize_district(normalize_text(raw), known)
                                         for v, raw in entity_values(latest, "district")) if d), None)
        from_message = from_message or find_district(text, known)
        slot = normalize_district(tracker.get_slot("district"), known)
        day_words = " ".join(normalize_text(raw) for _v, raw in entity_values(latest, "day"))
        query = parse_when(text, now, day_words or None)

        events: List[Dict[str, Any]] = []
        if from_message:
            chosen = [h for h in halls if h.district == from_message]
            if from_message != tracker.get_slot("district"):
                events.append(SlotSet("district", from_message))
        elif any(word in text for word in CITY_HALL_WORDS):
            chosen = [h for h in halls if h.district is None]
        elif slot:
            chosen = [h for h in halls if h.district == slot]
        else:
            chosen = []

        if chosen:
            answer = hall_answer(chosen[0], query, now, settings.city, schedule=wants_schedule(text))
        else:
            answer = halls_overview(halls, query, now, settings.city, schedule=wants_schedule(text))
        logger.debug("hours answer for %s", chosen[0].code if chosen else "all halls")
        dispatcher.utter_message(text=answer)
        return events
