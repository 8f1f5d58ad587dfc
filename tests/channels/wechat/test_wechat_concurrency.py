"""WeChat's retries and the 5-second budget: one turn per message, late answers via 客服."""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.channels.wechat import repository
from bot.channels.wechat.dedup import DatabaseDedupStore, message_key

OPENID = "oRESIDENT0000000000000000001"
ACCOUNT = "gh_0123456789ab"  # the account the test peer writes to (conftest.ACCOUNT)


def _post_together(peer, query, body, count: int = 3):
    barrier = threading.Barrier(count)

    def one(_):
        barrier.wait()
        return peer.post_raw(query, body)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_three_identical_posts_run_one_turn(wechat_server, assistant_class, db_rows, mode: str) -> None:
    server = wechat_server(assistant_class(delay=0.5))
    query, body = server.peer.request(server.peer.text("社保卡丢了"), mode)
    responses = _post_together(server.peer, query, body)
    assert all(r.status_code == 200 for r in responses)
    replies = [r for r in responses if r.text != "success"]
    assert len(replies) == 1 and sum(r.text == "success" for r in responses) == 2
    assert server.peer.reply(replies[0], mode, query["nonce"]).content == "收到：社保卡丢了"
    assert len(server.assistant.calls) == 1
    assert db_rows()["wechat_dedup_key"] == 1


def test_three_identical_events_run_one_turn(wechat_server, assistant_class) -> None:
    server = wechat_server(assistant_class(delay=0.3))
    query, body = server.peer.request(server.peer.xml("event", Event="subscribe", EventKey="qrscene_7"), "plain")
    responses = _post_together(server.peer, query, body)
    assert sorted(r.text == "success" for r in responses) == [False, True, True]
    assert len(server.assistant.calls) == 1


def test_slow_assistant_answers_through_kefu(wechat_server, assistant_class, fake_wechat_api) -> None:
    """Default 4 s budget: WeChat gets "success" in under 5 s, the answer follows via 客服."""
    def respond(message):
        return [{"text": "需要身份证和户口簿。", "buttons": [{"title": "预约办理", "payload": "/book"}]}]

    assistant = assistant_class(respond=respond, delay=5.5)
    server = wechat_server(assistant)
    query, body = server.peer.request(server.peer.text("驾照快到期了"), "safe")
    started = time.monotonic()
    response = server.peer.post_raw(query, body)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.text == "success"
    assert 3.0 < elapsed < 5.0
    assert fake_wechat_api.delivered == []  # not yet: the assistant is still thinking
    # WeChat retries the same request: refused as a duplicate, no second turn
    assert server.peer.post_raw(query, body).text == "success"
    (late,) = fake_wechat_api.wait_delivered(1, timeout=10)
    assert late["touser"] == OPENID and "需要身份证和户口簿。" in late["text"]["content"]
    assert "1. 预约办理" in late["text"]["content"]
    assert len(assistant.calls) == 1
    # the choices offered in the late answer work for the next message
    assistant.delay = 0
    server.peer.post(server.peer.text("1"))
    assert assistant.calls[1].text == "/book"


def test_late_failure_sends_an_apology(wechat_server, assistant_class, fake_wechat_api) -> None:
    server = wechat_server(assistant_class(delay=0.6, fail=True), reply_budget=0.2)
    assert server.peer.post(server.peer.text("你好")).text == "success"
    (late,) = fake_wechat_api.wait_delivered(1, timeout=10)
    assert "抱歉" in late["text"]["content"]


def test_database_claim_is_atomic_under_threads(wechat_db) -> None:
    key = message_key({"ToUserName": "gh", "MsgId": "1234567890123456"})
    barrier = threading.Barrier(8)

    def claim(_):
        barrier.wait()
        return repository.claim_key(key, 60)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(8)))
    assert results.count(True) == 1


def test_keys_expire_after_at_least_60_seconds(wechat_db) -> None:
    store = DatabaseDedupStore(ttl=5)  # asked for less than WeChat's retry span: raised to 60
    assert store.ttl == 60
    now = time.time()
    assert asyncio.run(store.claim("k1"))
    assert not asyncio.run(store.claim("k1"))
    assert not repository.claim_key("k1", 60, now=now + 59)
    assert repository.claim_key("k1", 60, now=now + 61)  # expired: a genuinely new delivery


