"""Service guidance: one action answers a service question in one action-server call.

The NLU already resolved which item the message is about (``registry`` in the parse data, see
:mod:`bot.nlu.registry_entities`); this action only applies the conversation's context to that
verdict and writes the reply:

- ``commit`` → answer the item; ``choose`` → the 2–3 real candidates as buttons (or the item the
  conversation is already about, when it is one of them); ``decline`` → an honest "not in the
  guide", with the department when the question makes it clear, and the hotline;
- ``none`` (a follow-up such as "那要多久？") → the item already in the conversation.

It asks only for what the answer really lacks, and every question names the item: the
materials answer says at once what every situation needs and asks only for the part that
differs; "where" asks the district when several districts handle the item.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    DISTRICTS_ANY,
    latest_text,
    payload,
    registry_verdict,
    settings,
    slot_before_this_turn,
    slot_set_this_turn,
)
from actions.faq import faq_answer
from actions.ratings import offer_rating
from bot.places import normalize_district
from bot.registry import guide
from bot.registry.life_event_match import step_in_context
from bot.registry.live import Snapshot, live_registry
from bot.registry.situations import match_situation
from bot.registry.views import ItemView, materials_for, situation_by_code, where_to_go

logger = logging.getLogger(__name__)

FOLLOW_UPS = (("要带什么材料", "ask_materials", "materials"), ("多久办好", "ask_time_limit", "time"),
              ("去哪里办", "ask_where", "where"), ("能网上办吗", "ask_online", "online"))


@dataclass
class Reply:
    """What one turn says and does; plain data, made in a worker thread inside one session."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    events: List[EventType] = field(default_factory=list)
    answered: Optional[str] = None  # the item a full answer was given for: the resident may rate it
    review: str = ""  # 需人工核实: the item's reason staff must check the case
    declined: bool = False  # "not in the guide": the FAQ may still know the answer


@dataclass(frozen=True)
class Turn:
    """The parts of the tracker a service answer depends on (read on the event loop)."""

    text: str
    verdict: Dict[str, Any]
    service: Optional[str]
    service_changed: bool
    situation: Optional[str]
    district: Optional[str]
    aspect: str
    district_changed: bool = False
    life_event: Optional[str] = None  # the 一件事 whose checklist was answered (actions/life_events.py)
    previous_service: Optional[str] = None  # the item asked about before this message

    @classmethod
    def of(cls, tracker: Tracker, aspect: Optional[str] = None) -> Turn:
        return cls(text=latest_text(tracker), verdict=registry_verdict(tracker),
                   service=tracker.get_slot("service"), service_changed=slot_set_this_turn(tracker, "service"),
                   situation=tracker.get_slot("situation"), district=tracker.get_slot("district"),
                   aspect=aspect or tracker.get_slot("aspect") or "guide",
                   district_changed=slot_set_this_turn(tracker, "district"),
                   life_event=tracker.get_slot("life_event"),
                   previous_service=slot_before_this_turn(tracker, "service"))


def service_reply(turn: Turn) -> Reply:
    """The whole decision for a service question (may read the database when the registry
    changed; call it in a worker thread)."""
    snapshot = live_registry().snapshot()
    outcome = turn.verdict.get("outcome") or "none"
    candidates = [c for c in turn.verdict.get("candidates") or [] if c.get("name")]
    names = [c["name"] for c in candidates]
    item: Optional[ItemView] = None
    step = (step_in_context(snapshot.life_events, snapshot.items.values(), turn.life_event, turn.text,
                            [c.get("code") or "" for c in candidates]) if outcome != "commit" else None)
    if outcome == "commit" and names:
        item = snapshot.items.get(names[0])
        kept = _answers_previous_situation(snapshot, turn, candidates[0])
        if kept is not None:
            item, turn = kept, replace(turn, service_changed=False)
    elif step is not None:  # after a life event's checklist: the step the resident names, in its context
        item = step[0]
    elif turn.service and (outcome in ("none", "unavailable") or (outcome == "choose" and turn.service in names)):
        item = snapshot.items.get(turn.service)
    if item is None:
        if outcome == "choose" and names:
            return _choose(names)
        if outcome == "decline":
            return _decline(turn.verdict)
        if turn.service and outcome in ("none", "unavailable"):
            return _not_found()
        # only items the message names are offered; a word like "住" names none
        reply = _ask_service([c["name"] for c in candidates if c.get("naming", 0) > 0])
        if turn.district_changed and turn.district:
            reply.text = f"好的，记下了：您在{turn.district}。{reply.text}"
        return reply
    events: List[EventType] = []
    if item.name != turn.service:
        events.append(SlotSet("service", item.name))
    if step is not None and step[0] is item and (item.name != turn.service or turn.service_changed):
        # a new step of the life event (named, or a checklist button): the situation the event uses for it
        turn = replace(turn, service_changed=True)  # (a situation of the previous item no longer applies)
        if step[1]:
            turn = replace(turn, situation=step[1], service_changed=False)
            events.append(SlotSet("situation", step[1]))
    reply = _answer(snapshot, item, turn)
    reply.events = events + reply.events
    return reply


