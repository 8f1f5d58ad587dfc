"""Output channel that pushes bot messages to a resident through the 客服 message API.

Used for answers that missed the 5-second passive-reply window, for answers too long for one
passive reply, and by Rasa for messages pushed later (staff replies, reminders).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel

from bot.channels.wechat import repository
from bot.channels.wechat.api import WeChatApiClient
from bot.channels.wechat.dedup import CHOICES_MAX_AGE
from bot.channels.wechat.render import render_messages, split_text

logger = logging.getLogger(__name__)

__all__ = ["CHOICES_MAX_AGE", "STAFF_PREFIX", "WeChatOutput", "remember_choices"]

STAFF_PREFIX = "【工作人员】"


async def remember_choices(openid: str, choices: List[Dict[str, str]]) -> None:
    """Store the numbered choices just offered (an empty list forgets the previous ones)."""
    try:
        await asyncio.to_thread(repository.save_choices, openid, choices)
    except Exception:  # a lost choice list costs the resident one retype, never the answer
        logger.exception("could not store the choices offered in wechat")


class WeChatOutput(OutputChannel):
    """Sends text (buttons as numbered choices) with the 客服 API; failures are recorded."""

    def __init__(self, api: Optional[WeChatApiClient]) -> None:
        self.api = api

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def deliver(self, openid: str, messages: List[Dict[str, Any]], forget_choices: bool = False) -> bool:
        """Render a turn's messages as one text, remember choices, send it in chunks."""
        text, choices = render_messages(messages)
        if choices or forget_choices:
            await remember_choices(openid, choices)
        return await self.send_plain(openid, text)

    async def send_plain(self, openid: str, text: str) -> bool:
        chunks = split_text(text)
        if not chunks:
            return True
        if self.api is None:
            logger.warning("wechat 客服 message dropped: WECHAT_APPID / WECHAT_SECRET are not set")
            return False
        return await self.api.send_texts(openid, chunks)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if kwargs.get("staff"):  # a desk reply (metadata.staff): the resident sees who is writing
            text = f"{STAFF_PREFIX}{text}"
        await self.send_plain(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.deliver(recipient_id, [{"text": text, "buttons": buttons}])

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, [{"image": image}])

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        await self.deliver(recipient_id, [{"attachment": attachment}])

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self.deliver(recipient_id, [{"custom": json_message}])
