"""The desk's client of Rasa's HTTP API: read a conversation, append events and push them.

Staff replies go in as ``BotUttered`` events with ``execute_side_effects=true`` and
``output_channel=latest``: Rasa appends them under the conversation lock (so the reply is in
the tracker) and sends them through the channel the resident last used. The token comes from
the environment (``RASA_AUTH_TOKEN``) and is never logged.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from bot.config import get_settings

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15)


class RasaUnavailable(RuntimeError):
    """Rasa did not take the request; the reason is safe to show staff."""


class RasaApi:
    """One aiohttp session per page-server process (created on first use, closed on shutdown)."""

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None) -> None:
        settings = get_settings()
        self.base_url = (base_url or settings.rasa_api_url).rstrip("/")
        self._token = token if token is not None else settings.secrets.get("rasa_token", "")
        self._session: Optional[aiohttp.ClientSession] = None

    def __repr__(self) -> str:
        return f"RasaApi({self.base_url!r})"

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _url(self, sender_id: str, suffix: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{suffix}"

    def _params(self, **extra: str) -> Dict[str, str]:
        return {**({"token": self._token} if self._token else {}), **extra}

    async def tracker(self, sender_id: str) -> Dict[str, Any]:
        """The conversation's tracker with all its events."""
        try:
            async with self._http().get(self._url(sender_id, "tracker"),
                                        params=self._params(include_events="ALL")) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"读取会话失败（Rasa 返回 {resp.status}）")
                data = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("Rasa API unreachable at %s: %s", self.base_url, type(exc).__name__)
            raise RasaUnavailable("智能助手服务暂时无法连接，请稍后再试") from exc
        return data if isinstance(data, dict) else {}

    async def append(self, sender_id: str, events: List[Dict[str, Any]], push: bool = True) -> Dict[str, Any]:
        """Append ``events``; with ``push`` Rasa sends bot messages through the resident's channel."""
        params = self._params(include_events="NONE")
        if push:
            params.update(output_channel="latest", execute_side_effects="true")
        try:
            async with self._http().post(self._url(sender_id, "tracker/events"), params=params, json=events) as resp:
                if resp.status != 200:
                    body = (await resp.text())[:200]
                    logger.warning("Rasa refused events for a conversation: %s %s", resp.status, body)
                    raise RasaUnavailable(f"消息未能送达（Rasa 返回 {resp.status}）")
                data = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("Rasa API unreachable at %s: %s", self.base_url, type(exc).__name__)
            raise RasaUnavailable("智能助手服务暂时无法连接，消息没有发出，请稍后再试") from exc
        return data if isinstance(data, dict) else {}
