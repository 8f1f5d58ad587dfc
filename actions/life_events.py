"""Life events (一件事一次办): one answer for everything a life event needs.

"媳妇生了要办啥" asks for a checklist, not for one item: the merged checklist of the event
(bot/registry/checklist.py) — the steps in order, every material once, what is done online, where
to go, the totals — in three messages (WeChat cuts them to its length itself). The event comes from
the NLU's ``life_event`` entity (RegistryEntities, the event's name or a colloquial alias); when the
message names none, from the item the resolver found when that item is a step of exactly one event
("孩子上小学要准备什么" → 入学). The answer sets the ``life_event`` slot: a follow-up about one step
("那出生登记要带什么") is then answered by action_answer_service for that step's item, in the event's
context (bot/registry/life_event_match.py ``step_in_context``).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import DISTRICTS_ANY, hotline, latest_text, payload, registry_verdict, settings
from bot.places import normalize_district
from bot.registry.checklist import Checklist, build_checklist, items_by_code
from bot.registry.checklist_text import render_sections
from bot.registry.life_event_match import STEP_WEIGHT, events_with_item, likely_life_event
from bot.registry.life_events import LifeEventView
from bot.registry.live import Snapshot, live_registry

logger = logging.getLogger(__name__)

SLOT = "life_event"
ENTITY = "life_event"
MAX_STEP_BUTTONS = 3


@dataclass
class LifeEventReply:
    """What one turn says and does (plain data, made in a worker thread)."""

    messages: List[str] = field(default_factory=list)
    buttons: List[Dict[str, str]] = field(default_factory=list)
    events: List[EventType] = field(default_factory=list)


@dataclass(frozen=True)
class LifeEventTurn:
    text: str
    entity: Optional[str]  # the life_event entity of this message (an event code)
    verdict: Dict[str, Any]
    district: Optional[str]
    current: Optional[str] = None  # the life_event slot: the event the conversation is about

    @classmethod
    def of(cls, tracker: Tracker) -> LifeEventTurn:
        entity = next((str(e.get("value")) for e in (tracker.latest_message or {}).get("entities") or []
                       if e.get("entity") == ENTITY and e.get("value")), None)
        return cls(latest_text(tracker), entity, registry_verdict(tracker), tracker.get_slot("district"),
                   tracker.get_slot(SLOT))


def life_event_reply(turn: LifeEventTurn) -> LifeEventReply:
    """The whole decision (may read the database when the registry changed: call it in a worker thread)."""
    snapshot = live_registry().snapshot()
    events = snapshot.life_events
    candidates = [c for c in turn.verdict.get("candidates") or [] if c.get("code")]
    event = events.get(turn.entity or "")
    close: List[LifeEventView] = []
    if event is None:
        # the items the resolver found are evidence when it found some: a commit fully, a choice half
        outcome = turn.verdict.get("outcome")
        named = [c["code"] for c in candidates] if outcome in ("commit", "choose") else []
        weight = STEP_WEIGHT if outcome == "commit" else STEP_WEIGHT / 2
        event, close = likely_life_event(turn.text, events.values(), named, weight)
    if event is not None:
        return _checklist_reply(snapshot, event, turn)
    committed = candidates[0] if turn.verdict.get("outcome") == "commit" and candidates else None
    if close:
        buttons = [_event_button(e) for e in close]
        if committed is not None:
            buttons.append({"title": f"只问{committed['name']}",
                            "payload": payload("ask_service_guide", service=committed["name"])})
        return LifeEventReply(["您问的是下面哪件事？选一个，我把要办的事项和材料一次列给您。"], buttons)
    if committed is not None and not events_with_item(committed["code"], events.values()):
        # a question about one item after all ("办护照要准备什么"): the service answer takes it
        return LifeEventReply(events=[FollowupAction("action_answer_service")])
    if turn.current in events:  # "还有什么要办的" names nothing: the event the conversation is about
        return _checklist_reply(snapshot, events[turn.current or ""], turn)
    return LifeEventReply([f"您问的是哪件事？{settings().city}可以一次办好下面这些事："],
                          [_event_button(e) for e in events.values()])


def _checklist_reply(snapshot: Snapshot, event: LifeEventView, turn: LifeEventTurn) -> LifeEventReply:
    checklist = build_checklist(event, items_by_code(snapshot.items.values()))
    district = None if turn.district in (None, DISTRICTS_ANY) else normalize_district(turn.district,
                                                                                      list(snapshot.districts))
    logger.info("life event %s answered (%s steps, %s materials)", event.code, len(checklist.steps),
                len(checklist.materials))
    return LifeEventReply(render_sections(checklist, district, hotline()), _step_buttons(checklist),
                          [SlotSet(SLOT, event.code), SlotSet("service", None), SlotSet("situation", None)])


def _step_buttons(checklist: Checklist) -> List[Dict[str, str]]:
    """"要带什么" for the first steps everyone needs: they open that step's own guide."""
    steps = [s for s in checklist.steps if not s.condition][:MAX_STEP_BUTTONS]
    return [{"title": f"{s.label}要带什么", "payload": payload("ask_materials", service=s.item.name)} for s in steps]


def _event_button(event: LifeEventView) -> Dict[str, str]:
    return {"title": event.name, "payload": payload("ask_life_event", life_event=event.code)}


class ActionAnswerLifeEvent(Action):
    """Answers a life-event question with the event's merged checklist."""

    def name(self) -> str:
        return "action_answer_life_event"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reply = await asyncio.to_thread(life_event_reply, LifeEventTurn.of(tracker))
        for index, text in enumerate(reply.messages):
            last = index == len(reply.messages) - 1
            dispatcher.utter_message(text=text, buttons=reply.buttons if last else [])
        return reply.events


__all__ = ["ActionAnswerLifeEvent", "LifeEventReply", "LifeEventTurn", "life_event_reply"]
