"""End to end through the REST webhook: real Rasa server, real action server, real database."""
from __future__ import annotations

import re

import pytest
import requests

from tests.support.chat import Chat, buttons, texts

SOURCE = re.compile(r"数据来源：.+更新于 \d{4}-\d{2}-\d{2}")


@pytest.fixture()
def chat(rasa_stack) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(rasa_stack.rasa_url)


def test_materials_then_follow_ups_keep_the_service(chat: Chat) -> None:
    first = chat.send("办居住证要带啥")
    situation_buttons = buttons(first)
    assert situation_buttons, f"the bot should ask the situation with buttons: {first}"
    answer = chat.click(situation_buttons[0]["payload"])
    text = texts(answer)
    assert "居住证首次申领" in text and "所需材料" in text and SOURCE.search(text)

    later = chat.say("那要多久？")
    assert ("居住证首次申领" in later and "工作日" in later) or "即办" in later
    fee = chat.say("要钱吗")
    assert "居住证首次申领" in fee and "收费" in fee


def test_new_question_while_the_form_asks_is_answered(chat: Chat) -> None:
    asked = chat.send("办居住证要带啥")
    assert buttons(asked), "the form asks the situation"
    fee = chat.say("要钱吗")  # does not answer the situation question, changes the question
    assert "居住证首次申领" in fee and "收费" in fee and fee.count("抱歉") == 0
    assert "您好" in chat.say("你好")


def test_district_said_earlier_personalises_where(chat: Chat) -> None:
    chat.send("我住在南港区")
    reply = chat.say("居住证去哪里办")
    assert "居住证首次申领" in reply and "南港区政务服务中心" in reply and SOURCE.search(reply)
    city_only = chat.say("护照去哪里办")  # handled only at the 市民中心: say so, never invent a local office
    assert "普通护照" in city_only and "南港区政务服务中心不受理" in city_only and "市民中心" in city_only


def test_colloquial_question_reaches_the_right_item(chat: Chat) -> None:
    reply = texts(chat.send("驾照快到期了咋换"))
    assert "机动车驾驶证期满换证" in reply


def test_not_understood_offers_candidates_then_a_person(chat: Chat) -> None:
    first = chat.send("公积金那个事情咋整")  # vague: candidates as buttons
    assert "公积金" in texts(first) + str(buttons(first)), first
    assert "12345" not in texts(chat.send("🙏🙏"))  # first miss: asks for words
    assert "12345" in texts(chat.send("😭"))  # second miss in a row: offers a person


def test_request_human_gives_the_hotline(chat: Chat) -> None:
    assert "12345" in chat.say("我要找人工客服")


@pytest.mark.parametrize("bad", [
    "",  # empty
    "   \n\t ",  # whitespace only
    "😀😀😀",  # emoji only
    "办" * 10_000,  # 10,000 characters
    "<script>alert('x')</script>",  # HTML/script
    "'; DROP TABLE registry_item; --",  # SQL-like
    "/restart",  # a Rasa command typed by a resident
    '/session_start{"metadata": "x"}',  # a Rasa default intent with entities typed by a resident
    None,  # not text at all
    12345,  # a number instead of text
], ids=["empty", "whitespace", "emoji", "10k-chars", "script", "sql", "slash-restart", "slash-intent", "null",
        "number"])
def test_bad_input_gets_a_clear_reply_and_loses_nothing(chat: Chat, bad: object) -> None:
    chat.send("居住证要多久")  # context that must survive the bad input
    reply = texts(chat.send(bad))
    assert reply.strip(), f"no reply to {bad!r}"
    assert "<script>" not in reply
    after = chat.say("要钱吗")
    assert "居住证首次申领" in after, f"context lost after {bad!r}: {after}"


def test_typed_slash_is_never_a_command_even_with_button_metadata(chat: Chat) -> None:
    chat.send("居住证要多久")
    chat.send("/restart", metadata={"button": True})  # not an allowed button intent
    assert "居住证首次申领" in chat.say("要钱吗")


def test_malformed_http_bodies_do_not_break_the_server(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    url = f"{rasa_stack.rasa_url}/webhooks/rest/webhook"
    for body in (b"not json", b"[1, 2, 3]", b'{"sender": {"a": 1}, "message": ["x"]}'):
        resp = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        assert resp.status_code < 500
    assert Chat(rasa_stack.rasa_url).say("你好")
