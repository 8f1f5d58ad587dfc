"""Not understood → candidates, then a person; asking for a human; complaints."""
from __future__ import annotations

from actions.clarify import ActionClarify
from actions.handoff import ActionOfferHuman, ActionRespondComplaint
from tests.support.trackers import make_tracker, run_action


def test_clarify_offers_the_real_candidates_as_buttons() -> None:
    """Tried: "公积金那个事" — two items share 公积金 and nothing tells them apart."""
    messages, events = run_action(ActionClarify(), make_tracker("公积金那个事", "nlu_fallback"))
    titles = {b["title"] for b in messages[0]["buttons"]}
    assert titles == {"住房公积金提取", "住房公积金个人贷款"}
    assert events == [{"event": "slot", "name": "aspect", "value": "guide", "timestamp": None}]


def test_clarify_answers_a_clearly_named_item_at_once() -> None:
    """Tried: the hotline question "社会保障卡如何申领或者补换？" with an unclear intent: a one-button
    "did you mean" would be a wasted turn, so the guide is answered."""
    messages, events = run_action(ActionClarify(), make_tracker("社会保障卡如何申领或者补换？", "nlu_fallback"))
    assert messages[0]["text"].startswith("【社会保障卡申领/补换")
    assert {"event": "slot", "name": "service", "value": "社会保障卡申领/补换", "timestamp": None} in events


def test_clarify_twice_in_a_row_offers_a_person() -> None:
    tracker = make_tracker("阿巴阿巴", "nlu_fallback", history=[("呜啦啦", "nlu_fallback")])
    messages, _ = run_action(ActionClarify(), tracker)
    assert "12345" in messages[0]["text"] and messages[0]["buttons"][0]["payload"] == "/request_human"


def test_clarify_empty_text_asks_for_words() -> None:
    messages, _ = run_action(ActionClarify(), make_tracker("", "nlu_fallback"))
    assert "文字" in messages[0]["text"]


def test_offer_human_names_the_items_consult_phone_when_known() -> None:
    general, _ = run_action(ActionOfferHuman(), make_tracker("转人工", "request_human"))
    specific, _ = run_action(ActionOfferHuman(), make_tracker("转人工", "request_human", slots={"service": "普通护照"}))
    assert "12345" in general[0]["text"]
    assert "普通护照" in specific[0]["text"] and "咨询电话" in specific[0]["text"]


def test_complaint_points_to_the_hotline() -> None:
    messages, _ = run_action(ActionRespondComplaint(), make_tracker("态度太差了", "complain"))
    assert "12345" in messages[0]["text"] and "抱歉" in messages[0]["text"]
