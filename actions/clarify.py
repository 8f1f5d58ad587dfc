"""What the bot does when the intent was unclear: the registry verdict first, then a human.

An unclear intent with a clear item ("社会保障卡如何申领或者补换？") is answered as a guide
question: a one-button "did you mean" would be a wasted turn. Real candidates are offered as
buttons; after two misses in a row, a person.
"""
from __future__ import annotations

import asyncio
import logging
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_intent, latest_text, payload, registry_verdict, trailing_fallbacks
from actions.faq import faq_answer
from actions.service_guidance import Turn, service_reply

logger = logging.getLogger(__name__)


class ActionClarify(Action):
    """Answers a clearly named item, offers real candidates, then offers a person."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = await self._reply(dispatcher, tracker)
        if latest_intent(tracker) != "nlu_fallback":
            # called as the dialogue's core fallback: forget the turn so the next prediction is
            # to listen, never this action again in a loop
            events.append(UserUtteranceReverted())
        return events

    async def _reply(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        text = latest_text(tracker).strip()
        verdict = registry_verdict(tracker)
        candidates = [c["name"] for c in verdict.get("candidates") or [] if c.get("name")]
        if verdict.get("outcome") == "commit" and candidates:
            reply = await asyncio.to_thread(service_reply, Turn.of(tracker, aspect="guide"))
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
            return [SlotSet("aspect", "guide"), *reply.events]
        answer = await faq_answer(tracker)  # no intent fits: the FAQ, before asking again
        if answer:
            dispatcher.utter_message(text=answer)
            return []
        if trailing_fallbacks(tracker) >= 2:
            # the second miss in a row: a person, with the conversation attached
            dispatcher.utter_message(text="抱歉，我还是没能理解您的问题，为您转接人工客服。")
            return [SlotSet("handoff_reason", "clarify"), FollowupAction("action_handoff")]
        if not text:
            dispatcher.utter_message(
                text="我没有看到文字内容。请直接说您要办的事，比如「居住证怎么办」「社保卡丢了怎么补」。")
            return []
        if verdict.get("outcome") == "choose" and candidates:
            dispatcher.utter_message(
                text="我不太确定您的意思。您是想问下面哪一项？",
                buttons=[{"title": name, "payload": payload("inform", service=name)} for name in candidates[:3]],
            )
            return [SlotSet("aspect", "guide")]
        if verdict.get("outcome") == "decline":
            reply = await asyncio.to_thread(service_reply, Turn.of(tracker, aspect="guide"))
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
            return []
        dispatcher.utter_message(text=(
            "抱歉，我没看懂。能换个说法吗？比如说出要办的事情：「娃刚出生怎么上户口」「驾照快到期了怎么换」。"))
        return []
