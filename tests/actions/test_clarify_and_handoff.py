"""Not understood → candidates, then a person; complaints go to a person.

(The handoff itself, with the desk's tickets and hours: tests/actions/test_handoff.py.)
"""
from __future__ import annotations

from actions.clarify import ActionClarify
from actions.handoff import ActionRespondComplaint
from tests.support.trackers import make_tracker, run_action


def test_clarify_offers_the_real_candidates_as_buttons() -> None:
    """Tried: "公积金那个事" — the 公积金 items (提取, 贷款, 个人信息变更) share 公积金 and nothing
    tells them apart: each is offered, nothing else."""
    messages, events = run_action(ActionClarify(), make_tracker("公积金那个事", "nlu_fallback"))
    titles = {b["title"] for b in messages[0]["buttons"]}
    funds = {"住房公积金提取", "住房公积金个人贷款", "住房公积金个人信息变更"}
    assert {"住房公积金提取", "住房公积金个人贷款"} <= titles <= funds
    assert events == [{"event": "slot", "name": "aspect", "value": "guide", "timestamp": None}]


def test_clarify_answers_a_clearly_named_item_at_once() -> None:
    """Tried: the hotline question "社会保障卡如何申领或者补换？" with an unclear intent: a one-button
    "did you mean" would be a wasted turn, so the guide is answered."""
    messages, events = run_action(ActionClarify(), make_tracker("社会保障卡如何申领或者补换？", "nlu_fallback"))
    assert messages[0]["text"].startswith("【社会保障卡申领/补换")
    assert {"event": "slot", "name": "service", "value": "社会保障卡申领/补换", "timestamp": None} in events


def test_clarify_failing_twice_in_a_row_hands_over_to_a_person() -> None:
    tracker = make_tracker("阿巴阿巴", "nlu_fallback", history=[("呜啦啦", "nlu_fallback")])
    messages, events = run_action(ActionClarify(), tracker)
    assert "转接人工客服" in messages[0]["text"]
    assert {"event": "slot", "name": "handoff_reason", "value": "clarify", "timestamp": None} in events
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_handoff"
    _, events = run_action(ActionClarify(), make_tracker("阿巴阿巴", "nlu_fallback", history=[("你好", "greet")]))
    assert not any(e["event"] == "followup" for e in events)  # one miss: rephrase first


def test_clarify_empty_text_asks_for_words() -> None:
    messages, _ = run_action(ActionClarify(), make_tracker("", "nlu_fallback"))
    assert "文字" in messages[0]["text"]


def test_a_complaint_goes_to_a_person() -> None:
    messages, events = run_action(ActionRespondComplaint(), make_tracker("态度太差了", "complain"))
    assert "抱歉" in messages[0]["text"] and "人工" in messages[0]["text"]
    assert {"event": "slot", "name": "handoff_reason", "value": "complaint", "timestamp": None} in events
    assert events[-1]["name"] == "action_handoff"
