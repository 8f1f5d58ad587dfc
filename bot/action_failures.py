"""A polite reply instead of silence when the action server cannot answer, or a whole turn fails.

Rasa's processor catches an action that raised, logs it and carries on without the action's events
(``MessageProcessor._run_action``): a resident whose question needs a custom action (almost every
answer of this assistant) would get nothing at all when every action server is down, returns an
error, or times out. :func:`install` wraps ``RemoteAction.run`` — in every Rasa process this
project starts (``bot.rasa_server``), both profiles — so such a failure becomes one bot message
saying so, with the hotline. A 400 from the action server (``ActionExecutionRejection``, a form
rejecting its slot) is Rasa's own control flow and passes through untouched. A turn that fails as a
whole (PostgreSQL or Redis down) is told by the channels with :func:`turn_failed_text`.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, List

logger = logging.getLogger(__name__)

DEGRADED = "actions_unavailable"  # metadata mark on the bot message, for logs and analytics
_installed = False


def unavailable_text() -> str:
    from bot.config import get_settings

    return (f"抱歉，系统暂时出了点问题，这个问题我现在没法回答。请稍后再试，"
            f"或拨打 {get_settings().hotline} 政务服务便民热线咨询。")


def turn_failed_text() -> str:
    """Said by the channels (bot.channels.handoff.deliver) when a whole turn failed, its database or
    Redis down: the answer may or may not have gone out, so it does not claim either."""
    from bot.config import get_settings

    return (f"抱歉，系统暂时出了点问题，您刚才的消息可能没有处理完。请稍后再试，"
            f"或拨打 {get_settings().hotline} 政务服务便民热线咨询。")


def _already_said(tracker: Any) -> bool:
    """The notice was already given in this turn (a second failing action says nothing more)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("degraded") == DEGRADED:
            return True
    return False


def install() -> None:
    """Wrap ``RemoteAction.run`` once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered, Event
    from rasa.shared.exceptions import RasaException

    original = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except (RasaException, asyncio.TimeoutError) as exc:
            logger.error("action %s failed (%s): the resident is told the service is unavailable",
                         self.name(), exc.__class__.__name__)
            if _already_said(tracker):
                return []
            return [BotUttered(text=unavailable_text(), metadata={"degraded": DEGRADED})]

    RemoteAction.run = run
    _installed = True
