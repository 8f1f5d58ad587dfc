"""Safe XML parsing, reply building, rendering of buttons and splitting of long texts."""
from __future__ import annotations

import re

import pytest
from wechatpy import parse_message as wechatpy_parse

from bot.channels.wechat import xmlmsg
from bot.channels.wechat.render import MAX_TEXT_BYTES, choose, render_messages, split_text
from bot.channels.wechat.xmlmsg import XmlError, parse_message, text_reply

ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    "<xml><MsgType>text</MsgType><Content>&d;</Content></xml>"
)
EXTERNAL_ENTITY = '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'


def test_flat_and_nested_fields() -> None:
    fields = parse_message(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1</CreateTime>"
        b"<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType></ScanCodeInfo></xml>"
    )
    assert fields["ToUserName"] == "gh_1"
    assert fields["CreateTime"] == "1"
    assert fields["ScanCodeInfo.ScanType"] == "qrcode"


@pytest.mark.parametrize(
    "body",
    [
        ENTITY_BOMB,
        EXTERNAL_ENTITY,
        '<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml/>',
        "<xml><Content>&undefined;</Content></xml>",
        "<xml><Content>unclosed</xml>",
        "<notxml><Content>x</Content></notxml>",
        "<xml/><xml/>",
        "",
        "   ",
        "<xml>" + "<A>1</A>" * 300 + "</xml>",
        "<xml>" + "<A>" * 10 + "</A>" * 10 + "</xml>",
    ],
)
def test_refused(body: str) -> None:
    with pytest.raises(XmlError):
        parse_message(body.encode("utf-8"))


def test_dtd_refused_by_the_parser_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: even without the textual pre-check expat's handlers refuse DTDs."""
    monkeypatch.setattr(xmlmsg, "_DECLARATION", re.compile(r"(?!)"))
    for body in (ENTITY_BOMB, EXTERNAL_ENTITY):
        with pytest.raises(XmlError, match="DTD"):
            parse_message(body.encode("utf-8"))


def test_size_cap_and_encoding() -> None:
    with pytest.raises(XmlError, match="large"):
        parse_message(b"<xml><Content>" + b"a" * 70_000 + b"</Content></xml>")
    with pytest.raises(XmlError, match="UTF-8"):
        parse_message("<xml><Content>中文</Content></xml>".encode("gbk"))
    # a declared foreign encoding does not change how the UTF-8 bytes are read
    declared = '<?xml version="1.0" encoding="GBK"?><xml><Content>中文</Content></xml>'.encode()
    assert parse_message(declared)["Content"] == "中文"


def test_reply_escapes_cdata_end_and_control_characters() -> None:
    content = "材料]]><b>注意</b>\x01清单"
    xml = text_reply("oOPENID", "gh_account", content, 1714037059)
    message = wechatpy_parse(xml)
    assert message.content == "材料]]><b>注意</b>清单"
    assert message.source == "gh_account" and message.target == "oOPENID"
    assert "<CreateTime>1714037059</CreateTime>" in xml


def test_buttons_become_numbered_choices() -> None:
    text, choices = render_messages(
        [
            {"text": "请问孩子在哪里出生？", "buttons": [
                {"title": "本市医院", "payload": '/inform{"place":"local"}'},
                {"title": "外地医院", "payload": '/inform{"place":"other"}'},
            ]},
            {"text": "也可以直接打字告诉我。"},
            {"image": "https://example.org/map.png"},
            {"custom": {"text": "自定义文字"}},
            {"custom": {"kind": "card"}},
        ]
    )
    assert "1. 本市医院" in text and "2. 外地医院" in text and "回复数字" in text
    assert text.index("请问") < text.index("1. 本市医院") < text.index("也可以")
    assert "https://example.org/map.png" in text and "自定义文字" in text and "card" not in text
    assert [c["payload"] for c in choices] == ['/inform{"place":"local"}', '/inform{"place":"other"}']
    assert choose("2", choices)["title"] == "外地医院"
    assert choose("２", choices)["title"] == "外地医院"  # full-width digit
    assert choose(" 1. ", choices)["title"] == "本市医院"
    assert choose("本市医院", choices)["payload"] == '/inform{"place":"local"}'
    assert choose("3", choices) is None and choose("0", choices) is None
    assert choose("1", []) is None


def test_split_long_text_within_wechat_limit() -> None:
    paragraph = "办理居住证需要携带身份证原件、居住证明和近期照片。" * 20
    text = "\n\n".join(f"{i}. {paragraph}" for i in range(6))
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(len(chunk.encode("utf-8")) <= MAX_TEXT_BYTES for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")
    one_line = "字" * 3000  # no separator at all: cut by characters, never inside one
    chunks = split_text(one_line)
    assert "".join(chunks) == one_line and all(len(c.encode()) <= MAX_TEXT_BYTES for c in chunks)
    assert split_text("短") == ["短"] and split_text("  ") == []
