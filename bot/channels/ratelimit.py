"""Token buckets per sender: in this process (one Rasa), or in Redis (shared by every replica).

A sender may send ``burst`` messages at once; the bucket refills at ``per_minute`` messages a
minute. ``limits`` (the usual library) needs ``packaging>=21`` and Rasa 3.6 pins ``packaging<21``,
so the two buckets are written here: a dict in memory, and one Lua script Redis runs atomically
(on Redis's own clock, so replicas with drifting clocks still agree).
"""
from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from typing import Any, Optional, Protocol, Tuple

logger = logging.getLogger(__name__)

MAX_TRACKED = 100_000  # senders remembered in memory; the idlest are forgotten (a full bucket is no loss)


class RateLimiter(Protocol):
    async def allow(self, key: str) -> bool:  # pragma: no cover - protocol
        ...


class MemoryTokenBucket:
    """The embedded profile's buckets: one event loop, so no lock is needed."""

    def __init__(self, burst: int, per_minute: float, clock: Any = time.monotonic) -> None:
        self.capacity = float(max(1, burst))
        self.rate = max(per_minute, 0.001) / 60.0  # tokens per second
        self._clock = clock
        self._buckets: OrderedDict[str, Tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    async def allow(self, key: str) -> bool:
        now = self._clock()
        tokens, at = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + max(0.0, now - at) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return allowed


# KEYS[1] the sender's bucket; ARGV capacity, tokens per second. Returns 1 (allowed) or 0.
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return allowed
"""


class RedisTokenBucket:
    """The scaled profile's buckets (``REDIS_URL``): every replica draws from the same bucket."""

    def __init__(self, url: str, burst: int, per_minute: float, prefix: str = "ratelimit:") -> None:
        self.url = url
        self.capacity = max(1, burst)
        self.rate = max(per_minute, 0.001) / 60.0
        self.prefix = prefix
        # a bucket untouched this long is full again: let Redis forget it
        self.ttl_ms = math.ceil(self.capacity / self.rate * 1000) + 1000
        self._script: Optional[Any] = None

    def _bucket_script(self) -> Any:
        if self._script is None:  # created on first use, inside the server's event loop
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError

            # after a Redis restart the pooled connection is dead: retry once on a new one rather than
            # fail the message's check (the script is loaded again by redis-py when Redis forgot it)
            client = aioredis.Redis.from_url(self.url, retry=Retry(NoBackoff(), 1),
                                             retry_on_error=[RedisConnectionError])
            self._script = client.register_script(_BUCKET_SCRIPT)
        return self._script

    async def allow(self, key: str) -> bool:
        allowed = await self._bucket_script()(keys=[self.prefix + key],
                                               args=[self.capacity, repr(self.rate), self.ttl_ms])
        return bool(int(allowed))


def make_rate_limiter(redis_url: Optional[str] = None, burst: Optional[int] = None,
                      per_minute: Optional[float] = None) -> RateLimiter:
    """Redis when ``REDIS_URL`` is set, this process's memory otherwise (settings by default)."""
    from bot.config import get_settings

    settings = get_settings()
    url = settings.redis_url if redis_url is None else redis_url
    burst = settings.rate_limit_burst if burst is None else burst
    per_minute = settings.rate_limit_per_minute if per_minute is None else per_minute
    if url:
        return RedisTokenBucket(url, burst, per_minute)
    return MemoryTokenBucket(burst, per_minute)
