"""access_token and 客服 messages against a fake WeChat API served over real HTTP on 127.0.0.1."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels.wechat import repository
from bot.channels.wechat.api import NETWORK_ERROR, WeChatApiClient

APPID = "wx0123456789abcdef"
SECRET = "test-app-secret-do-not-log"


def client(api, **kwargs) -> WeChatApiClient:
    return WeChatApiClient(APPID, SECRET, api.url, timeout=3.0, **kwargs)


def test_token_from_stable_token_cached_and_shared(wechat_db, fake_wechat_api) -> None:
    first = client(fake_wechat_api)
    assert asyncio.run(first.send_text("oA", "一")).ok
    assert asyncio.run(first.send_text("oA", "二")).ok
    assert len(fake_wechat_api.token_calls) == 1
    call = fake_wechat_api.token_calls[0]
    assert call["endpoint"] == "stable" and call["grant_type"] == "client_credential" and call["force_refresh"] is False
    token, _expires_at = repository.load_token(APPID)
    assert token == "ACCESS_TOKEN_1"
    # another worker (new client, same database) reuses the stored token without fetching
    assert asyncio.run(client(fake_wechat_api).send_text("oA", "三")).ok
    assert len(fake_wechat_api.token_calls) == 1
    assert [m["text"]["content"] for m in fake_wechat_api.delivered] == ["一", "二", "三"]
    assert all(c["token"] == "ACCESS_TOKEN_1" for c in fake_wechat_api.send_calls)


def test_message_body_is_utf8_json(wechat_db, fake_wechat_api) -> None:
    asyncio.run(client(fake_wechat_api).send_text("oA", "社保卡"))
    assert "社保卡".encode() in fake_wechat_api.raw_bodies[0]
    assert fake_wechat_api.send_calls[0]["body"] == {"touser": "oA", "msgtype": "text", "text": {"content": "社保卡"}}


@pytest.mark.parametrize("errcode", [40001, 42001, 40014])
def test_rejected_token_is_refreshed_and_retried_once(wechat_db, fake_wechat_api, errcode: int) -> None:
    api = client(fake_wechat_api)
    assert asyncio.run(api.send_text("oA", "热身")).ok
    fake_wechat_api.expire_current()
    fake_wechat_api.send_script = [{"errcode": errcode, "errmsg": "access_token expired"}]
    result = asyncio.run(api.send_text("oA", "过期后"))
    assert result.ok
    assert len(fake_wechat_api.token_calls) == 2 and fake_wechat_api.token_calls[1]["force_refresh"] is True
    assert [c["token"] for c in fake_wechat_api.send_calls] == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]
    assert repository.load_token(APPID)[0] == "ACCESS_TOKEN_2"
    assert repository.list_failures() == []


def test_token_error_twice_is_not_retried_forever(wechat_db, fake_wechat_api) -> None:
    fake_wechat_api.send_script = [{"errcode": 40001, "errmsg": "invalid"}] * 5
    assert asyncio.run(client(fake_wechat_api).send_texts("oA", ["一", "二"])) is False
    assert len(fake_wechat_api.send_calls) == 2  # first attempt + one retry, second chunk not tried
    (failure,) = repository.list_failures("oA")
    assert failure["errcode"] == 40001 and failure["preview"].startswith("一")


@pytest.mark.parametrize("errcode", [45015, 45009, 45047])
def test_window_and_quota_errors_are_recorded_not_retried(wechat_db, fake_wechat_api, errcode: int) -> None:
    fake_wechat_api.send_script = [{"errcode": errcode, "errmsg": "refused"}]
    assert asyncio.run(client(fake_wechat_api).send_texts("oLATE", ["您的办件已受理", "第二段"])) is False
    assert len(fake_wechat_api.send_calls) == 1 and len(fake_wechat_api.token_calls) == 1
    (failure,) = repository.list_failures("oLATE")
    assert failure["errcode"] == errcode and "您的办件已受理" in failure["preview"]


def test_quota_on_token_endpoint_is_recorded(wechat_db, fake_wechat_api) -> None:
    fake_wechat_api.token_script = [{"errcode": 45009, "errmsg": "reach max api daily quota limit"}]
    assert asyncio.run(client(fake_wechat_api).send_texts("oA", ["一"])) is False
    assert fake_wechat_api.send_calls == []
    assert repository.list_failures("oA")[0]["errcode"] == 45009


def test_one_refresher_at_a_time(wechat_db, fake_wechat_api) -> None:
    api = client(fake_wechat_api)

    async def many() -> list:
        return await asyncio.gather(*(api.access_token() for _ in range(10)))

    assert set(asyncio.run(many())) == {"ACCESS_TOKEN_1"}
    assert len(fake_wechat_api.token_calls) == 1


def test_worker_waits_for_the_refresh_lease_of_another(wechat_db, fake_wechat_api) -> None:
    """A lease held by another worker: this one waits and adopts the token it stores."""
    lease = f"wechat:token-refresh:{APPID}"
    assert repository.claim_key(lease, 15)

    async def other_worker_finishes() -> None:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(repository.store_token, APPID, "TOKEN_FROM_OTHER_WORKER", 4_000_000_000.0)

    async def scenario() -> str:
        waiter = asyncio.create_task(client(fake_wechat_api).access_token())
        await other_worker_finishes()
        return await waiter

    assert asyncio.run(scenario()) == "TOKEN_FROM_OTHER_WORKER"
    assert fake_wechat_api.token_calls == []


def test_classic_token_endpoint_and_fallback(wechat_db, fake_wechat_api) -> None:
    assert asyncio.run(client(fake_wechat_api, token_endpoint="token").access_token()) == "ACCESS_TOKEN_1"
    assert fake_wechat_api.token_calls[-1]["endpoint"] == "token"
    fake_wechat_api.stable_missing = True  # a gateway that only knows /cgi-bin/token
    repository.store_token(APPID, "x", 0.0)  # stored token expired
    fallback = client(fake_wechat_api)
    assert asyncio.run(fallback.access_token()) == "ACCESS_TOKEN_2"
    assert fallback.token_endpoint == "token" and fake_wechat_api.token_calls[-1]["endpoint"] == "token"


def test_network_error_is_recorded_not_raised(wechat_db, fake_api_class) -> None:
    closed = fake_api_class().start()
    base = closed.url
    closed.stop()  # nothing listens on that port any more
    api = WeChatApiClient(APPID, SECRET, base, timeout=2.0)
    assert asyncio.run(api.send_texts("oA", ["一"])) is False
    assert repository.list_failures("oA")[0]["errcode"] == NETWORK_ERROR


def test_secrets_never_logged(wechat_db, fake_wechat_api, caplog: pytest.LogCaptureFixture) -> None:
    api = client(fake_wechat_api)
    with caplog.at_level(logging.DEBUG):
        asyncio.run(api.send_text("oA", "一"))
        fake_wechat_api.expire_current()
        asyncio.run(api.send_text("oA", "二"))
        fake_wechat_api.send_script = [{"errcode": 45015, "errmsg": "response out of time limit"}]
        asyncio.run(api.send_texts("oA", ["三"]))
    assert "refreshed" in caplog.text and "45015" in caplog.text  # the test does see these logs
    for secret in (SECRET, "ACCESS_TOKEN_1", "ACCESS_TOKEN_2"):
        assert secret not in caplog.text
