"""The WeChat channel's rate limit per resident (openid): past the burst a message gets the notice as
its passive reply and no turn; another resident is answered as usual.

Tried: a flood of six texts from one openid, in plain and safe mode, with the buckets in memory and
in the real Redis (REDIS_URL); a second resident at the same moment.
"""
from __future__ import annotations

import uuid

import pytest
import redis

from bot.channels.guard import TOO_FAST

REDIS_TEST_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("backend, mode", [("memory", "plain"), ("redis", "safe")])
def test_a_flood_from_one_resident_is_slowed(wechat_server, assistant_class, monkeypatch: pytest.MonkeyPatch,
                                             backend: str, mode: str) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("RATE_LIMIT_BURST", "2")
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    if backend == "redis":
        monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    get_settings.cache_clear()
    server = wechat_server(assistant_class())
    flooder, other = "o" + uuid.uuid4().hex[:27], "o" + uuid.uuid4().hex[:27]
    try:
        answers = []
        for n in range(6):
            query, body = server.peer.request(server.peer.text(f"第{n}条", openid=flooder), mode)
            answers.append(server.peer.reply(server.peer.post_raw(query, body), mode, query["nonce"]).content)
        query, body = server.peer.request(server.peer.text("社保卡丢了", openid=other), mode)
        calm = server.peer.reply(server.peer.post_raw(query, body), mode, query["nonce"]).content
    finally:
        get_settings.cache_clear()
        redis.Redis.from_url(REDIS_TEST_URL).delete(f"ratelimit:wechat:{flooder}", f"ratelimit:wechat:{other}")
    assert answers == ["收到：第0条", "收到：第1条"] + [TOO_FAST] * 4
    assert calm == "收到：社保卡丢了"
    assert [m.text for m in server.assistant.calls] == ["第0条", "第1条", "社保卡丢了"]
