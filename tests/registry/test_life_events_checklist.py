"""The merged checklist of a life event over the real sample registry: every material once (by
kind, with whose it is), optional and conditional steps and materials marked, documents an earlier
step produces not asked for, online steps, places, totals, and the text split for WeChat.

Bad input covered: empty, huge and alternative material names ("居民身份证或居民户口簿" is not an ID
card), a member item deleted from the registry, an event whose members are all gone, and a split
limit far below a section's size.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Dict, List

import pytest

from bot.channels.wechat.render import MAX_TEXT_BYTES
from bot.registry.checklist import KINDS, Checklist, build_checklist, items_by_code, normalise, split_holder
from bot.registry.checklist_text import render_sections, render_text, wechat_messages
from bot.registry.live import Snapshot, load_snapshot
from bot.registry.views import ItemView

WECHAT_LIMIT = 2048  # bytes of one WeChat text message
ENTRY = re.compile(r"^(\d+\.|·) ")  # a material's line in the checklist


@pytest.fixture(scope="module")
def snapshot(database_url: str) -> Snapshot:
    return load_snapshot()


@pytest.fixture(scope="module")
def items(snapshot: Snapshot) -> Dict[str, ItemView]:
    return items_by_code(snapshot.items.values())


def _checklist(snapshot: Snapshot, items: Dict[str, ItemView], code: str) -> Checklist:
    return build_checklist(snapshot.life_events[code], items)


def _materials_section(text: str) -> str:
    start = text.index("准备材料")
    return text[start:text.index("去哪办")]


@pytest.mark.parametrize("name, kind, holder", [
    ("居民身份证", "居民身份证", ""),
    ("申请人居民身份证", "居民身份证", "申请人"),
    ("父母双方居民身份证", "居民身份证", "父母双方"),
    ("监护人身份证", "居民身份证", "监护人"),  # short form spelt out
    ("申请人 居民身份证", "居民身份证", "申请人"),  # spaces
    ("ＡＢ户口本", "居民户口簿", "AB"),  # full width
    ("父或母的江州市居住证", "居住证", "父或母"),  # the city says which city's card, not whose
    ("居民身份证或居民户口簿", "居民身份证或居民户口簿", ""),  # an alternative is its own material
    ("本人银行账户或社会保障卡", "本人银行账户或社会保障卡", ""),
    ("由户籍所在地派出所出具的居民身份证", "由户籍所在地派出所出具的居民身份证", ""),  # too long for a holder
    ("", "", ""),
    ("证" * 10_000, "证" * 10_000, ""),
])
def test_materials_are_the_same_when_their_kind_is(name: str, kind: str, holder: str) -> None:
    assert split_holder(normalise(name), KINDS) == (kind, holder)


def test_every_material_of_every_event_is_listed_once(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    assert len(snapshot.life_events) >= 8
    for code in snapshot.life_events:
        checklist = _checklist(snapshot, items, code)
        kinds = [m.kind for m in checklist.materials]
        assert len(kinds) == len(set(kinds)), code
        needed = sum(len(m.needs) for m in checklist.materials)
        expected = 0
        for step in checklist.steps:
            chosen = {s.id for s in step.situations}
            expected += sum(1 for m in step.item.materials if m.situation_id is None or m.situation_id in chosen)
        assert needed == expected, f"{code}: every applicable material is in exactly one line"


def test_the_id_card_of_a_birth_is_one_line_naming_the_steps_and_whose(snapshot: Snapshot,
                                                                       items: Dict[str, ItemView]) -> None:
    checklist = _checklist(snapshot, items, "JZ-YJS-BIRTH")
    text = render_text(checklist)
    materials = _materials_section(text)
    assert materials.count("居民身份证") == 1
    line = next(line for line in materials.splitlines() if "居民身份证" in line)
    for label in ("出生登记", "医保参保", "社保卡申领"):
        assert label in line
    assert "父母双方" in line and "监护人" in line


def test_conditional_steps_and_materials_are_marked(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    checklist = _checklist(snapshot, items, "JZ-YJS-BIRTH")
    text = render_text(checklist)
    assert "生育津贴（母亲参加职工生育保险的）" in text
    extra = text[text.index("按情况另备"):text.index("去哪办")]
    main = text[text.index("准备材料"):text.index("按情况另备")]
    registration = next(s for s in checklist.steps if s.label == "出生登记")
    paper = [(m, s) for s in registration.situations for m in registration.item.materials
             if m.situation_id == s.id and m.submit == "纸质"]
    assert paper, "出生登记 has situation materials to bring (非婚生育 …)"
    section = _materials_section(text)
    for material, situation in paper:
        kind = split_holder(normalise(material.name), KINDS)[0]
        lines = [line for line in section.splitlines() if ENTRY.match(line) and kind in line]
        assert len(lines) == 1 and "出生登记·" in lines[0] and situation.name in lines[0], (material.name, lines)
    assert "亲子鉴定证明" in extra and "亲子鉴定" not in main, "only some parents need it"
    assert "出院记录或手术记录" in extra and "流产" not in text, "the event leaves out situations it does not use"


def test_a_pinned_situation_brings_only_its_materials(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    text = render_text(_checklist(snapshot, items, "JZ-YJS-RETIRE"))
    assert "退休证明" in text
    assert "房屋租赁合同" not in text and "购房合同" not in text


def test_a_document_an_earlier_step_produces_is_not_asked_for(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    checklist = _checklist(snapshot, items, "JZ-YJS-BIRTH")
    certificate = next(m for m in checklist.materials if m.kind == "出生医学证明")
    assert certificate.produced and {n.produced_by for n in certificate.needs} == {(1,)}
    text = render_text(checklist)
    brought = text[text.index("准备材料"):text.index("前面步骤办出")]
    assert "出生医学证明：" not in brought and "第 1 步「出生医学证明」办出后直接用" in text


def test_online_steps_order_totals_and_source(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    checklist = _checklist(snapshot, items, "JZ-YJS-BIRTH")
    assert [s.label for s in checklist.online_steps] == ["医保参保", "社保卡申领", "育儿补贴", "生育津贴"]
    assert checklist.separate_visits == 3
    text = render_text(checklist)
    steps = text[text.index("办理顺序"):text.index("准备材料")].splitlines()[1:]
    assert [line.split(".")[0] for line in steps if line] == [str(n) for n in range(1, 8)]
    assert "4. 医保参保：可全程网上办，不用跑" in text
    assert "最多跑 1 次，约 20 个工作日全部办结（分开办最多要跑 3 次）" in text
    assert "https://zwfw.jiangzhou.example/yjs/birth" in text
    assert "数据来源：" in text and "示例数据" in text and "国发〔2024〕3号" in text


def test_places_are_the_residents_district_when_known(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    checklist = _checklist(snapshot, items, "JZ-YJS-DEATH")
    anywhere = render_text(checklist)
    assert "户口注销：各区政务服务中心" in anywhere and "告诉我您在哪个区" in anywhere
    assert "火化：江州市殡仪馆" in anywhere, "a member's own place (the funeral home) is named"
    own = render_text(checklist, district="东湖区")
    assert "江州市东湖区政务服务中心（江州市东湖区湖滨路88号" in own and "告诉我您在哪个区" not in own


def test_a_member_deleted_from_the_registry_is_left_out_and_said(snapshot: Snapshot,
                                                                 items: Dict[str, ItemView]) -> None:
    event = snapshot.life_events["JZ-YJS-BIRTH"]
    fewer = {code: item for code, item in items.items() if code != "JZ-GA-0006"}
    checklist = build_checklist(event, fewer)
    assert checklist.missing == ("JZ-GA-0006",) and "出生登记" not in [s.label for s in checklist.steps]
    assert "另有 1 项暂未在办事指南中提供" in render_text(checklist)
    empty = build_checklist(replace(event, members=event.members[:1]), {})
    assert empty.steps == () and "无需另备材料" in render_text(empty)


@pytest.mark.parametrize("code", ["JZ-YJS-BIRTH", "JZ-YJS-RESTAURANT", "JZ-YJS-SCHOOL", "JZ-YJS-DEATH"])
def test_wechat_messages_fit_the_limit_and_keep_every_line_whole(snapshot: Snapshot, items: Dict[str, ItemView],
                                                                 code: str) -> None:
    text = render_text(_checklist(snapshot, items, code))
    messages = wechat_messages(text)
    assert len(text.encode("utf-8")) > MAX_TEXT_BYTES, "the sample checklists need more than one message"
    assert len(messages) >= 2
    assert all(len(m.encode("utf-8")) <= min(MAX_TEXT_BYTES, WECHAT_LIMIT) for m in messages)
    lines = [line for m in messages for line in m.splitlines() if line]
    assert lines == [line for line in text.splitlines() if line], "nothing lost, nothing cut mid-line"


def test_a_tiny_limit_still_cuts_between_lines(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    text = render_text(_checklist(snapshot, items, "JZ-YJS-HOUSE"))
    limit = max(len(line.encode("utf-8")) for line in text.splitlines())
    messages = wechat_messages(text, max_bytes=limit)
    assert len(messages) > 5 and all(len(m.encode("utf-8")) <= limit for m in messages)
    assert [line for m in messages for line in m.splitlines() if line] == [x for x in text.splitlines() if x]


def test_the_web_chat_gets_three_sections(snapshot: Snapshot, items: Dict[str, ItemView]) -> None:
    sections: List[str] = render_sections(_checklist(snapshot, items, "JZ-YJS-MARRY"), district="西山区")
    assert [s.splitlines()[0] for s in sections] == ["【结婚一件事】", "准备材料（同一份材料只准备一次）：", "去哪办："]
