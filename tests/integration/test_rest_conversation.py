"""End to end through the REST webhook: real Rasa server, real action server, real database.

Expected values (time limits, fees, materials, phones, addresses, source and date) are read
from the registry the stack serves (the seed under data/registry, imported by the
``database_url`` fixture), and the assertions check facts, not the wording of the answers.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests
import yaml

from bot.config import get_settings
from bot.registry.models import Location, ServiceItem, Situation
from tests.support.chat import Chat, buttons, texts

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESIDENCE_PERMIT = "居住证首次申领"
PASSPORT = "普通护照"
DRIVING_LICENCE = "机动车驾驶证期满换证"


@pytest.fixture()
def chat(rasa_stack) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(rasa_stack.rasa_url)


@pytest.fixture(scope="module")
def registry(database_url: str) -> Dict[str, ServiceItem]:
    """Every item of the registry the stack serves, by name, fully loaded."""
    from bot.db import session_scope
    from bot.registry.repository import RegistryRepository

    with session_scope() as session:
        return {item.name: item for item in RegistryRepository(session).items()}


@pytest.fixture(scope="module")
def locations(database_url: str) -> List[Location]:
    from bot.db import session_scope
    from bot.registry.repository import RegistryRepository

    with session_scope() as session:
        return RegistryRepository(session).locations()


def _responses(name: str) -> List[str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [variant["text"] for variant in domain["responses"][name]]


def _greetings() -> List[str]:
    return _responses("utter_greet")


def _hotline() -> str:
    return get_settings().hotline  # the stack runs with the same (default) SERVICE_HOTLINE


def _promised_days(item: ServiceItem, situation: Optional[Situation] = None) -> int:
    if situation is not None and situation.promised_limit_days is not None:
        return situation.promised_limit_days
    return item.promised_limit_days


def _fee(item: ServiceItem, situation: Optional[Situation] = None) -> str:
    return situation.fee if situation is not None and situation.fee else item.fee


def _assert_source_and_date(text: str, item: ServiceItem) -> None:
    """The answer says where its data came from and when it was updated (any wording)."""
    day = item.updated
    assert item.source in text, f"source {item.source!r} not named: {text}"
    assert day.isoformat() in text or f"{day.year}年{day.month}月{day.day}日" in text, \
        f"update date {day} not given: {text}"


def _assert_time_limit(text: str, item: ServiceItem, situation: Optional[Situation] = None) -> None:
    days = _promised_days(item, situation)
    assert days > 0, "the test needs an item that is not 即办件"
    assert re.search(rf"(?<!\d){days}\s*个?工作日", text), f"promised limit of {days} 工作日 not given: {text}"
    assert "即办" not in text, f"{item.name} is not 即办件: {text}"


class NoCandidates(AssertionError):
    """A vague question did not get registry items to choose from."""


class UnclearReply(AssertionError):
    """Odd input got a reply that neither asks for words, offers items nor offers a person."""


def _reply_kind(replies: List[Dict[str, object]], registry: Dict[str, ServiceItem],
                context: Optional[ServiceItem] = None) -> Optional[str]:
    """What a reply to a message the bot could not use does, judged by facts, not wording.

    "ask_words": gives examples of what to say (「...」) without the hotline;
    "candidates": two or more buttons, each naming a registry item;
    "person": handed over to the service desk (a ticket and the queue, or a call-back after hours);
    "faq": an answer from the FAQ knowledge base, with its source;
    "context": answers or asks about ``context``, the item the conversation is about, naming it;
    "scope": says what the assistant does (domain.yml's utter_out_of_scope), for text that is no
    question at all.
    """
    text = texts(replies)  # type: ignore[arg-type]
    payloads = [b["payload"] for b in buttons(replies)]  # type: ignore[arg-type]
    items = [_inform_service(p) for p in payloads]
    if len(items) >= 2 and None not in items and set(items) <= set(registry):
        return "candidates"
    if context is not None and context.name in text:
        return "context"
    if text.strip() in _responses("utter_out_of_scope"):
        return "scope"
    if "转接人工客服" in text or "不在人工服务时间" in text:
        return "person"
    if "来源：常见问题库" in text:
        return "faq"
    if re.search(r"「[^」]+」", text) and _hotline() not in text:
        return "ask_words"
    return None


def _inform_service(payload: str) -> Optional[str]:
    """The service named by a candidate button's payload (``/inform{"service": ...}``), else None."""
    if not payload.startswith("/inform{"):
        return None
    return json.loads(payload[len("/inform"):]).get("service")


def test_materials_then_follow_ups_keep_the_service(chat: Chat, registry: Dict[str, ServiceItem]) -> None:
    """Tried: "办居住证要带啥", a click on the first situation button, then the follow-ups
    "那要多久？" and "要钱吗" that do not name the service again."""
    item = registry[RESIDENCE_PERMIT]
    first = chat.send("办居住证要带啥")
    situation_buttons = buttons(first)
    assert [b["title"] for b in situation_buttons] == [s.name for s in item.situations], first
    assert item.situation_question in texts(first), first

    situation = item.situations[0]
    answer = texts(chat.click(situation_buttons[0]["payload"]))
    assert item.name in answer and situation.name in answer
    common = [m.name for m in item.materials if m.situation_id is None]
    own = [m.name for m in item.materials if m.situation_id == situation.id]
    others = [m.name for m in item.materials if m.situation_id not in (None, situation.id)]
    assert common and own and others
    for name in common + own:
        assert name in answer, f"material {name!r} missing: {answer}"
    for name in others:
        assert name not in answer, f"material {name!r} of another situation listed: {answer}"
    _assert_source_and_date(answer, item)

    later = chat.say("那要多久？")
    assert item.name in later, later
    _assert_time_limit(later, item, situation)
    fee = chat.say("要钱吗")
    assert item.name in fee and _fee(item, situation) in fee, fee


def test_new_question_while_the_form_asks_is_answered(chat: Chat, registry: Dict[str, ServiceItem]) -> None:
    """Tried: "办居住证要带啥" (the form asks the situation), then "要钱吗" instead of an
    answer, then "你好"."""
    item = registry[RESIDENCE_PERMIT]
    asked = chat.send("办居住证要带啥")
    assert [b["title"] for b in buttons(asked)] == [s.name for s in item.situations], "the form asks the situation"
    fee = chat.say("要钱吗")  # does not answer the situation question, changes the question
    assert item.name in fee and item.fee in fee and "抱歉" not in fee, fee
    assert chat.say("你好") in _greetings()


def test_district_said_earlier_personalises_where(chat: Chat, registry: Dict[str, ServiceItem],
                                                  locations: List[Location]) -> None:
    """Tried: "我住在南港区", then "居住证去哪里办" (handled by every district centre) and
    "护照去哪里办" (handled only at the city centre and some district centres, not 南港区)."""
    district = "南港区"
    own = next(loc for loc in locations if loc.district == district)
    item = registry[RESIDENCE_PERMIT]
    assert own.code in [loc.code for loc in item.locations]
    chat.send(f"我住在{district}")
    reply = chat.say("居住证去哪里办")
    assert item.name in reply and own.name in reply and own.address in reply and own.phone in reply, reply
    for other in item.locations:
        if other.code != own.code:
            assert other.address not in reply, f"{other.name} given before the resident's own centre: {reply}"
    _assert_source_and_date(reply, item)

    passport = registry[PASSPORT]
    assert own.code not in [loc.code for loc in passport.locations], (
        "the seed no longer fits this test: 南港区 handles 普通护照")
    city = next(loc for loc in passport.locations if loc.district is None)
    city_only = chat.say("护照去哪里办")  # not handled in 南港区: say so, never invent a local office
    assert passport.name in city_only and city.name in city_only and city.address in city_only, city_only
    assert re.search(rf"{district}[^。\n]{{0,12}}不受理", city_only), f"not told 南港区 does not handle it: {city_only}"
    assert own.address not in city_only, f"the 南港区 centre offered for 普通护照: {city_only}"
    _assert_source_and_date(city_only, passport)


def test_colloquial_question_reaches_the_right_item(chat: Chat) -> None:
    """Tried: "驾照快到期了咋换"."""
    reply = texts(chat.send("驾照快到期了咋换"))
    assert DRIVING_LICENCE in reply


def test_not_understood_offers_candidates_then_a_person(chat: Chat, registry: Dict[str, ServiceItem]) -> None:
    """Tried: the vague "公积金那个事情咋整" (candidates as buttons), then "🙏🙏" (first miss:
    asks for words, no person yet) and "😭" (second miss in a row: offers a person)."""
    housing_fund = {name for name in registry if "公积金" in name}
    assert len(housing_fund) >= 2, "the seed no longer has several 公积金 items"
    vague = chat.send("公积金那个事情咋整")  # vague: candidates as buttons (checked last, below)

    miss = chat.send("🙏🙏")  # first miss: asks for words
    assert _reply_kind(miss, registry) == "ask_words", f"first miss: {miss}"
    assert _hotline() not in texts(miss), f"a person offered after one miss: {miss}"
    second = chat.send("😭")  # second miss in a row: offers a person
    assert _reply_kind(second, registry) == "person", f"second miss: {second}"

    offered = [_inform_service(b["payload"]) for b in buttons(vague)]
    if not (2 <= len(offered) <= 3 and set(offered) <= set(registry) and set(offered) & housing_fund):
        raise NoCandidates(f"no registry 公积金 items offered for the vague question: {vague}")
    assert [b["title"] for b in buttons(vague)] == offered, vague
    assert _hotline() not in texts(vague), f"a person offered before any miss: {vague}"


def test_request_human_hands_over_with_the_conversation_attached(chat: Chat, rasa_stack) -> None:  # type: ignore[no-untyped-def]
    """Tried: "居住证要多久" then "我要找人工客服": a ticket carrying the question and the item, the
    queue place and 取消; then 取消, and the bot answers again (the desk side: tests/desk/)."""
    from bot.desk.tickets import open_live_ticket

    chat.send("居住证要多久")
    handed = chat.say("我要找人工客服")
    assert "已为您转接人工客服" in handed and "取消" in handed, handed
    ticket = open_live_ticket(chat.sender)
    assert ticket is not None and ticket.question == "居住证要多久" and ticket.service == RESIDENCE_PERMIT
    assert "已取消" in chat.say("取消")
    assert open_live_ticket(chat.sender) is None
    assert RESIDENCE_PERMIT in chat.say("要带什么材料")


NOT_TEXT = {"empty", "whitespace", "emoji", "null"}  # nothing to read: the bot must ask for words


@pytest.mark.parametrize("bad", [
    pytest.param("", id="empty"),
    pytest.param("   \n\t ", id="whitespace"),
    pytest.param("😀😀😀", id="emoji"),
    pytest.param("办" * 10_000, id="10k-chars"),
    pytest.param("<script>alert('x')</script>", id="script"),  # HTML/script
    pytest.param("'; DROP TABLE registry_item; --", id="sql"),  # SQL-like
    # a Rasa command typed by a resident
    pytest.param("/restart", id="slash-restart"),
    # a Rasa default intent with entities typed by a resident
    pytest.param('/session_start{"metadata": "x"}', id="slash-intent"),
    pytest.param(None, id="null"),  # not text at all
    pytest.param(12345, id="number"),  # a number instead of text
])
def test_bad_input_gets_a_clear_reply_and_loses_nothing(chat: Chat, bad: object, request: pytest.FixtureRequest,
                                                        registry: Dict[str, ServiceItem]) -> None:
    """Tried: "居住证要多久", then the bad input of the parameter id, then "要钱吗"."""
    item = registry[RESIDENCE_PERMIT]
    before = chat.say("居住证要多久")  # context that must survive the bad input
    assert item.name in before, before
    replies = chat.send(bad)
    assert "<script>" not in texts(replies)
    after = chat.say("要钱吗")
    assert item.name in after and item.fee in after, f"context lost after {bad!r}: {after}"
    # a clear reply: asks for words with examples, offers registry items, offers a person, or
    # answers about 居住证首次申领 (the conversation's item); never a goodbye, an "OK" or silence.
    # Input with nothing to read always gets "ask for words".
    kind = _reply_kind(replies, registry, context=item)
    expected = {"ask_words"} if request.node.callspec.id in NOT_TEXT else {"ask_words", "candidates", "person",
                                                                             "context", "scope", "faq"}
    if kind not in expected:
        raise UnclearReply(f"reply to {bad!r} is {kind or 'unclear'}, expected {sorted(expected)}: {replies}")


def test_typed_slash_is_never_a_command_even_with_button_metadata(chat: Chat,
                                                                  registry: Dict[str, ServiceItem]) -> None:
    """Tried: "居住证要多久", then "/restart" sent with button metadata, then "要钱吗"."""
    item = registry[RESIDENCE_PERMIT]
    chat.send("居住证要多久")
    chat.send("/restart", metadata={"button": True})  # not an allowed button intent
    after = chat.say("要钱吗")
    assert item.name in after and item.fee in after, after


def test_malformed_http_bodies_do_not_break_the_server(rasa_stack, registry: Dict[str, ServiceItem]) -> None:  # type: ignore[no-untyped-def]
    """Tried: a body that is not JSON (refused with 400), then a JSON array and an object whose
    sender and message are not strings (refused with 400, or read as a message without text:
    the bot asks for words); then a normal "你好" in a new conversation."""
    url = f"{rasa_stack.rasa_url}/webhooks/rest/webhook"
    resp = requests.post(url, data=b"not json", headers={"Content-Type": "application/json"}, timeout=30)
    assert resp.status_code == 400, f"not json: {resp.status_code} {resp.text[:300]}"
    for body in (b"[1, 2, 3]", b'{"sender": {"a": 1}, "message": ["x"]}'):
        resp = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        if resp.status_code == 400:
            continue
        assert resp.status_code == 200, f"{body!r}: {resp.status_code} {resp.text[:300]}"
        assert _reply_kind(resp.json(), registry) == "ask_words", f"{body!r}: {resp.text[:300]}"
    assert Chat(rasa_stack.rasa_url).say("你好") in _greetings()