def _answers_previous_situation(snapshot: Snapshot, turn: Turn, committed: Dict[str, Any]) -> Optional[ItemView]:
    """"我是租房的" after 住房公积金提取 asked which situation applies is that answer, although 租房 also
    names 公租房申请: an item the message does not name as written does not replace the item whose
    situation it answers."""
    previous = snapshot.items.get(turn.previous_service) if turn.previous_service else None
    if previous is None or previous.name == committed.get("name") or not previous.situations:
        return None
    if float(committed.get("naming") or 0.0) >= 0.9 or match_situation(previous, turn.text) is None:
        return None
    return previous


def _answer(snapshot: Snapshot, item: ItemView, turn: Turn) -> Reply:
    events: List[EventType] = []
    situation = None if turn.service_changed else situation_by_code(item, turn.situation)
    found = match_situation(item, turn.text) if item.situations else None
    if found is not None and found is not situation:
        situation = found
    if (situation.code if situation else None) != turn.situation:
        events.append(SlotSet("situation", situation.code if situation else None))
    known = list(snapshot.districts)
    district = turn.district if turn.district == DISTRICTS_ANY else normalize_district(turn.district, known)
    own = None if district in (None, DISTRICTS_ANY) else district

    if turn.aspect == "where" and own is None and district != DISTRICTS_ANY and \
            len({loc.district for loc in item.locations if loc.district}) > 1:
        buttons = [{"title": d, "payload": payload("inform", district=d)} for d in known]
        buttons.append({"title": "都可以", "payload": payload("inform", district=DISTRICTS_ANY)})
        return Reply(f"{item.name}：您在{settings().city}哪个区？我帮您找就近的办理地点。", buttons, events)

    locations = where_to_go(item, own)
    if situation is None and _differs_by_situation(item, turn.aspect):
        # what everyone brings now, and one question for the part that differs
        buttons = [{"title": s.name, "payload": payload("inform", situation=s.code)} for s in item.situations]
        return Reply(guide.answer(turn.aspect, item, None, materials_for(item, None), locations, own,
                                  ask_situation=True), buttons, events)
    text = guide.answer(turn.aspect, item, situation, materials_for(item, situation), locations, own)
    buttons = [{"title": title, "payload": payload(intent)}
               for title, intent, key in FOLLOW_UPS if key != turn.aspect][:3]
    return Reply(text, buttons, events, answered=item.name, review=item.manual_review)


def _differs_by_situation(item: ItemView, aspect: str) -> bool:
    """Whether this answer needs the situation (only then is it asked)."""
    if not item.situations:
        return False
    # time and fee answers list every situation's value instead of asking
    return aspect in ("guide", "materials") and any(m.situation_id is not None for m in item.materials)


def _choose(names: List[str]) -> Reply:
    buttons = [{"title": n, "payload": payload("inform", service=n)} for n in names[:3]]
    if len(names) == 1:
        return Reply(f"您问的是「{names[0]}」吗？是的话请点下面的按钮；不是的话，请说得具体一些。", buttons)
    return Reply("您问的是下面哪一项？如果都不是，请说得具体一些，比如要办的事和您的情况。", buttons)


def _decline(verdict: Dict[str, Any]) -> Reply:
    hotline = settings().hotline
    agency, phone = verdict.get("agency") or "", verdict.get("agency_phone") or ""
    text = f"抱歉，{settings().city}办事指南里没有这件事的办理说明，我不想给您不准确的答案。"
    if agency:
        text += f"这类事务由{agency}负责，咨询电话 {phone}；"
    text += f"您也可以拨打 {hotline} 政务服务便民热线，由工作人员为您解答。"
    return Reply(text, [{"title": "转人工", "payload": payload("request_human")}], declined=True)


def _not_found() -> Reply:
    return Reply(f"抱歉，没有找到这个事项。您可以换个说法，或拨打 {settings().hotline} 政务服务便民热线咨询。")


def _ask_service(names: List[str]) -> Reply:
    if names:
        return Reply("您想办理的是下面哪一项？如果都不是，请直接告诉我事项名称。",
                     [{"title": n, "payload": payload("inform", service=n)} for n in names[:3]])
    return Reply("请问您要办理哪项业务？直接说名称就行，比如「居住证」「护照」「提取公积金」。")


def _reviewed_before(tracker: Tracker) -> bool:
    """Whether this conversation was already handed over for a 需人工核实 item."""
    return any(e.get("event") == "slot" and e.get("name") == "handoff_reason" and e.get("value") == "review"
               for e in tracker.events or [])


class ActionAnswerService(Action):
    """Answers the asked aspect of the item the message (or the conversation) is about."""

    def name(self) -> str:
        return "action_answer_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reply = await asyncio.to_thread(service_reply, Turn.of(tracker))
        if reply.declined:  # the guide has no such item: the FAQ may answer it
            answer = await faq_answer(tracker)
            if answer:
                dispatcher.utter_message(text=answer)
                return reply.events
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        if reply.answered and reply.review and not _reviewed_before(tracker):
            # the guide is general; whether it applies must be checked by a person (once per conversation)
            dispatcher.utter_message(text=f"「{reply.answered}」需人工核实：{reply.review}为您转接人工客服。")
            return [*reply.events, SlotSet("handoff_reason", "review"), FollowupAction("action_handoff")]
        if reply.answered:
            return reply.events + offer_rating(dispatcher, tracker, f"service:{reply.answered}")
        return reply.events


__all__ = ["ActionAnswerService", "Reply", "Turn", "service_reply"]
