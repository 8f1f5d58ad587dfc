"""Service guidance: the service form, its questions, and the answer from the registry."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    DISTRICTS_ANY,
    SERVICE_INTENTS,
    current_item,
    districts,
    latest_intent,
    latest_text,
    payload,
    registry,
)
from bot.registry import guide
from bot.registry.models import ServiceItem
from bot.registry.repository import materials_for, situation_by_code, where_to_go

logger = logging.getLogger(__name__)

ASPECTS_NEEDING_SITUATION = {"guide", "materials"}
# Only "where" waits for the district; a full guide answers at once and invites the district.
ASPECTS_NEEDING_DISTRICT = {"where"}


def _needs_situation(item: ServiceItem, aspect: str) -> bool:
    if not item.situations:
        return False
    if aspect in ASPECTS_NEEDING_SITUATION:
        return True
    # time and fee only depend on the situation when a situation overrides them
    if aspect == "time":
        return any(s.promised_limit_days is not None for s in item.situations)
    if aspect == "fee":
        return any(s.fee for s in item.situations)
    return False


def _needs_district(item: ServiceItem, aspect: str) -> bool:
    return aspect in ASPECTS_NEEDING_DISTRICT and len({loc.district for loc in item.locations if loc.district}) > 1


class ValidateServiceForm(FormValidationAction):
    """Asks only what this item and this question need: situation and district are optional."""

    def name(self) -> Text:
        return "validate_service_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """A new service question while the form waits is an answer, not an interruption.

        Rasa rejects a form turn that filled no slot; "要钱吗" while the form asks the situation
        fills none, yet it only changes the aspect. Confirming the aspect keeps the form running,
        and required_slots then asks only what the new question needs. Small talk, deny and
        requests for a person still reject, so their rules apply.
        """
        events = await super().run(dispatcher, tracker, domain)
        filled = any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)
        if not filled and latest_intent(tracker) in SERVICE_INTENTS:
            events.append(SlotSet("aspect", tracker.get_slot("aspect") or "guide"))
        return events

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        item = await current_item(tracker)
        if item is None:
            return ["service"]
        aspect = tracker.get_slot("aspect") or "guide"
        required = ["service"]
        if _needs_situation(item, aspect):
            required.append("situation")
        if _needs_district(item, aspect):
            required.append("district")
        return required

    async def validate_service(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        matcher, _ = await registry()
        found = matcher.by_name(str(value)) if value else None
        if found is None:
            return {"service": None}
        return {"service": found.name}

    async def validate_situation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        item = await current_item(tracker)
        if item is None:
            return {"situation": None}
        for situation in item.situations:
            if value in (situation.code, situation.name):
                return {"situation": situation.code}
        return {"situation": None}

    async def validate_district(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        known = await districts()
        if value == DISTRICTS_ANY or value in known:
            return {"district": value}
        short = {d.rstrip("区"): d for d in known}
        if isinstance(value, str) and value.rstrip("区") in short:
            return {"district": short[value.rstrip("区")]}
        dispatcher.utter_message(text=f"江州市的区有：{'、'.join(known)}。请选一个区，或选「{DISTRICTS_ANY}」。")
        return {"district": None}


class ActionAskService(Action):
    """Which service? Offers the closest registry items as buttons when the text hints at some."""

    def name(self) -> Text:
        return "action_ask_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        matcher, _ = await registry()
        candidates = matcher.search(latest_text(tracker), limit=3)
        if candidates:
            dispatcher.utter_message(
                text="您想办理的是下面哪一项？如果都不是，请直接告诉我事项名称。",
                buttons=[{"title": m.name, "payload": payload("inform", service=m.name)} for m in candidates],
            )
        else:
            dispatcher.utter_message(text="请问您要办理哪项业务？直接说名称就行，比如「居住证」「护照」「提取公积金」。")
        return []


class ActionAskSituation(Action):
    """Asks the item's own question that tells its situations apart."""

    def name(self) -> Text:
        return "action_ask_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        item = await current_item(tracker)
        if item is None:
            dispatcher.utter_message(text="请问您要办理哪项业务？")
            return []
        question = item.situation_question or "您属于哪种情况？"
        dispatcher.utter_message(
            text=f"{item.name}：{question}",
            buttons=[{"title": s.name, "payload": payload("inform", situation=s.code)} for s in item.situations],
        )
        return []


class ActionAskDistrict(Action):
    """Asks for the district so the answer can name the resident's own service centre."""

    def name(self) -> Text:
        return "action_ask_district"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        known = await districts()
        buttons = [{"title": d, "payload": payload("inform", district=d)} for d in known]
        buttons.append({"title": "都可以", "payload": payload("inform", district=DISTRICTS_ANY)})
        dispatcher.utter_message(text="您在江州市哪个区？我帮您找就近的办理地点。", buttons=buttons)
        return []


class ActionAnswerService(Action):
    """Answers the asked aspect of the chosen item, personalised by situation and district."""

    def name(self) -> Text:
        return "action_answer_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        item = await current_item(tracker)
        if item is None:
            dispatcher.utter_message(text="抱歉，没有找到这个事项。您可以换个说法，或拨打 12345 政务服务便民热线咨询。")
            return []
        aspect = tracker.get_slot("aspect") or "guide"
        situation = situation_by_code(item, tracker.get_slot("situation"))
        district: Optional[str] = tracker.get_slot("district")
        own_district = None if district == DISTRICTS_ANY else district
        text = guide.answer(aspect, item, situation, materials_for(item, situation),
                            where_to_go(item, own_district), own_district)
        follow_ups = [("要带什么材料", "ask_materials", "materials"), ("多久办好", "ask_time_limit", "time"),
                      ("去哪里办", "ask_where", "where"), ("能网上办吗", "ask_online", "online")]
        dispatcher.utter_message(
            text=text,
            buttons=[{"title": title, "payload": payload(intent)} for title, intent, key in follow_ups if key != aspect][:3],
        )
        return []
