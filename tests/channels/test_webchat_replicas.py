"""Two replicas of the web chat channel (two Sanic servers, as two Rasa processes have) and one
resident's socket on the first: a push sent by the second — what Rasa's HTTP API does for a staff
reply or a work-order update with ``output_channel=latest`` — reaches the resident through the real
Redis at 127.0.0.1:6379 (python-socketio's AsyncRedisManager), and does not without REDIS_URL.

Tried: the push sent before the first replica has finished subscribing (sent again until it
arrives, bounded), another resident connected to the same replica (gets nothing), no REDIS_URL.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Iterator, List, Tuple

import pytest

from bot.channels.webchat import WebChatInput
from tests.support.channel_server import SanicThread, serve_channels
from tests.support.webchat import WebResident

REDIS_TEST_URL = "redis://127.0.0.1:6379/0"


class _Agent:
    async def handle_message(self, message: Any) -> None:  # residents say nothing in these tests
        raise AssertionError("no message expected")


@pytest.fixture()
def replicas(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[List[Tuple[Any, Any]]]:
    """Two (channel, server) pairs; REDIS_URL set when the test is parametrised with ``redis``."""
    from bot.config import get_settings

    if request.param == "redis":
        monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    pairs = []
    try:
        for n in range(2):
            channel = WebChatInput(session_persistence=True)
            pairs.append((channel, serve_channels([channel], _Agent(), name=f"replica{n}")))
    finally:
        get_settings.cache_clear()
    yield pairs
    for _, server in pairs:
        server.stop()


def _push(channel: Any, server: SanicThread, session_id: str, text: str) -> None:
    output = channel.get_output_channel()
    asyncio.run_coroutine_threadsafe(output.send_text_message(session_id, text, staff="张敏"), server.loop).result(10)


@pytest.mark.parametrize("replicas", ["redis"], indirect=True)
def test_a_push_from_either_replica_reaches_the_socket(replicas: List[Tuple[Any, Any]]) -> None:
    (channel_a, server_a), (channel_b, server_b) = replicas
    resident = WebResident(f"{server_a.url}/webhooks/")
    bystander = WebResident(f"{server_a.url}/webhooks/")
    try:
        deadline = time.monotonic() + 15
        while not resident.received and time.monotonic() < deadline:
            _push(channel_b, server_b, resident.session_id, "您好，我是工作人员")  # B holds no socket
            time.sleep(0.3)
        assert resident.received, "the push from the other replica never arrived"
        assert resident.received[0] == {"text": "您好，我是工作人员", "from": "staff"}
        before = resident.count()
        _push(channel_a, server_a, resident.session_id, "同一副本也照常送达")
        resident.wait(lambda m: m.get("text") == "同一副本也照常送达", before, timeout=10)
        assert bystander.received == []
    finally:
        resident.close()
        bystander.close()


@pytest.mark.parametrize("replicas", ["memory"], indirect=True)
def test_without_redis_a_push_stays_on_its_replica(replicas: List[Tuple[Any, Any]]) -> None:
    """What the Redis manager fixes: each replica only knows its own sockets."""
    (channel_a, server_a), (channel_b, server_b) = replicas
    resident = WebResident(f"{server_a.url}/webhooks/")
    try:
        _push(channel_b, server_b, resident.session_id, "发不到")
        _push(channel_a, server_a, resident.session_id, "发得到")
        resident.wait(lambda m: m.get("text") == "发得到", 0, timeout=10)
        assert [m["text"] for m in resident.received] == ["发得到"]
    finally:
        resident.close()
