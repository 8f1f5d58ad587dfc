"""Reaching a person: the handoff to the service desk, complaints, and call-backs after hours.

Within desk hours the conversation gets a ticket and is paused (``ConversationPaused``): from
then on the channels forward its messages (bot/channels/handoff.py) and the desk answers.
Outside desk hours the resident may leave a message and a phone number (``callback_form``).
"""
from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import hotline, item_contact
from bot.channels.handoff import is_cancel
from bot.desk import tickets
from bot.desk.schedule import DeskHours, desk_hours, when_text
from bot.desk.tickets import TicketInfo
from bot.hours import now_local
from bot.privacy import mask_phone

logger = logging.getLogger(__name__)

# messages that say nothing about the matter itself: never the "question as asked"
NOT_A_QUESTION = frozenset({"request_human", "greet", "goodbye", "thanks", "affirm", "deny", "rate", "chitchat"})
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
Clock = Callable[[], datetime]


def summary_of(tracker: Tracker) -> Dict[str, str]:
    """The question as asked and what the bot last answered, from the stored events."""
    events = list(tracker.events or [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    question = ""
    for event in reversed(events[: last_user + 1]):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(event.get("text") or "").strip()
        if text and not text.startswith("/") and intent not in NOT_A_QUESTION:
            question = text
            break
    answer = next((str(e.get("text") or "") for e in reversed(events[:last_user])
                   if e.get("event") == "bot" and e.get("text")), "")
    if not question:
        question = str((tracker.latest_message or {}).get("text") or "")
    return {"question": question, "answer": answer}


def _minutes(value: float) -> str:
    return f"约 {max(1, round(value))} 分钟"


def queue_text(ticket: TicketInfo, position: int, wait_minutes: float) -> str:
    ahead = "您是下一位" if position <= 1 else f"您前面还有 {position - 1} 位"
    return (f"已为您转接人工客服（工单号 {ticket.id}），{ahead}，预计等待{_minutes(wait_minutes)}。"
            "工作人员接入后会在这里直接回复您，不用重复说明问题。等待期间输入「取消」可停止排队。")


def normalise_phone(text: str) -> Optional[str]:
    """A mobile or landline number from what the resident typed, or None."""
    raw = unicodedata.normalize("NFKC", text or "")
    compact = re.sub(r"[\s()（）]", "", raw).replace("—", "-").replace("－", "-")
    compact = re.sub(r"^(\+?86)", "", compact)
    if _MOBILE.match(compact.replace("-", "")):
        return compact.replace("-", "")
    if _LANDLINE.match(compact):
        return compact
    return None


class ActionHandoff(Action):
    """Within desk hours: a ticket, the place in the queue, and the pause. Outside: offer a call-back."""

    def __init__(self, clock: Optional[Clock] = None) -> None:
        self.clock = clock or now_local

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reason = tracker.get_slot("handoff_reason") or "request"
        now = self.clock()
        hours = desk_hours()
        if not hours.is_open(now):
            return self._offer_callback(dispatcher, hours, now, reason)
        summary = summary_of(tracker)
        try:
            ticket, position, wait = await asyncio.to_thread(self._open, tracker, reason, summary, hours)
        except Exception:
            logger.exception("could not open a desk ticket")
            dispatcher.utter_message(text=f"抱歉，人工服务暂时无法转接。您可以拨打 {hotline()} 政务服务便民热线。")
            return [SlotSet("handoff_reason", None)]
        dispatcher.utter_message(text=queue_text(ticket, position, wait))
        return [SlotSet("handoff_reason", None), ConversationPaused()]

    @staticmethod
    def _open(tracker: Tracker, reason: str, summary: Dict[str, str], hours: DeskHours) -> Any:
        ticket = tickets.open_ticket(
            tracker.get_latest_input_channel() or "unknown", tracker.sender_id, kind="live", reason=reason,
            question=summary["question"], answer=summary["answer"], service=tracker.get_slot("service"),
            situation=tracker.get_slot("situation"), district=tracker.get_slot("district"))
        position = tickets.queue_position(ticket.id)
        wait = position * tickets.average_handling_minutes(hours.average_handling_minutes)
        return ticket, position, wait

    @staticmethod
    def _offer_callback(dispatcher: CollectingDispatcher, hours: DeskHours, now: datetime,
                        reason: str) -> List[EventType]:
        opens = hours.next_open(now)
        when = f"，下次人工服务从{when_text(opens, now)}开始" if opens else ""
        dispatcher.utter_message(text=(
            f"现在不在人工服务时间（{hours.describe()}）{when}。您可以留言并留下电话，"
            f"工作人员上班后会回电。急事也可拨打 {hotline()} 政务服务便民热线。"))
        return [SlotSet("handoff_reason", reason), FollowupAction("callback_form")]


class ActionRespondComplaint(Action):
    """Unhappiness with the service or the answers is for a person: apologise, name the supervision
    line, point to a formal complaint (a work order), and hand over."""

    def name(self) -> str:
        return "action_respond_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        item = await item_contact(tracker)
        text = "很抱歉给您带来不好的体验，我为您转给人工客服处理"
        if item is not None and item["complaint_phone"] and item["complaint_phone"] != hotline():
            text += f"；「{item['name']}」的监督投诉电话是 {item['complaint_phone']}"
        # a formal complaint with a number and a time limit is a work order (actions/workorders.py)
        dispatcher.utter_message(text=text + "。如需正式投诉、由承办部门限时答复，可以说「登记投诉」。")
        return [SlotSet("handoff_reason", "complaint"), FollowupAction("action_handoff")]


class ValidateCallbackForm(FormValidationAction):
    """Checks the phone number; 取消 at any point ends the form without a ticket."""

    def name(self) -> str:
        return "validate_callback_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        if tracker.active_loop.get("name") == "callback_form" and is_cancel(text):
            dispatcher.utter_message(text="好的，已取消留言。您可以继续向我提问。")
            return [SlotSet("callback_note", None), SlotSet("callback_phone", None), SlotSet("handoff_reason", None),
                    SlotSet("requested_slot", None), ActiveLoop(None)]
        return await super().run(dispatcher, tracker, domain)

    def validate_callback_note(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        note = " ".join(str(value or "").split())
        if len(note) < 2:
            dispatcher.utter_message(text="请简单说说您要咨询或反映的问题。")
            return {"callback_note": None}
        return {"callback_note": note[:500]}

    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[str, Any]:
        phone = normalise_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(
                text="这个号码好像不对。请输入 11 位手机号，或带区号的固定电话（如 0000-12345678）。")
            return {"callback_phone": None}
        return {"callback_phone": phone}


class ActionSubmitCallback(Action):
    """Stores the call-back ticket and says when to expect the call; the number is shown masked."""

    def __init__(self, clock: Optional[Clock] = None) -> None:
        self.clock = clock or now_local

    def name(self) -> str:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        note, phone = tracker.get_slot("callback_note"), tracker.get_slot("callback_phone")
        clear = [SlotSet("callback_note", None), SlotSet("callback_phone", None), SlotSet("handoff_reason", None)]
        if not note or not phone:  # cancelled: the validation already said so
            return clear
        now = self.clock()
        opens = desk_hours().next_open(now)
        summary = summary_of(tracker)
        try:
            ticket = await asyncio.to_thread(
                tickets.open_ticket, tracker.get_latest_input_channel() or "unknown", tracker.sender_id,
                kind="callback", reason=tracker.get_slot("handoff_reason") or "request",
                question=note, answer=summary["answer"], service=tracker.get_slot("service"),
                situation=tracker.get_slot("situation"), district=tracker.get_slot("district"),
                callback_phone=phone, callback_note=note, callback_due=opens)
        except Exception:
            logger.exception("could not store a call-back request")
            dispatcher.utter_message(text=f"抱歉，留言没有保存成功。请稍后再试，或拨打 {hotline()} 政务服务便民热线。")
            return clear
        when = f"{when_text(opens, now)}上班后" if opens else "上班后"
        dispatcher.utter_message(text=(
            f"已记录您的留言（工单号 {ticket.id}）。工作人员会在{when}尽快拨打 {mask_phone(phone)} 与您联系。"
            "在此之前，您也可以继续向我提问。"))
        return clear
