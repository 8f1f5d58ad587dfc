"""Async client for the WeChat server API: access_token and 客服 (customer-service) messages.

The access_token is shared by all workers through the database: a new token revokes the old
one after a grace period, so workers must not each fetch their own.  One refresher at a time
(an asyncio lock inside a process, a short-lived database lease across processes).
Tokens and the app secret never appear in a log line or an exception message.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

from bot.channels.wechat import repository

logger = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / malformed / expired access_token: refresh, retry once
OUTSIDE_WINDOW = 45015  # the resident has not written within 48 hours
QUOTA_ERRORS = {45009, 45011, 45047}  # daily quota, frequency, 客服 down-link limit
NETWORK_ERROR = -2  # our own code for "no answer from WeChat"
LEASE_SECONDS = 15.0
WAIT_FOR_OTHER_WORKER = 8.0


class WeChatApiError(Exception):
    """An errcode from WeChat (or NETWORK_ERROR); the message holds no secret."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"wechat api error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass
class SendResult:
    ok: bool
    errcode: int = 0
    errmsg: str = ""


class WeChatApiClient:
    """One Official Account's outbound calls; every call opens its own HTTP session."""

    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str = "https://api.weixin.qq.com",
        timeout: float = 5.0,
        token_endpoint: str = "stable",
        token_margin: float = 300.0,
    ) -> None:
        self.appid = appid
        self._secret = secret
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.token_endpoint = token_endpoint
        self.token_margin = token_margin
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock: Optional[asyncio.Lock] = None

    def __repr__(self) -> str:
        return f"WeChatApiClient(appid={self.appid!r}, api_base={self.api_base!r})"

    # HTTP -------------------------------------------------------------------
    async def _call(
        self, method: str, path: str, params: Dict[str, str], body: Optional[Dict[str, Any]] = None
    ) -> Tuple[int, Dict[str, Any]]:
        """(HTTP status, JSON object); NETWORK_ERROR for transport problems or non-JSON."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session,
                session.request(method, self.api_base + path, params=params, data=data, headers=headers) as response,
            ):
                status = response.status
                text = await response.text()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise WeChatApiError(NETWORK_ERROR, f"{path}: {exc.__class__.__name__}") from None
        try:
            payload = json.loads(text) if text else {}
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            if status == 404:
                return status, {}
            raise WeChatApiError(NETWORK_ERROR, f"{path}: HTTP {status}, not JSON")
        return status, payload

    # access_token -----------------------------------------------------------
    def _fresh(self, expires_at: float) -> bool:
        return time.time() < expires_at - self.token_margin

    async def access_token(self, force: bool = False, stale: Optional[str] = None) -> str:
        """A valid token; ``force`` with the rejected ``stale`` token replaces it."""
        if not force and self._token and self._fresh(self._expires_at):
            return self._token
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            stale = stale if force else None
            if self._token and self._token != stale and self._fresh(self._expires_at):
                return self._token
            cached = await asyncio.to_thread(repository.load_token, self.appid)
            if cached and cached[0] != stale and self._fresh(cached[1]):
                self._token, self._expires_at = cached
                return cached[0]
            lease = f"wechat:token-refresh:{self.appid}"
            leased = await asyncio.to_thread(repository.claim_key, lease, LEASE_SECONDS)
            if not leased:  # another worker is fetching: wait for its token
                deadline = time.monotonic() + WAIT_FOR_OTHER_WORKER
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    cached = await asyncio.to_thread(repository.load_token, self.appid)
                    if cached and cached[0] != stale and self._fresh(cached[1]):
                        self._token, self._expires_at = cached
                        return cached[0]
                logger.warning("wechat token refresh by another worker took too long; fetching here")
            try:
                token, expires_in = await self._fetch_token(force_refresh=force)
                now = time.time()
                self._token, self._expires_at = token, now + expires_in
                await asyncio.to_thread(repository.store_token, self.appid, token, self._expires_at, now)
                logger.info("wechat access_token refreshed (valid %ss)", expires_in)
                return token
            finally:
                if leased:
                    await asyncio.to_thread(repository.release_key, lease)

    async def _fetch_token(self, force_refresh: bool) -> Tuple[str, int]:
        if self.token_endpoint == "stable":
            status, payload = await self._call(
                "POST",
                "/cgi-bin/stable_token",
                {},
                {"grant_type": "client_credential", "appid": self.appid, "secret": self._secret,
                 "force_refresh": force_refresh},
            )
            if status == 404:  # a gateway without stable_token: use the classic endpoint from now on
                logger.warning("wechat stable_token not available, falling back to /cgi-bin/token")
                self.token_endpoint = "token"
                return await self._fetch_token(force_refresh)
        else:
            _, payload = await self._call(
                "GET", "/cgi-bin/token",
                {"grant_type": "client_credential", "appid": self.appid, "secret": self._secret},
            )
        token = payload.get("access_token")
        if not token:
            errcode = int(payload.get("errcode") or -1)
            raise WeChatApiError(errcode, str(payload.get("errmsg", "no access_token in answer"))[:200])
        return str(token), int(payload.get("expires_in") or 7200)

    # 客服 messages ------------------------------------------------------------
    async def _send_once(self, token: str, message: Dict[str, Any]) -> Tuple[int, str]:
        _, payload = await self._call("POST", "/cgi-bin/message/custom/send", {"access_token": token}, message)
        return int(payload.get("errcode") or 0), str(payload.get("errmsg", ""))[:200]

    async def send_message(self, message: Dict[str, Any]) -> SendResult:
        """Send one 客服 message; on a token error refresh and retry exactly once."""
        try:
            token = await self.access_token()
            errcode, errmsg = await self._send_once(token, message)
            if errcode in TOKEN_ERRORS:
                logger.info("wechat rejected the access_token (%s); refreshing once", errcode)
                token = await self.access_token(force=True, stale=token)
                errcode, errmsg = await self._send_once(token, message)
        except WeChatApiError as exc:
            return SendResult(False, exc.errcode, exc.errmsg)
        return SendResult(errcode == 0, errcode, errmsg)

    async def send_text(self, openid: str, content: str) -> SendResult:
        return await self.send_message({"touser": openid, "msgtype": "text", "text": {"content": content}})

    async def send_texts(self, openid: str, chunks: List[str]) -> bool:
        """Send chunks in order; stop and record at the first refusal (never retried forever)."""
        for index, chunk in enumerate(chunks):
            result = await self.send_text(openid, chunk)
            if not result.ok:
                kind = (
                    "outside the 48-hour window" if result.errcode == OUTSIDE_WINDOW
                    else "quota" if result.errcode in QUOTA_ERRORS
                    else "error"
                )
                logger.warning(
                    "wechat 客服 message %s/%s not delivered (%s %s: %s)",
                    index + 1, len(chunks), kind, result.errcode, result.errmsg,
                )
                try:
                    await asyncio.to_thread(
                        repository.record_failure, openid, result.errcode, result.errmsg, "\n".join(chunks[index:])
                    )
                except Exception:
                    logger.exception("could not record a wechat delivery failure")
                return False
        return True
