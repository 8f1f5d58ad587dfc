"""Rate limits per sender (bot/channels/ratelimit.py, guard.SenderRateGuard): the memory buckets, the
Redis buckets on the real Redis at 127.0.0.1:6379, and the REST and Socket.IO channels.

Tried: a flood from one sender, others at the same time, two replicas drawing on one Redis bucket,
an empty sender, a 10,000-character sender, a sender in Chinese, the limiter's store down, Redis
restarted between two messages, and more senders than the memory remembers.
"""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import redis
import requests

from bot.channels import ratelimit
from bot.channels.guard import TOO_FAST, SenderRateGuard
from bot.channels.ratelimit import MemoryTokenBucket, RedisTokenBucket, make_rate_limiter
from tests.support.channel_server import serve_channels
from tests.support.database import fresh_database
from tests.support.services import redis_stopped

REDIS_TEST_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _allowed(limiter: Any, key: str, times: int) -> List[bool]:
    async def run() -> List[bool]:
        return [await limiter.allow(key) for _ in range(times)]
    return asyncio.run(run())


def test_memory_bucket_lets_a_burst_through_then_refills() -> None:
    clock = FakeClock()
    bucket = MemoryTokenBucket(burst=3, per_minute=60, clock=clock)  # one a second
    assert _allowed(bucket, "rest:a", 5) == [True, True, True, False, False]
    assert _allowed(bucket, "rest:b", 3) == [True, True, True], "another sender is not affected"
    clock.now += 1.0
    assert _allowed(bucket, "rest:a", 2) == [True, False]
    clock.now += 3600  # a long pause refills to the burst, never beyond
    assert _allowed(bucket, "rest:a", 4) == [True, True, True, False]


@pytest.mark.parametrize("key", ["", "rest:" + "x" * 10_000, "socketio:居民张三", "wechat:\x00\n"])
def test_odd_keys_are_buckets_like_any_other(key: str) -> None:
    bucket = MemoryTokenBucket(burst=2, per_minute=1, clock=FakeClock())
    assert _allowed(bucket, key, 3) == [True, True, False]


def test_memory_forgets_the_idlest_senders_beyond_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Millions of one-message senders must not grow the process without bound."""
    monkeypatch.setattr(ratelimit, "MAX_TRACKED", 100)
    bucket = MemoryTokenBucket(burst=1, per_minute=1, clock=FakeClock())
    for n in range(1000):
        _allowed(bucket, f"k{n}", 1)
    assert len(bucket._buckets) == 100
    assert _allowed(bucket, "k999", 1) == [False], "a recent sender is still remembered"


@pytest.fixture()
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis; its keys are deleted afterwards."""
    prefix = f"test-ratelimit-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_redis_bucket_is_shared_by_replicas(redis_prefix: str) -> None:
    """Two replicas (two limiter objects, as in two processes) draw on one bucket per sender."""
    first = RedisTokenBucket(REDIS_TEST_URL, burst=3, per_minute=1, prefix=redis_prefix)
    second = RedisTokenBucket(REDIS_TEST_URL, burst=3, per_minute=1, prefix=redis_prefix)

    async def run() -> List[bool]:
        results = [await first.allow("rest:a"), await second.allow("rest:a"), await first.allow("rest:a"),
                   await second.allow("rest:a"), await first.allow("rest:a")]
        results.append(await second.allow("rest:b"))  # someone else
        return results
    assert asyncio.run(run()) == [True, True, True, False, False, True]
    client = redis.Redis.from_url(REDIS_TEST_URL)
    ttl = client.pttl(f"{redis_prefix}rest:a")
    assert 0 < ttl <= first.ttl_ms, "an idle bucket is forgotten by Redis once it would be full again"


def test_redis_bucket_refills_on_redis_time(redis_prefix: str) -> None:
    bucket = RedisTokenBucket(REDIS_TEST_URL, burst=2, per_minute=6000, prefix=redis_prefix)  # 100 a second

    async def run() -> List[bool]:
        drained = [await bucket.allow("k") for _ in range(2)]
        while await bucket.allow("k"):  # whatever refilled while we asked
            pass
        await asyncio.sleep(0.05)  # five tokens' worth, capped at the burst of two
        return [*drained, await bucket.allow("k"), await bucket.allow("k")]
    assert asyncio.run(run()) == [True, True, True, True]


