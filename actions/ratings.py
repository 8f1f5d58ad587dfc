"""好差评: record a rating, attach its reason, or show the five levels when asked to rate.

Nothing waits for a rating: the prompt is a message with buttons, and a resident who ignores
it simply asks the next question. What is rated is in the slot ``rating_subject``
("service:<事项名称>" after a service answer, "ticket:<id>" after a desk hand-back, "service:"
for the conversation in general); once a rating is stored the slot is emptied, so a second
click on the same old buttons is not stored twice.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import settings
from bot.ratings.levels import (
    PROMPT_TEXT,
    RATE_PAYLOAD_PREFIX,
    REASON_PROMPT_TEXT,
    REASONS,
    parse_level,
    rating_buttons,
    reason_buttons,
)
from bot.ratings.store import RatingInfo, add_reason, parse_subject, record_rating

logger = logging.getLogger(__name__)

GENERAL_SUBJECT = "service:"  # the conversation in general (no item named)
SAVE_FAILED = "抱歉，评价暂时没有保存成功，请稍后再试。您可以继续提问。"


def _session_events(tracker: Tracker) -> List[Dict[str, Any]]:
    """This conversation's events: those after the latest session start."""
    events = list(tracker.events or [])
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1] + 1:] if starts else events


def rating_prompt_shown(tracker: Tracker) -> bool:
    """Whether a bot message of this conversation already offered rating buttons."""
    for event in _session_events(tracker):
        if event.get("event") != "bot":
            continue
        data = event.get("data") or {}
        for button in (data.get("buttons") or []) + (data.get("quick_replies") or []):
            if str((button or {}).get("payload") or "").startswith(RATE_PAYLOAD_PREFIX):
                return True
    return False


def offer_rating(dispatcher: CollectingDispatcher, tracker: Tracker, subject: str) -> List[EventType]:
    """After a full answer: the rating prompt, at most once per conversation (unless asked)."""
    if rating_prompt_shown(tracker):
        return []
    dispatcher.utter_message(text=PROMPT_TEXT, buttons=rating_buttons())
    return [SlotSet("rating_subject", subject)]


def _ticket_staff(ticket_id: int) -> Optional[str]:
    """The ticket's assignee from the desk (imported late: the desk may not be installed)."""
    try:
        lookup = getattr(importlib.import_module("bot.desk.tickets"), "ticket_assignee", None)
    except ImportError:
        lookup = None
    if lookup is None:
        logger.error("bot.desk.tickets.ticket_assignee is missing: rating of ticket %s stored without its staff "
                     "member", ticket_id)
        return None
    try:
        staff = lookup(ticket_id)
    except Exception:
        logger.exception("could not read the assignee of ticket %s", ticket_id)
        return None
    return str(staff) if staff else None


def _record(sender_id: str, channel: Optional[str], subject: Optional[str], level: int,
            reason: Optional[str]) -> RatingInfo:
    """Blocking: the ticket's staff member, the rating, and a reason given with it."""
    kind, _, ticket_id = parse_subject(subject)
    staff = _ticket_staff(ticket_id) if kind == "ticket" and ticket_id is not None else None
    info = record_rating(sender_id, channel, subject, level, staff=staff)
    if reason:
        info = add_reason(sender_id, reason) or info
    return info


def _thanks(info: RatingInfo, days: int) -> str:
    what = {"ticket": "本次人工服务", "workorder": f"工单 {info.workorder} 的办理"}.get(info.subject_kind, "我们的服务")
    if info.is_bad:
        due = f"（{info.followup_due.month}月{info.followup_due.day}日前）" if info.followup_due else ""
        return (f"很抱歉这次没能让您满意，您对{what}的评价「{info.level_name}」已经记录。"
                f"工作人员会在 {days} 个工作日内{due}跟进核实、整改。")
    if info.level == 3:
        return f"谢谢您的评价「{info.level_name}」，我们会继续改进。"
    return f"谢谢您的评价「{info.level_name}」！还有其他问题可以直接问我。"


class ActionRecordRating(Action):
    """A rating button, a reason button, or "我要评价": store it, or show the five levels."""

    def name(self) -> str:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        level = parse_level(next(tracker.get_latest_entity_values("rating"), None))
        reason = next(tracker.get_latest_entity_values("rating_reason"), None)
        if reason is not None and str(reason) not in REASONS:  # only the offered reasons, never free text
            logger.info("a rating reason that no button offers was ignored")
            reason = None
        if level is not None:
            return await self._rate(dispatcher, tracker, level, str(reason) if reason else None)
        if reason:
            return await self._reason(dispatcher, tracker, str(reason))
        dispatcher.utter_message(text=PROMPT_TEXT, buttons=rating_buttons())
        return [] if tracker.get_slot("rating_subject") else [SlotSet("rating_subject", GENERAL_SUBJECT)]

    async def _rate(self, dispatcher: CollectingDispatcher, tracker: Tracker, level: int,
                    reason: Optional[str]) -> List[EventType]:
        subject = tracker.get_slot("rating_subject")
        if not subject and rating_prompt_shown(tracker):
            # the prompt's rating is stored already: these are the same old buttons clicked again
            dispatcher.utter_message(text="您的评价已经记录过了，谢谢！还有其他问题可以直接问我。")
            return []
        try:
            info = await asyncio.to_thread(_record, tracker.sender_id, tracker.get_latest_input_channel(),
                                           subject, level, reason)
        except Exception:
            logger.exception("could not store a rating")
            dispatcher.utter_message(text=SAVE_FAILED)
            return []
        text = _thanks(info, settings().followup_working_days)
        if info.level <= 3 and not info.reason:
            dispatcher.utter_message(text=f"{text}\n{REASON_PROMPT_TEXT}", buttons=reason_buttons())
        else:
            dispatcher.utter_message(text=text)
        return [SlotSet("rating_subject", None)]

    async def _reason(self, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
        try:
            info = await asyncio.to_thread(add_reason, tracker.sender_id, reason)
        except Exception:
            logger.exception("could not attach a rating reason")
            dispatcher.utter_message(text=SAVE_FAILED)
            return []
        if info is None:
            dispatcher.utter_message(text="没有找到您最近的评价，这条原因没有记录。想评价的话，可以说「我要评价」。")
        elif info.is_bad:
            dispatcher.utter_message(text=f"谢谢您告诉我们原因（{info.reason}），工作人员跟进时会重点核实。")
        else:
            dispatcher.utter_message(text=f"谢谢您的反馈（{info.reason}），我们会据此改进。")
        return []


__all__ = ["ActionRecordRating", "offer_rating", "rating_prompt_shown"]
