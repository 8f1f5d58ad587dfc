"""The channel over real HTTP, with wechatpy playing WeChat's servers, in plain, safe and compatible mode."""
from __future__ import annotations

import asyncio
import time

import pytest
import requests
from rasa.core.channels.channel import CollectingOutputChannel
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat import repository
from bot.channels.wechat.output import WeChatOutput
from bot.channels.wechat.render import MAX_TEXT_BYTES, split_text

MODES = ["plain", "safe", "compat"]
ACCOUNT = "gh_0123456789ab"
OPENID = "oRESIDENT0000000000000000001"


def roundtrip(server, xml: str, mode: str):
    query, body = server.peer.request(xml, mode)
    response = server.peer.post_raw(query, body)
    return server.peer.reply(response, mode, query["nonce"])


def posted_status(server, xml: str, mode: str) -> requests.Response:
    query, body = server.peer.request(xml, mode)
    return server.peer.post_raw(query, body)


# GET verification -------------------------------------------------------------------------
def test_get_verification_with_official_vector(wechat_server) -> None:
    server = wechat_server(token="AAAAA", aes_key="", replay_window=0)
    ok = requests.get(server.url, timeout=5, params={
        "signature": "899cf89e464efb63f54ddac96b0a0a235f53aa78", "timestamp": "1714037059",
        "nonce": "486452656", "echostr": "7271312467520589373"})
    assert ok.status_code == 200 and ok.text == "7271312467520589373"
    bad = requests.get(server.url, timeout=5, params={
        "signature": "899cf89e464efb63f54ddac96b0a0a235f53aa79", "timestamp": "1714037059",
        "nonce": "486452656", "echostr": "7271312467520589373"})
    assert bad.status_code == 403 and "7271312467520589373" not in bad.text
    assert requests.get(server.url, timeout=5, params={"echostr": "x"}).status_code == 403


def test_get_verification_refuses_old_timestamps(wechat_server) -> None:
    server = wechat_server()
    fresh = requests.get(server.url, params={**server.peer.signed_query(), "echostr": "abc"}, timeout=5)
    assert fresh.status_code == 200 and fresh.text == "abc"
    stale = server.peer.signed_query(timestamp=int(time.time()) - 3600)
    assert requests.get(server.url, params={**stale, "echostr": "abc"}, timeout=5).status_code == 403


# message types ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_text(wechat_server, mode: str) -> None:
    server = wechat_server()
    reply = roundtrip(server, server.peer.text("娃刚生下来咋上户口", msg_id="24000000000000777"), mode)
    assert reply.type == "text" and reply.content == "收到：娃刚生下来咋上户口"
    assert reply.target == OPENID and reply.source == ACCOUNT
    assert abs(reply.create_time.timestamp() - time.time()) < 60
    (call,) = server.assistant.calls
    assert call.sender_id == OPENID and call.message_id == "24000000000000777"
    assert call.input_channel == "wechat" and isinstance(call.output_channel, CollectingOutputChannel)
    assert call.metadata["wechat"]["msg_type"] == "text"


@pytest.mark.parametrize("mode", MODES)
def test_voice_with_and_without_recognition(wechat_server, mode: str) -> None:
    server = wechat_server()
    peer = server.peer
    voice = peer.xml("voice", MediaId="media1", Format="amr", Recognition="社保卡丢了", MsgId=peer.next_msg_id())
    assert roundtrip(server, voice, mode).content == "收到：社保卡丢了"
    assert server.assistant.calls[0].metadata["wechat"]["voice"] is True
    for off in (
        peer.xml("voice", MediaId="media2", Format="amr", MsgId=peer.next_msg_id()),
        peer.xml("voice", MediaId="media3", Format="amr", Recognition="", MsgId=peer.next_msg_id()),
    ):
        kind = roundtrip(server, off, mode).content
        assert "没能听清" in kind and "文字" in kind
    assert len(server.assistant.calls) == 1


