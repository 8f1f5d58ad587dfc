"""The handoff action with fixed clocks and timetables: a ticket and the pause within desk hours,
the call-back form outside them, its validation (bad numbers, 取消) and the stored call-back."""
from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
from rasa_sdk import Tracker

from actions.handoff import ActionHandoff, ActionSubmitCallback, ValidateCallbackForm, normalise_phone
from bot.desk import tickets
from bot.hours.clock import TZ
from tests.support.desk import ALWAYS_OPEN, write_hours
from tests.support.trackers import make_tracker, run_action

WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 30, tzinfo=TZ)
OFFICE = {**{d: ["09:00-12:00", "13:30-17:30"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
          "saturday": [], "sunday": [], "holiday": []}


@pytest.fixture()
def hours_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "hours.yml"
    write_hours(path, OFFICE)
    monkeypatch.setenv("DESK_HOURS_FILE", str(path))
    yield path


def _tracker(text: str, intent: str = "request_human", **kwargs: Any) -> Tracker:
    tracker = make_tracker(text, intent, resolve=False, **kwargs)
    tracker.sender_id = f"resident-{uuid.uuid4().hex[:8]}"
    return tracker


def _events(events: Any) -> Dict[str, Any]:
    return {e.get("name") or e["event"]: e for e in events}


def test_within_hours_a_ticket_is_opened_with_the_context_and_the_conversation_paused(hours_file: Path) -> None:
    tracker = _tracker("转人工", history=[("娃刚生下来咋上户口", "ask_service_guide")],
                       slots={"service": "出生登记", "district": "东湖区"})
    tracker.events.insert(-1, {"event": "bot", "text": "请问孩子是在本市出生的吗？"})
    messages, events = run_action(ActionHandoff(clock=lambda: WEDNESDAY_10), tracker)
    ticket = tickets.open_live_ticket(tracker.sender_id)
    assert ticket is not None and ticket.status == "waiting"
    assert (ticket.question, ticket.answer) == ("娃刚生下来咋上户口", "请问孩子是在本市出生的吗？")
    assert (ticket.service, ticket.district, ticket.reason) == ("出生登记", "东湖区", "request")
    text = messages[0]["text"]
    assert f"工单号 {ticket.id}" in text and "预计等待约" in text and "「取消」" in text
    assert events[-1] == {"event": "pause", "timestamp": None}
    tickets.cancel_by_resident(ticket.id)


def test_queue_place_counts_the_residents_waiting_before(hours_file: Path) -> None:
    write_hours(hours_file, ALWAYS_OPEN)
    first, second = _tracker("转人工"), _tracker("我要跟人说")
    run_action(ActionHandoff(clock=lambda: WEDNESDAY_10), first)
    messages, _ = run_action(ActionHandoff(clock=lambda: WEDNESDAY_10), second)
    ahead = tickets.queue_position(tickets.open_live_ticket(second.sender_id).id) - 1  # type: ignore[union-attr]
    assert ahead >= 1 and f"您前面还有 {ahead} 位" in messages[0]["text"]
    for tracker in (first, second):
        tickets.cancel_by_resident(tickets.open_live_ticket(tracker.sender_id).id)  # type: ignore[union-attr]


def test_outside_hours_no_ticket_but_the_call_back_form(hours_file: Path) -> None:
    tracker = _tracker("转人工")
    messages, events = run_action(ActionHandoff(clock=lambda: FRIDAY_EVENING), tracker)
    assert tickets.open_live_ticket(tracker.sender_id) is None
    text = messages[0]["text"]
    assert "不在人工服务时间" in text and "周一至周五 09:00-12:00、13:30-17:30" in text
    assert "11月30日（周一）09:00" in text and "留言" in text
    assert events[-1] == {"event": "followup", "name": "callback_form", "timestamp": None}


@pytest.mark.parametrize(("typed", "phone"), [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 13812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"), ("0000-12345678", "0000-12345678"),
    ("12345", None), ("我不想留", None), ("1381234567", None), ("", None),
])
def test_phone_numbers_as_residents_type_them(typed: str, phone: str) -> None:
    assert normalise_phone(typed) == phone


def _form_tracker(text: str, requested: str, **slots: Any) -> Tracker:
    tracker = _tracker(text, "inform", slots={"requested_slot": requested, **slots}, changed=tuple(slots))
    tracker.active_loop = {"name": "callback_form"}
    return tracker


def test_form_refuses_a_bad_number_and_takes_a_good_one() -> None:
    messages, events = run_action(ValidateCallbackForm(), _form_tracker("12345", "callback_phone",
                                                                        callback_phone="12345"))
    assert "号码好像不对" in messages[0]["text"]
    assert _events(events)["callback_phone"]["value"] is None
    _, events = run_action(ValidateCallbackForm(), _form_tracker("138 1234 5678", "callback_phone",
                                                                 callback_phone="138 1234 5678"))
    assert _events(events)["callback_phone"]["value"] == "13812345678"


def test_cancel_ends_the_form_without_a_ticket() -> None:
    tracker = _form_tracker("取消", "callback_note", callback_note="取消")
    messages, events = run_action(ValidateCallbackForm(), tracker)
    assert "已取消留言" in messages[0]["text"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    _, after = run_action(ActionSubmitCallback(clock=lambda: FRIDAY_EVENING), _tracker("取消"))
    assert all(e["value"] is None for e in after)


def test_the_call_back_is_stored_and_the_resident_told_when(hours_file: Path) -> None:
    tracker = _tracker("13812345678", "inform", slots={"callback_note": "想问新生儿落户要不要预约",
                                                       "callback_phone": "13812345678", "service": "出生登记"})
    messages, events = run_action(ActionSubmitCallback(clock=lambda: FRIDAY_EVENING), tracker)
    text = messages[0]["text"]
    assert "11月30日（周一）09:00上班后" in text and "138****5678" in text and "13812345678" not in text
    (ticket,) = [t for t in tickets.list_tickets("waiting") if t.sender_id == tracker.sender_id]
    assert (ticket.kind, ticket.callback_phone, ticket.service) == ("callback", "13812345678", "出生登记")
    assert ticket.callback_due == datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
    assert tickets.open_live_ticket(tracker.sender_id) is None  # the bot keeps answering meanwhile
    assert {e["name"]: e["value"] for e in events} == {"callback_note": None, "callback_phone": None,
                                                       "handoff_reason": None}


def test_an_item_that_needs_a_person_to_check_is_answered_then_handed_over() -> None:
    """最低生活保障申请 says 需人工核实 in the registry: the guide first, then a person, once."""
    from actions.service_guidance import ActionAnswerService

    tracker = make_tracker("低保怎么申请", "ask_service_guide")
    messages, events = run_action(ActionAnswerService(), tracker)
    assert messages[0]["text"].startswith("【最低生活保障申请")
    assert "需人工核实" in messages[1]["text"] and "入户调查" in messages[1]["text"]
    assert {"event": "slot", "name": "handoff_reason", "value": "review", "timestamp": None} in events
    assert events[-1] == {"event": "followup", "name": "action_handoff", "timestamp": None}
    again = make_tracker("低保要带什么", "ask_materials", slots={"service": "最低生活保障申请"})
    again.events.insert(0, {"event": "slot", "name": "handoff_reason", "value": "review"})
    _, events = run_action(ActionAnswerService(), again)
    assert not any(e["event"] == "followup" for e in events)  # already handed over once
