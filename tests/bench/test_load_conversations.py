"""make bench-load's conversations: every step of every conversation is understood by the real model and
action server (the session's stack, desk always open: the handoff opens a ticket, 取消 cancels it), so the
benchmark measures answers, not misunderstandings. Bad replies tried: an HTTP error, a body that is not
JSON, an empty reply, a reply without the expected words, and a reply to a message meant for the desk."""
from __future__ import annotations

import json

import pytest

from tests.bench.load_bench import warm_up
from tests.bench.load_conversations import CONVERSATIONS, STEP_ORDER, Step, problem, reply_text

ANSWER = json.dumps([{"recipient_id": "x", "text": "【居民身份证换领】所需材料：",
                      "buttons": [{"title": "在哪里办", "payload": "/ask_where"}]}]).encode()


def test_every_step_of_every_conversation_is_understood(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    assert warm_up(rasa_stack.rasa_url, rounds=1) == []


def test_every_step_is_a_row_of_the_report() -> None:
    names = {step.name for conversation in CONVERSATIONS for step in conversation.steps}
    assert names == set(STEP_ORDER)
    assert all(conversation.weight > 0 for conversation in CONVERSATIONS)


def test_a_reply_with_the_expected_words_in_its_text_or_buttons_is_served() -> None:
    assert reply_text(json.loads(ANSWER)) == "【居民身份证换领】所需材料：\n在哪里办"
    assert problem(Step("s", "要带什么", "材料"), 200, ANSWER) == ""
    assert problem(Step("s", "要带什么", "在哪里办"), 200, ANSWER) == ""
    assert problem(Step("s", "你好", ""), 200, ANSWER) == ""


@pytest.mark.parametrize(("step", "status", "body", "why"), [
    (Step("s", "要带什么", "材料"), 500, b"boom", "HTTP 500"),
    (Step("s", "要带什么", "材料"), 200, b"<html>", "reply is not JSON"),
    (Step("s", "要带什么", "材料"), 200, b"[]", "no reply"),
    (Step("s", "你好", ""), 200, b"[]", "no reply"),
    (Step("s", "要带什么", "收费标准"), 200, ANSWER,
     "reply without 「收费标准」: '【居民身份证换领】所需材料：\\n在哪里办'"),
    (Step("s", "能加急吗", None), 429, b"[]", "HTTP 429"),
])
def test_a_reply_that_does_not_show_understanding_is_a_failure(step: Step, status: int, body: bytes,
                                                               why: str) -> None:
    assert problem(step, status, body) == why


def test_a_message_for_the_desk_needs_no_reply() -> None:
    assert problem(Step("s", "能加急吗", None), 200, b"[]") == ""
