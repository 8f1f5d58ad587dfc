"""Hostile or broken requests: refused or "success", nothing stored, the server stays up."""
from __future__ import annotations

import time

import pytest

ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
    "<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oX</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>"
)


def _nothing_happened(server, db_rows) -> None:
    assert server.assistant.calls == []
    assert db_rows() == {"wechat_dedup_key": 0, "wechat_offered_choices": 0,
                         "wechat_access_token": 0, "wechat_delivery_failure": 0}
    # and the server still works
    assert server.peer.reply(server.peer.post(server.peer.text("还在吗"))).content == "收到：还在吗"


def test_forged_missing_or_stale_signature(wechat_server, db_rows) -> None:
    server = wechat_server()
    peer = server.peer
    query, body = peer.request(peer.text("你好"))
    assert peer.post_raw({**query, "signature": "0" * 40}, body).status_code == 403
    assert peer.post_raw({k: v for k, v in query.items() if k != "signature"}, body).status_code == 403
    assert peer.post_raw({**query, "timestamp": "not-a-number"}, body).status_code == 403
    stale = peer.signed_query(timestamp=int(time.time()) - 3600)
    assert peer.post_raw(stale, body).status_code == 403
    assert peer.post_raw({**query, "signature": "0" * 40}, b"x" * 1_000_000).status_code == 403
    _nothing_happened(server, db_rows)


@pytest.mark.parametrize(
    "body,status",
    [
        (b"<xml><ToUserName>gh</ToUserName><Content>unclosed</xml>", 400),
        (ENTITY_BOMB.encode(), 400),
        (b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>', 400),
        (b"<xml>" + b"<Content>" + b"a" * 1_000_000 + b"</Content></xml>", 413),
        (b"", 400),
        ("<xml><Content>中文</Content></xml>".encode("gbk"), 400),
        (b"<xml><MsgType>text</MsgType><Content>no sender</Content><MsgId>5</MsgId></xml>", 400),
        (b'{"json": "instead of xml"}', 400),
    ],
    ids=["malformed", "entity-bomb", "external-entity", "1MB", "empty", "not-utf8", "no-sender", "json"],
)
def test_bad_bodies_with_valid_signature(wechat_server, db_rows, body: bytes, status: int) -> None:
    server = wechat_server()
    started = time.monotonic()
    response = server.peer.post_raw(server.peer.signed_query(), body)
    assert response.status_code == status and response.content == b""
    assert time.monotonic() - started < 2.0
    _nothing_happened(server, db_rows)


def test_replayed_msgid_runs_once(wechat_server) -> None:
    server = wechat_server()
    xml = server.peer.text("公积金能取出来付房租吗", msg_id="24000000000000999")
    first = server.peer.post(xml)  # fresh timestamp and nonce each time: a valid replay
    second = server.peer.post(xml)
    third = server.peer.post(xml, mode="safe")
    assert server.peer.reply(first).content == "收到：公积金能取出来付房租吗"
    assert second.status_code == 200 and second.text == "success"
    assert third.status_code == 200 and third.text == "success"
    assert len(server.assistant.calls) == 1