@pytest.mark.parametrize("mode", MODES)
def test_location_reaches_the_actions(wechat_server, assistant_class, mode: str) -> None:
    def nearest(message):
        loc = message.metadata["location"]
        return [{"text": f"离您最近的大厅（{loc['latitude']},{loc['longitude']}）"}]

    server = wechat_server(assistant_class(respond=nearest))
    xml = server.peer.xml("location", Location_X=30.5928, Location_Y=114.3055, Scale=15,
                          Label="江州市东湖区民主路1号", MsgId=server.peer.next_msg_id())
    assert roundtrip(server, xml, mode).content == "离您最近的大厅（30.5928,114.3055）"
    (call,) = server.assistant.calls
    assert call.text == "我的位置"
    assert call.metadata["location"]["latitude"] == 30.5928 and call.metadata["location"]["longitude"] == 114.3055
    assert call.metadata["location"]["label"] == "江州市东湖区民主路1号"


@pytest.mark.parametrize("mode", MODES)
def test_subscribe_with_scene_and_silent_welcome(wechat_server, assistant_class, mode: str) -> None:
    server = wechat_server(assistant_class(respond=lambda m: [{"text": "欢迎！"}] if m.sender_id == OPENID else []))
    xml = server.peer.xml("event", Event="subscribe", EventKey="qrscene_hall42", Ticket="TICKET")
    assert roundtrip(server, xml, mode).content == "欢迎！"
    call = server.assistant.calls[0]
    assert call.text == "/greet"  # chosen by the channel, not typed by the resident
    assert call.metadata["wechat"]["event"] == "subscribe" and call.metadata["wechat"]["scene"] == "hall42"
    # the bot has nothing to say for this follower: the channel's own welcome is sent
    other = server.peer.xml("event", openid="oSECOND", Event="subscribe", EventKey="")
    welcome = roundtrip(server, other, mode)
    assert "欢迎关注" in welcome.content and welcome.target == "oSECOND"
    assert "scene" not in server.assistant.calls[1].metadata["wechat"]


@pytest.mark.parametrize("mode", MODES)
def test_unsubscribe_gets_no_reply(wechat_server, mode: str) -> None:
    server = wechat_server()
    response = posted_status(server, server.peer.xml("event", Event="unsubscribe", EventKey=""), mode)
    assert response.status_code == 200 and response.text == "success"
    assert server.assistant.calls == []


@pytest.mark.parametrize("mode", MODES)
def test_image_gets_polite_fallback(wechat_server, mode: str) -> None:
    server = wechat_server()
    image = server.peer.xml("image", PicUrl="http://mmbiz.qpic.cn/x", MediaId="m", MsgId=server.peer.next_msg_id())
    reply = roundtrip(server, image, mode)
    assert "图片" in reply.content and "12345" in reply.content and reply.target == OPENID
    assert server.assistant.calls == []


# identity, choices, escaping ----------------------------------------------------------------
def test_leading_slash_typed_by_resident_never_becomes_an_intent(wechat_server) -> None:
    server = wechat_server()
    peer = server.peer
    roundtrip(server, peer.text("/restart"), "plain")
    roundtrip(server, peer.text('  /handoff{"x":1}'), "safe")
    roundtrip(server, peer.xml("voice", MediaId="m", Recognition="/stop", MsgId=peer.next_msg_id()), "plain")
    texts = [call.text for call in server.assistant.calls]
    assert texts == ["／restart", '／handoff{"x":1}', "／stop"]
    assert not any(text.startswith("/") for text in texts)


def test_buttons_as_numbered_choices(wechat_server, assistant_class) -> None:
    def respond(message):
        if message.text == "上户口":
            return [{"text": "孩子在哪里出生？", "buttons": [
                {"title": "本市医院", "payload": '/inform{"place":"local"}'},
                {"title": "外地医院", "payload": '/inform{"place":"other"}'}]}]
        return [{"text": f"收到：{message.text}"}]

    server = wechat_server(assistant_class(respond=respond))
    shown = roundtrip(server, server.peer.text("上户口"), "safe").content
    assert "1. 本市医院" in shown and "2. 外地医院" in shown
    roundtrip(server, server.peer.text("2"), "safe")
    picked = server.assistant.calls[1]
    assert picked.text == '/inform{"place":"other"}'  # the bot's own payload, not escaped
    assert picked.metadata["wechat"]["choice"] == "外地医院"
    roundtrip(server, server.peer.text("1"), "plain")  # the last answer had no buttons: plain "1"
    assert server.assistant.calls[2].text == "1"


