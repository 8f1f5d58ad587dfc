"""Service guidance against the real registry seed and the real resolver's verdicts."""
from __future__ import annotations

import re

from actions.service_guidance import ActionAnswerService
from tests.support.trackers import make_tracker, run_action

SOURCE_LINE = re.compile(r"数据来源：.+更新于 \d{4}-\d{2}-\d{2}")


def _slot(events: list, name: str) -> object:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


def test_materials_answer_is_personalised_by_situation() -> None:
    rent, _ = run_action(ActionAnswerService(), make_tracker(
        "要带什么", "ask_materials",
        slots={"service": "住房公积金提取", "situation": "rent", "aspect": "materials"}))
    buy, _ = run_action(ActionAnswerService(), make_tracker(
        "要带什么", "ask_materials",
        slots={"service": "住房公积金提取", "situation": "buy", "aspect": "materials"}))
    rent_text, buy_text = rent[0]["text"], buy[0]["text"]
    assert rent_text.startswith("【住房公积金提取 · 租房提取】")
    assert buy_text.startswith("【住房公积金提取 · 购房提取】")
    assert "所需材料" in rent_text and rent_text != buy_text
    assert SOURCE_LINE.search(rent_text) and SOURCE_LINE.search(buy_text)


def test_materials_without_a_situation_answer_the_common_part_and_ask_only_the_rest() -> None:
    """Tried: "办居住证要带啥" with no situation known — the reply lists what everyone brings at
    once, asks the item's own question naming the item, and offers each situation as a button."""
    messages, _events = run_action(ActionAnswerService(), make_tracker(
        "办居住证要带啥", "ask_materials", slots={"service": "居住证首次申领", "aspect": "materials"},
        changed=("service",)))
    text = messages[0]["text"]
    assert "都需要" in text and "居民身份证" in text and "另外按您的情况还需要" in text
    assert text.splitlines()[-1].startswith("居住证首次申领："), "the question names the item"
    assert "劳动合同" not in text, "a situation's own material is not listed before the situation is known"
    titles = {b["title"] for b in messages[0]["buttons"]}
    assert titles == {"合法稳定就业", "合法稳定住所", "连续就读"}
    assert SOURCE_LINE.search(text)


def test_situation_said_in_words_is_matched_against_the_current_item() -> None:
    """Tried: the follow-up "我在这边上班" after the materials question."""
    messages, events = run_action(ActionAnswerService(), make_tracker(
        "我在这边上班", "inform", slots={"service": "居住证首次申领", "aspect": "materials"}))
    assert _slot(events, "situation") == "work"
    assert "劳动合同" in messages[0]["text"]


def test_full_guide_names_the_residents_district_centre() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "结婚登记怎么办", "ask_service_guide",
        slots={"service": "结婚登记", "aspect": "guide", "district": "南港区"}, changed=("service",)))
    text = messages[0]["text"]
    for part in ("【结婚登记", "受理条件", "所需材料", "办理时限", "收费", "办理地点", "南港区", "网上办理",
                 "咨询电话"):
        assert part in text, part
    assert SOURCE_LINE.search(text)
    assert messages[0]["buttons"], "follow-up quick replies are offered"


def test_time_answer_for_an_instant_item_says_so() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "那要多久", "ask_time_limit", slots={"service": "结婚登记", "aspect": "time"}))
    assert "即办" in messages[0]["text"] and messages[0]["text"].startswith("【结婚登记】")


def test_follow_up_without_a_matter_keeps_the_conversations_item() -> None:
    """Tried: "要钱吗" after a 护照 answer: the verdict is "none", the slot item answers."""
    messages, events = run_action(ActionAnswerService(), make_tracker(
        "要钱吗", "ask_fee", slots={"service": "普通护照", "aspect": "fee"}))
    assert messages[0]["text"].startswith("【普通护照】") and "收费标准" in messages[0]["text"]
    assert _slot(events, "service") == "unset"


def test_a_matter_outside_the_guide_is_declined_with_its_department() -> None:
    """Tried: a 公积金 account query while the conversation is about 公积金提取: the bot must not
    answer the 提取 guide; it says the guide has no such item and names the department."""
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "怎么查公积金账户余额", "ask_service_guide", slots={"service": "住房公积金提取", "aspect": "guide"}))
    text = messages[0]["text"]
    assert "没有这件事的办理说明" in text and "住房公积金管理中心" in text and "12345" in text
    assert "所需材料" not in text


def test_a_matter_far_from_every_item_is_declined_with_the_hotline_only() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker("灾害后居民饮食该注意些什么", "ask_service_guide"))
    text = messages[0]["text"]
    assert "没有这件事的办理说明" in text and "12345" in text and "负责" not in text


def test_where_with_several_districts_asks_the_district_naming_the_item() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "护照去哪办", "ask_where", slots={"service": "普通护照", "aspect": "where"}, changed=("service",)))
    assert messages[0]["text"].startswith("普通护照：") and "哪个区" in messages[0]["text"]
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert {"东湖区", "西山区", "南港区", "北城区", "高新区", "滨江区"} <= set(titles)


def test_where_with_a_district_names_that_centre() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "南港区", "inform", slots={"service": "普通护照", "aspect": "where", "district": "南港区"}))
    assert "南港区政务服务中心" in messages[0]["text"]


def test_no_item_and_no_matter_asks_which_service() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker("你好啊那个", "ask_service_guide"))
    assert "哪项业务" in messages[0]["text"] or "哪一项" in messages[0]["text"]


def test_unknown_service_in_slot_is_not_invented() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "那要多久", "ask_time_limit", slots={"service": "火星移民登记", "aspect": "time"}))
    assert "没有找到" in messages[0]["text"] and "12345" in messages[0]["text"]


def test_a_new_item_drops_the_old_items_situation() -> None:
    """Tried: the situation "first" of 社保卡 kept in the slot when the resident moves on to
    残疾人证, whose situations use other codes or the same word: it must be asked again."""
    messages, events = run_action(ActionAnswerService(), make_tracker(
        "残疾证要带什么", "ask_materials",
        slots={"service": "残疾人证", "situation": "first", "aspect": "materials"}, changed=("service",)))
    assert _slot(events, "situation") is None
    assert messages[0]["text"].splitlines()[-1].startswith("残疾人证：")


def test_full_guide_without_a_district_invites_it_instead_of_guessing() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "身份证丢了咋办", "ask_service_guide",
        slots={"service": "居民身份证换领/补领", "situation": None, "aspect": "guide"}))
    text = messages[0]["text"]
    assert "全市各区政务服务中心均可办理" in text and "告诉我您在哪个区" in text