def test_message_keys() -> None:
    assert message_key({"ToUserName": "gh", "MsgId": "42"}) == "wechat:gh:msg:42"
    event = {"ToUserName": "gh", "FromUserName": "oA", "CreateTime": "1714037059", "Event": "subscribe"}
    assert message_key(event) == "wechat:gh:evt:oA:1714037059"
    assert message_key({"ToUserName": "gh"}) is None
    long_key = message_key({"ToUserName": "gh", "MsgId": "9" * 500})
    assert long_key is not None and len(long_key) < 200


def test_store_outage_still_answers(wechat_server) -> None:
    """If the de-duplication store is down the resident still gets an answer (logged)."""
    class Broken:
        async def claim(self, key: str) -> bool:
            raise ConnectionError("database is down")

    server = wechat_server()
    server.channel.dedup = Broken()
    assert server.peer.reply(server.peer.post(server.peer.text("你好"))).content == "收到：你好"


# With REDIS_URL set (make run-scaled) the claims still go to the database: the scaled profile's
# Redis keeps nothing on disk and a restart would forget them (bot/channels/wechat/dedup.py).
REDIS_TEST_URL = "redis://127.0.0.1:6379/13"


def test_two_workers_claiming_the_same_message_at_once_exactly_one_wins(store_db: str) -> None:
    """Two threads, each with its own event loop and its own store (two workers), on SQLite and on
    the real PostgreSQL, released together by a barrier to claim the same MsgId; repeated for 50
    different MsgIds so the race really happens."""
    keys = [message_key({"ToUserName": "gh_race", "MsgId": str(7 * 10**15 + n)}) for n in range(50)]
    barrier = threading.Barrier(2)

    def worker(name: str) -> list:
        async def run() -> list:
            store = DatabaseDedupStore(ttl=60)
            assert await store.claim(f"warm-up:{name}")  # connection open before the race
            results = []
            for key in keys:
                barrier.wait(10)
                results.append(await store.claim(key))
            return results

        return asyncio.run(run())

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(worker, ["a", "b"])
    per_message = [(a, b) for a, b in zip(first, second, strict=True)]
    assert all(a != b for a, b in per_message), f"both or neither worker won a MsgId: {per_message}"
    assert repository.dedup_key_count() == len(keys) + 2


def test_three_identical_posts_run_one_turn_with_redis_set(wechat_server, assistant_class, db_rows,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The channel as deployed with REDIS_URL: WeChat's three identical deliveries of one text
    message at once run one turn, and the claim is a database row, nothing in the real Redis."""
    import redis

    from bot.config import get_settings

    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    get_settings.cache_clear()
    server = wechat_server(assistant_class(delay=0.5))
    assert isinstance(server.channel.dedup, DatabaseDedupStore)
    msg_id = server.peer.next_msg_id()
    query, body = server.peer.request(server.peer.text("社保卡丢了", msg_id=msg_id), "plain")
    responses = _post_together(server.peer, query, body)
    assert all(r.status_code == 200 for r in responses)
    assert sorted(r.text == "success" for r in responses) == [False, True, True]
    assert len(server.assistant.calls) == 1
    assert db_rows()["wechat_dedup_key"] == 1
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3, socket_timeout=10)
    assert list(client.scan_iter(match=f"*{msg_id}*", count=1000)) == [], "nothing of the claim in Redis"


def test_answer_still_delivered_when_wechat_hangs_up(wechat_server, assistant_class, fake_wechat_api) -> None:
    """WeChat closes the connection before we answer: the turn's answer is pushed via 客服."""
    import requests

    server = wechat_server(assistant_class(delay=1.0), reply_budget=3.0)
    with pytest.raises(requests.exceptions.Timeout):
        server.peer.post(server.peer.text("你好"), timeout=0.3)
    (late,) = fake_wechat_api.wait_delivered(1, timeout=10)
    assert late["text"]["content"] == "收到：你好"
