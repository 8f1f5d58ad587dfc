"""De-duplication of WeChat deliveries, shared by all workers and replicas.

WeChat retries a message three times when it gets no answer within 5 s, possibly on another
worker.  The key is claimed when the request arrives (insert-first), so concurrent retries
race on a unique key and exactly one of them runs the conversation turn.

The claims live in the database in both profiles (PostgreSQL in ``make run-scaled``), not in
Redis: the scaled profile's Redis keeps nothing on disk, so a Redis restart inside WeChat's
retry span would forget the claims and a retry would be answered a second time (and a turn that
files something would run twice). One primary-key insert per inbound message is cheap beside the
turn's own tracker writes.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Mapping, Optional, Protocol

from bot.channels.wechat import repository

logger = logging.getLogger(__name__)

MIN_TTL = 60.0  # WeChat's retries span ~15 s; keep keys well beyond that
PURGE_EVERY = 300.0  # seconds between sweeps of expired rows (per process)
CHOICES_MAX_AGE = 24 * 3600.0
MAX_KEY_LENGTH = 190


class DedupStore(Protocol):
    """Something that says "first time" exactly once per key and ttl."""

    async def claim(self, key: str) -> bool:  # pragma: no cover - protocol
        ...


class DatabaseDedupStore:
    """Default store: a table with the key as primary key, expired rows swept periodically."""

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = max(MIN_TTL, ttl)
        self._last_purge = 0.0

    async def claim(self, key: str) -> bool:
        first = await asyncio.to_thread(repository.claim_key, key, self.ttl)
        now = time.time()
        if now - self._last_purge > PURGE_EVERY:
            self._last_purge = now
            try:
                removed = await asyncio.to_thread(repository.purge_expired, CHOICES_MAX_AGE)
                logger.debug("purged %s expired wechat dedup keys", removed)
            except Exception:  # sweeping is housekeeping, never a reason to drop a message
                logger.exception("could not purge expired wechat dedup keys")
        return first


def message_key(message: Mapping[str, str]) -> Optional[str]:
    """MsgId for messages, FromUserName + CreateTime for events; None if neither is usable."""
    account = message.get("ToUserName", "")
    msg_id = message.get("MsgId", "").strip()
    sender = message.get("FromUserName", "").strip()
    created = message.get("CreateTime", "").strip()
    if msg_id:
        key = f"wechat:{account}:msg:{msg_id}"
    elif sender and created:
        key = f"wechat:{account}:evt:{sender}:{created}"
    else:
        return None
    if len(key) > MAX_KEY_LENGTH:  # fits the column whatever the sender put in the fields
        key = "wechat:sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key