def test_a_redis_restart_costs_no_message(redis_prefix: str) -> None:
    """Redis restarted between two messages (SHUTDOWN NOSAVE: the pooled connection dead, the bucket
    and the script cache gone): the next message reconnects and is counted in a new full bucket,
    instead of failing (it would be let through uncounted, with an error in the log)."""
    bucket = RedisTokenBucket(REDIS_TEST_URL, burst=1, per_minute=1, prefix=redis_prefix)

    async def run() -> List[bool]:
        first = await bucket.allow("sender")
        with redis_stopped():
            pass
        return [first, await bucket.allow("sender"), await bucket.allow("sender")]

    assert asyncio.run(run()) == [True, True, False]


def test_redis_url_selects_redis_else_memory() -> None:
    assert isinstance(make_rate_limiter(redis_url=REDIS_TEST_URL, burst=1, per_minute=1), RedisTokenBucket)
    assert isinstance(make_rate_limiter(redis_url="", burst=1, per_minute=1), MemoryTokenBucket)


def test_a_broken_store_lets_messages_through() -> None:
    """Redis down (nothing listens on the port): residents are answered rather than refused."""
    guard = SenderRateGuard(RedisTokenBucket("redis://127.0.0.1:1/0", burst=1, per_minute=1))

    class Message:
        sender_id, input_channel, output_channel = "a", "rest", None
    assert all(asyncio.run(guard.admit(Message())) for _ in range(3))  # type: ignore[arg-type]


class _Recorder:
    def __init__(self) -> None:
        self.texts: List[str] = []

    async def __call__(self, message: Any) -> None:
        self.texts.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "答：" + message.text)

    async def handle_message(self, message: Any) -> None:
        await self(message)


@pytest.fixture()
def desk_db(tmp_path: Path) -> Iterator[str]:
    """The channels ask the desk's tables whether a conversation is with staff: an empty database."""
    with fresh_database(tmp_path / "channels.db") as url:
        yield url


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_rest_flood_is_slowed_with_a_clear_message(backend: str, monkeypatch: pytest.MonkeyPatch,
                                                   desk_db: str) -> None:
    """The REST webhook: the fourth message in a row from one sender is answered with the notice
    and never reaches the assistant; another sender at the same moment is served."""
    from bot.channels.rest import GuardedRestInput
    from bot.config import get_settings

    monkeypatch.setenv("RATE_LIMIT_BURST", "3")
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    if backend == "redis":
        monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    recorder = _Recorder()
    server = serve_channels([GuardedRestInput()], recorder, name=f"rate_{backend}")
    url = f"{server.url}/webhooks/rest/webhook"
    flooder, other = f"flood-{uuid.uuid4().hex[:8]}", f"calm-{uuid.uuid4().hex[:8]}"
    try:
        replies = [requests.post(url, json={"sender": flooder, "message": f"第{n}条"}, timeout=10).json()
                   for n in range(6)]
        calm = requests.post(url, json={"sender": other, "message": "居住证怎么办"}, timeout=10).json()
    finally:
        server.stop()
        get_settings.cache_clear()
        redis.Redis.from_url(REDIS_TEST_URL).delete(f"ratelimit:rest:{flooder}", f"ratelimit:rest:{other}")
    assert [r[0]["text"] for r in replies] == ["答：第0条", "答：第1条", "答：第2条"] + [TOO_FAST] * 3
    assert recorder.texts == ["第0条", "第1条", "第2条", "居住证怎么办"]
    assert calm == [{"recipient_id": other, "text": "答：居住证怎么办"}]


async def test_socketio_flood_is_told_in_the_page(monkeypatch: pytest.MonkeyPatch, desk_db: str) -> None:
    """The Socket.IO channel: past the burst the page gets the notice as a bot message."""
    from bot.channels.webchat import WebChatInput
    from bot.config import get_settings

    monkeypatch.setenv("RATE_LIMIT_BURST", "2")
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        recorder = _Recorder()
        channel = WebChatInput(session_persistence=True)  # as credentials.yml has it
        channel.blueprint(recorder)
    finally:
        get_settings.cache_clear()
    emitted: List[Dict[str, Any]] = []

    async def emit(event: str, data: Dict[str, Any], room: str = "", **_: Any) -> None:
        emitted.append({"event": event, "room": room, **data})
    monkeypatch.setattr(channel.sio, "emit", emit)
    handler = channel.sio.handlers["/"]["user_uttered"]
    for n in range(4):
        await handler("sid-1", {"message": f"第{n}条", "session_id": "s" * 20})
    await handler("sid-2", {"message": "你好", "session_id": "t" * 20})
    assert recorder.texts == ["第0条", "第1条", "你好"]
    told = [m for m in emitted if m.get("text") == TOO_FAST]
    assert len(told) == 2 and all(m["room"] == "s" * 20 and m["event"] == "bot_uttered" for m in told)
