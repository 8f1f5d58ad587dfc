"""Service guidance actions against the real registry seed."""
from __future__ import annotations

import asyncio
import re

from rasa_sdk.executor import CollectingDispatcher

from actions.service_guidance import (
    ActionAnswerService,
    ActionAskDistrict,
    ActionAskService,
    ActionAskSituation,
    ValidateServiceForm,
)
from tests.actions.conftest import DOMAIN, make_tracker, run_action

SOURCE_LINE = re.compile(r"数据来源：.+更新于 \d{4}-\d{2}-\d{2}")


def test_materials_answer_is_personalised_by_situation() -> None:
    rent, _ = run_action(ActionAnswerService(), make_tracker(
        "租房提取公积金要带什么", "ask_materials",
        slots={"service": "住房公积金提取", "situation": "rent", "aspect": "materials"}))
    buy, _ = run_action(ActionAnswerService(), make_tracker(
        "购房提取公积金要带什么", "ask_materials",
        slots={"service": "住房公积金提取", "situation": "buy", "aspect": "materials"}))
    rent_text, buy_text = rent[0]["text"], buy[0]["text"]
    assert rent_text.startswith("【住房公积金提取 · ") and "租房" in rent_text.splitlines()[0]
    assert "所需材料" in rent_text and rent_text != buy_text
    assert SOURCE_LINE.search(rent_text) and SOURCE_LINE.search(buy_text)


def test_full_guide_names_the_residents_district_centre() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "居住证怎么办", "ask_service_guide",
        slots={"service": "居住证首次申领", "aspect": "guide", "district": "南港区"}))
    text = messages[0]["text"]
    for part in ("【居住证首次申领", "受理条件", "所需材料", "办理时限", "收费", "办理地点", "南港区", "网上办理",
                 "咨询电话"):
        assert part in text, part
    assert SOURCE_LINE.search(text)
    assert messages[0]["buttons"], "follow-up quick replies are offered"


def test_time_answer_for_an_instant_item_says_so() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "结婚登记要多久", "ask_time_limit", slots={"service": "结婚登记", "aspect": "time"}))
    assert "即办" in messages[0]["text"]


def test_unknown_service_in_slot_is_not_invented() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "火星移民怎么办", "ask_service_guide", slots={"service": "火星移民登记", "aspect": "guide"}))
    assert "没有找到" in messages[0]["text"] and "12345" in messages[0]["text"]


def test_situation_question_offers_every_situation_as_a_button() -> None:
    messages, _ = run_action(ActionAskSituation(), make_tracker(
        "提取公积金", "ask_materials", slots={"service": "住房公积金提取"}))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert any('"situation": "rent"' in p for p in payloads)
    assert all(p.startswith("/inform{") for p in payloads)


def test_ask_service_offers_close_candidates_for_a_vague_request() -> None:
    messages, _ = run_action(ActionAskService(), make_tracker("公积金", "ask_service_guide"))
    titles = [b["title"] for b in messages[0].get("buttons", [])]
    assert "住房公积金提取" in titles and len(titles) <= 3


def test_ask_district_lists_the_six_districts() -> None:
    messages, _ = run_action(ActionAskDistrict(), make_tracker("去哪办", "ask_where", slots={"service": "普通护照"}))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert {"东湖区", "西山区", "南港区", "北城区", "高新区", "滨江区"} <= set(titles)


def _required(slots: dict) -> list:
    form = ValidateServiceForm()
    tracker = make_tracker("", "ask_fee", slots=slots)
    return asyncio.run(form.required_slots(["service", "situation", "district"], CollectingDispatcher(), tracker, DOMAIN))


def test_form_asks_only_what_the_question_needs() -> None:
    assert _required({}) == ["service"]
    assert _required({"service": "住房公积金提取", "aspect": "materials"}) == ["service", "situation"]
    assert _required({"service": "结婚登记", "aspect": "online"}) == ["service"]
    guide_first = _required({"service": "居民身份证换领/补领", "aspect": "guide"})
    assert "district" not in guide_first, "a full guide answers at once and invites the district"
    where = _required({"service": "居住证首次申领", "aspect": "where"})
    assert "district" in where and "situation" not in where


def test_district_validation_accepts_short_names_and_refuses_others() -> None:
    form = ValidateServiceForm()
    tracker = make_tracker("东湖", "inform")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(form.validate_district("东湖", dispatcher, tracker, DOMAIN)) == {"district": "东湖区"}
    assert asyncio.run(form.validate_district("火星区", dispatcher, tracker, DOMAIN)) == {"district": None}
    assert "东湖区" in dispatcher.messages[0]["text"]


def test_full_guide_without_a_district_invites_it_instead_of_guessing() -> None:
    messages, _ = run_action(ActionAnswerService(), make_tracker(
        "身份证丢了咋办", "ask_service_guide",
        slots={"service": "居民身份证换领/补领", "situation": None, "aspect": "guide"}))
    text = messages[0]["text"]
    assert "全市各区政务服务中心均可办理" in text and "告诉我您在哪个区" in text
