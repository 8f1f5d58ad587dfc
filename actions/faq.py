"""Answers from the FAQ knowledge base (常见问题库) when no service intent fits.

The search runs in this process over a live index (bot/faq/search.py); an entry is used only
when its score reaches the threshold tuned on labelled questions, and the answer ends with its
source, department and update date. Otherwise the caller goes on (clarify, or say it is out of
scope): the FAQ never guesses.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_text

logger = logging.getLogger(__name__)

def faq_reply(text: str) -> Optional[str]:
    """The FAQ's answer to ``text`` with its source, or None below the threshold (blocking)."""
    from bot.faq.search import best_answer, format_answer

    text = (text or "").strip()
    if not text or text.startswith("/"):
        return None
    try:
        hit = best_answer(text)
    except Exception:  # a broken FAQ store must not cost the resident their answer
        logger.exception("FAQ search failed")
        return None
    if hit is None:
        return None
    logger.info("answered from FAQ entry %s (score %.3f)", hit.id, hit.score)
    return format_answer(hit)


async def faq_answer(tracker: Tracker) -> Optional[str]:
    return await asyncio.to_thread(faq_reply, latest_text(tracker))


# build the index when the action server starts, not on the first resident's question
threading.Thread(target=faq_reply, args=("公积金",), name="faq-warm-up", daemon=True).start()


class ActionAnswerFaq(Action):
    """Out-of-scope for the intents: the FAQ when it knows the answer, else an honest "not mine"."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        answer = await faq_answer(tracker)
        if answer:
            dispatcher.utter_message(text=answer)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
