"""好差评 in the conversation: rating buttons, reasons, "我要评价", and the prompt after an answer."""
from __future__ import annotations

import json
import logging
import sys
import types
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from sqlalchemy import delete, select

from actions.ratings import ActionRecordRating
from actions.service_guidance import ActionAnswerService
from bot.db import session_scope
from bot.ratings.levels import PROMPT_TEXT, rating_buttons
from bot.ratings.models import FollowUp, Rating
from tests.support.trackers import make_tracker, run_action


@pytest.fixture(autouse=True)
def _no_ratings(database_url: str) -> Iterator[None]:
    """The trackers all belong to sender "tester": every test starts with no ratings."""
    def clear() -> None:
        with session_scope() as session:
            session.execute(delete(FollowUp))
            session.execute(delete(Rating))
    clear()
    yield
    clear()


def _click(slots: Optional[Dict[str, Any]] = None, **entities: str) -> Tracker:
    """The tracker of a click on a /rate button (entities exactly as in the payload)."""
    return make_tracker(f"/rate{json.dumps(entities, ensure_ascii=False)}", "rate", resolve=False,
                        entities=[{"entity": k, "value": v} for k, v in entities.items()], slots=slots)


def _after(tracker: Tracker, messages: List[Dict[str, Any]]) -> Tracker:
    """``tracker`` with ``messages`` as bot messages sent before its latest user message."""
    bot = [{"event": "bot", "text": m.get("text"), "data": {"buttons": m.get("buttons") or []}} for m in messages]
    last_user = max(i for i, e in enumerate(tracker.events) if e["event"] == "user")
    tracker.events[last_user - 1:last_user - 1] = bot
    return tracker


def _ratings() -> List[Rating]:
    with session_scope() as session:
        return list(session.scalars(select(Rating).order_by(Rating.id)).all())


def _slot(events: list, name: str) -> object:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


def test_a_rating_button_is_stored_for_its_subject() -> None:
    messages, events = run_action(ActionRecordRating(), _click({"rating_subject": "service:结婚登记"}, rating="4"))
    [rating] = _ratings()
    assert (rating.sender_id, rating.subject_kind, rating.service, rating.level) == ("tester", "service", "结婚登记", 4)
    assert "谢谢" in messages[0]["text"] and "满意" in messages[0]["text"]
    assert not messages[0].get("buttons"), "no reasons asked after a good rating"
    assert _slot(events, "rating_subject") is None, "the subject is used up"


def test_a_bad_rating_opens_a_follow_up_and_offers_reasons() -> None:
    messages, _ = run_action(ActionRecordRating(), _click({"rating_subject": "service:普通护照"}, rating="1"))
    [rating] = _ratings()
    with session_scope() as session:
        [followup] = session.scalars(select(FollowUp)).all()
        assert (followup.rating_id, followup.status) == (rating.id, "open")
    text = messages[0]["text"]
    assert "抱歉" in text and "15 个工作日" in text and "非常不满意" in text
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles[0] == "答非所问" and "其他" in titles
    assert messages[0]["buttons"][0]["payload"] == '/rate{"rating_reason": "答非所问"}'


def test_a_reason_attaches_to_the_rating_just_given() -> None:
    run_action(ActionRecordRating(), _click({"rating_subject": "service:普通护照"}, rating="2"))
    messages, _ = run_action(ActionRecordRating(), _click(rating_reason="材料说明不清楚"))
    [rating] = _ratings()
    assert rating.reason == "材料说明不清楚"
    assert "谢谢" in messages[0]["text"] and "材料说明不清楚" in messages[0]["text"]


def test_a_reason_no_button_offers_is_never_stored() -> None:
    """Tried: a forged reason button carrying markup (the channels pass a payload they think a button sent)."""
    run_action(ActionRecordRating(), _click({"rating_subject": "service:普通护照"}, rating="2"))
    run_action(ActionRecordRating(), _click(rating_reason="<b>随便写的原因</b>"))
    [rating] = _ratings()
    assert rating.reason is None


def test_a_reason_with_no_rating_is_not_stored() -> None:
    messages, _ = run_action(ActionRecordRating(), _click(rating_reason="答非所问"))
    assert _ratings() == [] and "没有找到" in messages[0]["text"]


