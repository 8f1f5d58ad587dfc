"""Reaching a person. Live staff takeover comes later; until then the hotlines."""
from __future__ import annotations

import logging
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import hotline, item_contact

logger = logging.getLogger(__name__)


class ActionOfferHuman(Action):
    """Tells the resident how to reach a person, with the item's own consult line when known."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        item = await item_contact(tracker)
        text = f"在线人工服务暂未开通。您可以拨打 {hotline()} 政务服务便民热线，由工作人员为您解答"
        if item is not None:
            text += f"；「{item['name']}」的咨询电话是 {item['consult_phone']}（{item['agency']}）"
        dispatcher.utter_message(text=text + "。")
        return []


class ActionRespondComplaint(Action):
    """Takes a complaint seriously and names where it is handled."""

    def name(self) -> str:
        return "action_respond_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        item = await item_contact(tracker)
        text = (f"很抱歉给您带来不好的体验。您可以拨打 {hotline()} 政务服务便民热线反映，"
                "说明办理的事项、时间和地点，热线会转交责任部门处理并给您答复")
        if item is not None and item["complaint_phone"] and item["complaint_phone"] != hotline():
            text += f"；「{item['name']}」的监督投诉电话是 {item['complaint_phone']}"
        dispatcher.utter_message(text=text + "。")
        return []
