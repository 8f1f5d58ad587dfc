"""The work-order intake and status lookup, action by action (the whole form runs through the real
Rasa server in tests/stories/test_workorder_stories.yml).

Tried: a bare "我要投诉" (asked what happened) and a message that already says it (not asked
again); skipping the optional answers (when, district, phone) in words residents use; a place
with and without a district; a bad phone number; corrections at the confirmation ("地点说错了");
建言 without place and time; 取消 mid-form; someone else's number, an unknown number and no
number at all in the status lookup (all without revealing anything).
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker

from actions.workorders import (
    SKIPPED,
    ActionAskWoConfirm,
    ActionCheckWorkorder,
    ActionStartWorkorder,
    ActionSubmitWorkorder,
    ValidateWorkorderForm,
    says_what_happened,
)
from tests.support.trackers import make_tracker, run_action, texts


def _slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def _form(text: str, requested: str, **slots: Any) -> Tracker:
    tracker = make_tracker(text, "inform", slots={"requested_slot": requested, "wo_category": "投诉求助", **slots},
                           changed=tuple(k for k in slots if k == requested), resolve=False)
    tracker.active_loop = {"name": "workorder_form"}
    return tracker


@pytest.mark.parametrize("text, says", [
    ("我要投诉", False), ("我想反映个情况", False), ("我有个建议", False), ("帮我登记一个工单", False), ("", False),
    ("小区门口路灯坏了", True), ("楼下烧烤店油烟太大", True), ("建议增开一条公交线路", True),
])
def test_a_bare_opener_is_not_a_description(text: str, says: bool) -> None:
    assert says_what_happened(text) is says


def test_start_keeps_a_real_description_and_its_district() -> None:
    text = "南港区滨江路有个大坑，昨天晚上一辆电动车摔了"
    messages, events = run_action(ActionStartWorkorder(), make_tracker(text, "report_problem", resolve=False))
    slots = _slots(events)
    assert slots["wo_category"] == "投诉求助" and slots["wo_what"] == text and slots["wo_district"] == "南港区"
    assert "投诉或求助工单" in texts(messages)[0] and "取消" in texts(messages)[0]


def test_start_with_only_an_opener_asks_what_happened() -> None:
    _, events = run_action(ActionStartWorkorder(), make_tracker("我有个建议", "make_suggestion", resolve=False))
    slots = _slots(events)
    assert slots["wo_category"] == "建言" and slots["wo_what"] is None


def test_suggestions_skip_place_and_time() -> None:
    form = ValidateWorkorderForm()
    tracker = _form("建议增开公交", "wo_what", wo_what="建议增开公交", wo_category="建言")
    _, events = run_action(form, tracker)
    assert _slots(events).get("requested_slot") == "wo_confirm"


def test_a_description_that_says_nothing_is_asked_again() -> None:
    messages, events = run_action(ValidateWorkorderForm(), _form("我要投诉", "wo_what", wo_what="我要投诉"))
    assert _slots(events)["wo_what"] is None and "具体" in texts(messages)[0]


def test_a_place_with_a_district_fills_both_and_one_without_asks_the_district() -> None:
    _, events = run_action(ValidateWorkorderForm(), _form("东湖区湖滨路88号门口", "wo_place", wo_what="路灯坏了好几天",
                                                          wo_place="东湖区湖滨路88号门口"))
    slots = _slots(events)
    assert slots["wo_place"] == "东湖区湖滨路88号门口" and slots["wo_district"] == "东湖区"
    _, events = run_action(ValidateWorkorderForm(), _form("幸福小区北门", "wo_place", wo_what="路灯坏了好几天",
                                                          wo_place="幸福小区北门"))
    assert _slots(events) == {"wo_place": "幸福小区北门"}  # the district stays empty: the form asks it next


@pytest.mark.parametrize("typed", ["跳过", "不清楚", "不记得了", "跳过。"])
def test_optional_answers_can_be_skipped(typed: str) -> None:
    base = {"wo_what": "路灯坏了好几天", "wo_place": "东湖区湖滨路", "wo_district": "东湖区"}
    _, events = run_action(ValidateWorkorderForm(), _form(typed, "wo_when", **base, wo_when=typed))
    assert _slots(events)["wo_when"] == SKIPPED


def test_the_place_cannot_be_skipped_for_a_complaint() -> None:
    messages, events = run_action(ValidateWorkorderForm(), _form("跳过", "wo_place", wo_what="路灯坏了好几天",
                                                                 wo_place="跳过"))
    assert _slots(events)["wo_place"] is None and "地点" in texts(messages)[0]


def test_an_unknown_district_offers_the_districts_as_buttons() -> None:
    messages, events = run_action(ValidateWorkorderForm(), _form("火星区", "wo_district", wo_what="路灯坏了好几天",
                                                                 wo_place="幸福小区", wo_district="火星区"))
    assert _slots(events)["wo_district"] is None
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "东湖区" in titles and "不确定" in titles


def test_a_bad_phone_number_is_refused_and_a_good_one_kept() -> None:
    base = {"wo_what": "路灯坏了好几天", "wo_place": "东湖区湖滨路", "wo_district": "东湖区", "wo_when": SKIPPED,
            "wo_confirm": "yes"}
    messages, events = run_action(ValidateWorkorderForm(), _form("12345", "wo_phone", **base, wo_phone="12345"))
    assert _slots(events)["wo_phone"] is None and "号码好像不对" in texts(messages)[0]
    _, events = run_action(ValidateWorkorderForm(), _form("138 1234 5678", "wo_phone", **base,
                                                          wo_phone="138 1234 5678"))
    assert _slots(events)["wo_phone"] == "13812345678"


@pytest.mark.parametrize("said, cleared", [("地点说错了", "wo_place"), ("修改时间", "wo_time"),
                                           ("内容要改一下", "wo_what")])
def test_a_correction_at_the_confirmation_asks_that_answer_again(said: str, cleared: str) -> None:
    cleared = cleared.replace("wo_time", "wo_when")
    base = {"wo_what": "路灯坏了好几天", "wo_place": "东湖区湖滨路", "wo_district": "东湖区", "wo_when": "上周"}
    _, events = run_action(ValidateWorkorderForm(), _form(said, "wo_confirm", **base, wo_confirm=said))
    slots = _slots(events)
    assert slots[cleared] is None and slots["wo_confirm"] is None
    assert set(slots) == {cleared, "wo_confirm"}  # nothing else is asked again


def test_confirmation_shows_the_answers_and_not_something_unclear() -> None:
    base = {"wo_what": "路灯坏了好几天", "wo_place": "湖滨路88号", "wo_district": "东湖区", "wo_when": SKIPPED}
    messages, events = run_action(ValidateWorkorderForm(), _form("嗯嗯啊", "wo_confirm", **base, wo_confirm="嗯嗯啊"))
    assert _slots(events)["wo_confirm"] is None and "确认" in texts(messages)[0]
    messages, _ = run_action(ActionAskWoConfirm(), _form("", "wo_confirm", **base))
    text = texts(messages)[0]
    assert "路灯坏了好几天" in text and "东湖区 湖滨路88号" in text and "时间：未说明" in text
    assert messages[0]["buttons"][0]["title"] == "确认"


def test_cancel_mid_form_files_nothing() -> None:
    messages, events = run_action(ValidateWorkorderForm(), _form("取消", "wo_place", wo_what="路灯坏了好几天",
                                                                 wo_place="取消"))
    assert "没有登记工单" in texts(messages)[0]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    messages, events = run_action(ActionSubmitWorkorder(), make_tracker("取消", "inform", resolve=False))
    assert messages == [] and all(e["value"] is None for e in events)


def test_status_lookup_without_any_order_asks_for_the_number(store_db: str) -> None:
    messages, _ = run_action(ActionCheckWorkorder(), make_tracker("查一下我的工单", "check_workorder", resolve=False))
    assert "JZ" in texts(messages)[0]


def _lookup(text: str, sender: str = "tester") -> str:
    tracker = make_tracker(text, "check_workorder", resolve=False)
    tracker.sender_id = sender
    tracker.events[-1]["input_channel"] = "socketio"
    messages, _ = run_action(ActionCheckWorkorder(), tracker)
    return "\n".join(texts(messages)) + "".join(b["title"] for m in messages for b in m.get("buttons") or [])


def test_status_lookup_shows_only_the_residents_own_orders(store_db: str) -> None:
    from bot.workorders.store import file_order

    mine = file_order("socketio", "tester", "投诉求助", "湖滨路路灯坏了", department="市城市管理局")
    theirs = file_order("socketio", "someone-else", "投诉求助", "我家电话13812345678，邻居噪音",
                        department="市生态环境局")
    own = _lookup(f"我的工单 {mine.number.lower()} 怎么样了")
    assert mine.number in own and "受理" in own and "市城市管理局" in own
    other = _lookup(f"查一下 {theirs.number}")
    unknown = _lookup("查一下 JZ20991231-9999")
    assert "没有查到" in other and "市生态环境局" not in other and "138" not in other
    assert other.replace(theirs.number, "N") == unknown.replace("JZ20991231-9999", "N")  # nothing to tell them apart
    assert mine.number in _lookup("我的工单处理得怎么样了")  # one order: shown without asking the number
    second = file_order("socketio", "tester", "建言", "建议增开公交", department="市交通运输局")
    listing = _lookup("查工单")
    assert mine.number in listing and second.number in listing and theirs.number not in listing
    assert theirs.number not in _lookup("查工单", sender="a-third-resident")


def test_the_first_run_after_the_start_says_nothing_and_skips_nothing() -> None:
    """rasa-sdk validates the slots action_start_workorder emptied: no complaint, no "跳过" taken."""
    slots = {"wo_what": None, "wo_place": None, "wo_district": None, "wo_when": None, "wo_confirm": None,
             "wo_phone": None}
    tracker = make_tracker("我要投诉", "report_problem", slots={"wo_category": "投诉求助", **slots},
                           changed=tuple(slots), resolve=False)
    tracker.active_loop = {"name": "workorder_form"}
    messages, events = run_action(ValidateWorkorderForm(), tracker)
    assert messages == [] and all(v is None for k, v in _slots(events).items() if k != "requested_slot")