def test_cdata_terminator_in_bot_text(wechat_server, assistant_class) -> None:
    server = wechat_server(assistant_class(respond=lambda m: [{"text": "材料]]>清单"}]))
    assert roundtrip(server, server.peer.text("材料"), "safe").content == "材料]]>清单"


def test_long_answer_is_split_into_kefu_messages(wechat_server, assistant_class, fake_wechat_api) -> None:
    long_answer = "\n".join(f"第{i}项：身份证原件、户口簿原件及复印件一份。" for i in range(120))
    server = wechat_server(assistant_class(respond=lambda m: [{"text": long_answer}]))
    response = server.peer.post(server.peer.text("要带什么材料"))
    assert response.text == "success"
    expected = split_text(long_answer)
    assert len(expected) >= 3
    delivered = fake_wechat_api.wait_delivered(len(expected))
    chunks = [m["text"]["content"] for m in delivered]
    assert chunks == expected and all(len(c.encode("utf-8")) <= MAX_TEXT_BYTES for c in chunks)
    assert "\n".join(chunks) == long_answer and {m["touser"] for m in delivered} == {OPENID}


def test_assistant_failure_gets_an_apology_and_server_stays_up(wechat_server, assistant_class) -> None:
    assistant = assistant_class(fail=True)
    server = wechat_server(assistant)
    assert "抱歉" in roundtrip(server, server.peer.text("你好"), "plain").content
    assistant.fail = False
    assert roundtrip(server, server.peer.text("再试"), "plain").content == "收到：再试"


# safe mode failures --------------------------------------------------------------------------
def test_safe_mode_refusals_are_4xx_and_store_nothing(wechat_server, db_rows) -> None:
    server = wechat_server()
    peer = server.peer
    xml = peer.text("你好")
    query, body = peer.request(xml, "safe")

    garbage = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIzNDU2Nzg5MA=="
    from wechatpy.utils import WeChatSigner

    signer = WeChatSigner()
    signer.add_data(peer.token, query["timestamp"], query["nonce"], garbage)
    garbage_body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>{garbage}</Encrypt></xml>".encode()
    assert peer.post_raw({**query, "msg_signature": signer.signature}, garbage_body).status_code == 400

    assert peer.post_raw({**query, "msg_signature": "0" * 40}, body).status_code == 400
    no_encrypt = f"<xml><ToUserName>{ACCOUNT}</ToUserName></xml>".encode()
    assert peer.post_raw(query, no_encrypt).status_code == 400

    foreign = WeChatCrypto(peer.token, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxANOTHERACCOUNT00")
    peer.crypto = foreign
    assert posted_status(server, peer.text("你好"), "safe").status_code == 400
    assert server.assistant.calls == []
    assert db_rows()["wechat_dedup_key"] == 0


def test_safe_mode_without_configured_key_is_refused(wechat_server) -> None:
    server = wechat_server(aes_key="")
    assert posted_status(server, server.peer.text("你好"), "safe").status_code == 400
    assert roundtrip(server, server.peer.text("明文"), "plain").content == "收到：明文"


# pushed messages (Rasa's output channel) -----------------------------------------------------
def test_output_channel_pushes_through_kefu(wechat_server, fake_wechat_api) -> None:
    server = wechat_server()
    output = server.channel.get_output_channel()
    assert isinstance(output, WeChatOutput) and output.name() == "wechat"
    asyncio.run(output.send_response(OPENID, {"text": "工作人员：您的材料已收到", "buttons": [
        {"title": "满意", "payload": "/rate{\"score\":5}"}, {"title": "不满意", "payload": "/rate{\"score\":1}"}]}))
    asyncio.run(output.send_response(OPENID, {"image": "https://example.org/qr.png"}))
    delivered = [m["text"]["content"] for m in fake_wechat_api.wait_delivered(2)]
    assert "工作人员：您的材料已收到" in delivered[0] and "1. 满意" in delivered[0] and "2. 不满意" in delivered[0]
    assert "https://example.org/qr.png" in delivered[1]
    assert [c["title"] for c in repository.load_choices(OPENID, 3600)] == ["满意", "不满意"]
    roundtrip(server, server.peer.text("1"), "plain")
    assert server.assistant.calls[0].text == '/rate{"score":5}'
