"""Messages of a conversation that is with the service desk, handled where they enter.

While a ticket is open the conversation is paused: Rasa stores each message but runs no
action, so nothing in the action server could react. Every channel passes its messages
through :func:`deliver` instead of calling Rasa directly:

- no open ticket: the message goes to the assistant as usual;
- 取消 while still waiting: the ticket is cancelled, the message stored, the conversation
  resumed (``resume`` then ``action_listen``) and the resident told, in their own channel;
- anything else: stored by Rasa (the desk reads it from the tracker) and noted on the ticket.

A broken desk store never costs a resident their message: the message then goes on as usual.
"""
from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from bot.desk import tickets

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
CANCEL_WORDS = frozenset({"取消", "取消等待", "不等了", "我不等了", "取消人工", "取消转人工", "不用了", "算了",
                          "cancel"})
CANCELLED = "好的，已取消人工服务排队。您可以继续向我提问。"
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def is_cancel(text: Optional[str]) -> bool:
    """「取消」「取消等待。」「不等了！」 and the like, in any width or case."""
    words = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text or "")).lower()
    return words in CANCEL_WORDS


async def deliver(message: UserMessage, on_new_message: OnNewMessage) -> Any:
    """Hand ``message`` to Rasa, after the desk has seen it when its conversation is with staff.

    A turn that fails (its database or Redis down) is told to the resident in their channel, then
    re-raised for the channel to log: Rasa's REST and Socket.IO channels would otherwise stay silent."""
    try:
        return await _deliver(message, on_new_message)
    except Exception:
        await _tell_failed(message)
        raise


async def _tell_failed(message: UserMessage) -> None:
    from bot.action_failures import turn_failed_text

    if message.output_channel is None:
        return
    try:
        await message.output_channel.send_text_message(message.sender_id, turn_failed_text())
    except Exception:
        logger.exception("could not tell the resident that their message failed")


async def _deliver(message: UserMessage, on_new_message: OnNewMessage) -> Any:
    sender_id = message.sender_id or ""
    try:
        ticket = await asyncio.to_thread(tickets.open_live_ticket, sender_id)
    except Exception:
        logger.exception("desk store unavailable: the message goes to the assistant as usual")
        return await on_new_message(message)
    if ticket is None:
        return await on_new_message(message)
    if ticket.status == "waiting" and is_cancel(message.text):
        cancelled = await asyncio.to_thread(tickets.cancel_by_resident, ticket.id)
        result = await on_new_message(message)  # stored while paused, like every other message
        if cancelled:
            await _resume(message, CANCELLED)
            logger.info("desk ticket %s cancelled by the resident", ticket.id)
        return result
    await asyncio.to_thread(tickets.note_resident_message, ticket.id)
    return await on_new_message(message)


def _agent() -> Any:
    from sanic import Sanic

    for name in ("rasa_server", "rasa_core_no_api", None):
        try:
            app = Sanic.get_app(name)
        except Exception:
            continue
        agent = getattr(app.ctx, "agent", None)
        if agent is not None:
            return agent
    return None


async def _resume(message: UserMessage, text: str) -> None:
    """End the pause under the conversation lock and tell the resident in their channel."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed

    agent = _agent()
    if agent is None or agent.processor is None:
        logger.error("no Rasa agent in this process: the conversation stays paused")
        return
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.processor.get_tracker(message.sender_id)
        tracker.update(ConversationResumed())
        tracker.update(BotUttered(text))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await agent.processor.save_tracker(tracker)
    if message.output_channel is not None:
        await message.output_channel.send_text_message(message.sender_id, text)