def test_asking_to_rate_shows_the_five_levels_and_rates_the_conversation() -> None:
    messages, events = run_action(ActionRecordRating(), make_tracker("我要评价", "rate", resolve=False))
    assert messages[0]["text"] == PROMPT_TEXT
    assert [b["title"] for b in messages[0]["buttons"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert _ratings() == [], "asking stores nothing"
    subject = _slot(events, "rating_subject")
    assert isinstance(subject, str)

    run_action(ActionRecordRating(), _after(_click({"rating_subject": subject}, rating="5"), messages))
    [rating] = _ratings()
    assert (rating.subject_kind, rating.service, rating.level) == ("service", None, 5)


def test_asking_to_rate_keeps_a_pending_subject() -> None:
    _, events = run_action(ActionRecordRating(), make_tracker(
        "我要评价", "rate", resolve=False, slots={"rating_subject": "ticket:7"}))
    assert _slot(events, "rating_subject") == "unset"


def test_a_second_click_on_the_same_old_buttons_is_not_stored_twice() -> None:
    prompt = [{"text": PROMPT_TEXT, "buttons": rating_buttons()}]
    _, events = run_action(ActionRecordRating(), _after(_click({"rating_subject": "service:结婚登记"},
                                                               rating="5"), prompt))
    assert _slot(events, "rating_subject") is None
    again, events = run_action(ActionRecordRating(), _after(_click({"rating_subject": None}, rating="3"), prompt))
    assert len(_ratings()) == 1 and _ratings()[0].level == 5
    assert "已经记录" in again[0]["text"] and events == []


def test_a_typed_level_without_any_prompt_rates_the_conversation() -> None:
    run_action(ActionRecordRating(), make_tracker("非常满意", "rate", resolve=False,
                                                  entities=[{"entity": "rating", "value": "非常满意"}]))
    [rating] = _ratings()
    assert (rating.level, rating.service) == (5, None)


def test_a_ticket_rating_names_the_tickets_staff_member(monkeypatch: pytest.MonkeyPatch) -> None:
    desk = types.ModuleType("bot.desk.tickets")
    desk.ticket_assignee = lambda ticket_id: "zhangmin" if ticket_id == 12 else None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.desk.tickets", desk)
    run_action(ActionRecordRating(), _click({"rating_subject": "ticket:12"}, rating="2"))
    [rating] = _ratings()
    assert (rating.subject_kind, rating.ticket_id, rating.staff) == ("ticket", 12, "zhangmin")


def test_without_the_desks_lookup_a_ticket_rating_is_kept_and_the_gap_logged(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "bot.desk.tickets", types.ModuleType("bot.desk.tickets"))
    with caplog.at_level(logging.ERROR, logger="actions.ratings"):
        messages, _ = run_action(ActionRecordRating(), _click({"rating_subject": "ticket:5"}, rating="4"))
    [rating] = _ratings()
    assert (rating.ticket_id, rating.staff) == (5, None) and "谢谢" in messages[0]["text"]
    assert "ticket_assignee is missing" in caplog.text


# ---------------------------------------------------------------- the prompt after a service answer


def test_a_service_answer_offers_a_rating_once_per_conversation() -> None:
    tracker = make_tracker("结婚登记怎么办", "ask_service_guide",
                           slots={"service": "结婚登记", "aspect": "guide"}, changed=("service",))
    messages, events = run_action(ActionAnswerService(), tracker)
    assert len(messages) == 2 and messages[0]["text"].startswith("【结婚登记")
    assert messages[1]["text"] == PROMPT_TEXT and len(messages[1]["buttons"]) == 5
    assert _slot(events, "rating_subject") == "service:结婚登记"

    later = _after(make_tracker("那要多久", "ask_time_limit", slots={"service": "结婚登记", "aspect": "time"}),
                   messages)
    again, events = run_action(ActionAnswerService(), later)
    assert len(again) == 1 and again[0]["text"].startswith("【结婚登记】")
    assert _slot(events, "rating_subject") == "unset"
    assert _ratings() == [], "showing the prompt stores nothing"


def test_no_prompt_after_a_decline_a_choice_or_a_question() -> None:
    declined, _ = run_action(ActionAnswerService(), make_tracker("灾害后居民饮食该注意些什么", "ask_service_guide"))
    asked_where, _ = run_action(ActionAnswerService(), make_tracker(
        "护照去哪办", "ask_where", slots={"service": "普通护照", "aspect": "where"}, changed=("service",)))
    asked_situation, _ = run_action(ActionAnswerService(), make_tracker(
        "办居住证要带啥", "ask_materials", slots={"service": "居住证首次申领", "aspect": "materials"},
        changed=("service",)))
    for messages in (declined, asked_where, asked_situation):
        assert len(messages) == 1 and PROMPT_TEXT not in messages[0]["text"], messages
