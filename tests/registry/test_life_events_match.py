"""Which life event a message names (names and aliases, written as is or with a few words between;
keywords and the resolver's items when it names none) and which step a follow-up is about; and the
NLU component writing the ``life_event`` entity.

Bad input covered: empty, huge, hostile and unrelated text, two events named equally, a word shared
by two events, a step named by a word inside a longer step name, an unknown event code.
"""
from __future__ import annotations

from typing import Dict

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.registry_entities import RegistryEntities
from bot.registry.life_event_match import (
    find_life_event,
    likely_life_event,
    member_for,
    rank_life_events,
    step_in_context,
)
from bot.registry.life_events import LifeEventView
from bot.registry.live import Snapshot, load_snapshot
from bot.registry.views import ItemView


@pytest.fixture(scope="module")
def snapshot(database_url: str) -> Snapshot:
    return load_snapshot()


@pytest.fixture(scope="module")
def events(snapshot: Snapshot) -> Dict[str, LifeEventView]:
    return snapshot.life_events


@pytest.fixture(scope="module")
def items(snapshot: Snapshot) -> Dict[str, ItemView]:
    return {item.code: item for item in snapshot.items.values()}


@pytest.mark.parametrize("text, code, via, exact", [
    ("媳妇生了要办啥", "JZ-YJS-BIRTH", "媳妇生了", True),
    ("我媳妇刚生了，要办啥", "JZ-YJS-BIRTH", "媳妇生了", False),  # a word in between
    ("刚退休社保怎么弄", "JZ-YJS-RETIRE", "刚退休", True),
    ("家里老人走了要办哪些手续", "JZ-YJS-DEATH", "家里老人走了", True),
    ("想开个饭馆要办什么证", "JZ-YJS-RESTAURANT", "开个饭馆", True),
    ("新生儿出生一件事", "JZ-YJS-BIRTH", "新生儿出生一件事", True),  # the longest name wins
    ("ＳＨＥＮＧ 生 孩 子", "JZ-YJS-BIRTH", "生孩子", True),  # full width and spaces
])
def test_an_event_is_named_by_its_name_or_alias(events: Dict[str, LifeEventView], text: str, code: str, via: str,
                                                exact: bool) -> None:
    found = find_life_event(text, events.values())
    assert found is not None and (found.event.code, found.via, found.exact) == (code, via, exact)


@pytest.mark.parametrize("text", ["", "   ", "居住证怎么办", "我生日是哪天", "<script>alert(1)</script>",
                                  "生" * 5000 + "孩" * 5000, "生孩子和退休了"])
def test_no_event_when_none_is_named_or_two_equally(events: Dict[str, LifeEventView], text: str) -> None:
    """"生孩子和退休了" names two events equally (两个 3-character aliases): neither is guessed."""
    assert find_life_event(text, events.values()) is None


def test_keywords_and_the_resolvers_items_pick_an_event_that_leads_clearly(events: Dict[str, LifeEventView]) -> None:
    event, close = likely_life_event("奶奶昨晚过世了，要办啥", events.values())
    assert event is not None and event.code == "JZ-YJS-DEATH" and close == []
    ranked = rank_life_events("退休以后养老金怎么领", events.values())
    assert ranked[0][1].code == "JZ-YJS-RETIRE" and ranked[0][0] == len("退休") + len("养老金")
    # 社会保障卡 is a step of two events: the resolver's item alone does not decide between them
    event, close = likely_life_event("那个卡怎么弄", events.values(), ["JZ-RS-0001"])
    assert event is None and {e.code for e in close} == {"JZ-YJS-BIRTH", "JZ-YJS-RETIRE"}
    assert likely_life_event("今天天气不错", events.values()) == (None, [])


def test_a_keyword_inside_a_longer_one_counts_once(events: Dict[str, LifeEventView]) -> None:
    ((score, _event),) = rank_life_events("残疾人", [events["JZ-YJS-DISABILITY"]])
    assert score == len("残疾人"), "残疾 inside 残疾人 is not counted again"


def test_a_follow_up_names_a_step_by_label_name_or_the_resolvers_one_candidate(
        events: Dict[str, LifeEventView], items: Dict[str, ItemView]) -> None:
    birth = events["JZ-YJS-BIRTH"]
    item, member = member_for(birth, items, "那出生登记要带什么") or (None, None)
    assert item is not None and item.code == "JZ-GA-0006" and member is not None and member.label == "出生登记"
    # "出生医学证明" is a step's label (and a document later steps use): the label names that step
    item, _member = member_for(birth, items, "出生医学证明在哪开") or (None, None)
    assert item is not None and item.code == "JZ-WJ-0003"
    item, _member = member_for(birth, items, "那个怎么弄", ["JZ-YB-0003", "JZ-YB-0004"]) or (None, None)
    assert item is not None and item.code == "JZ-YB-0004", "the one candidate that is a step"
    assert member_for(birth, items, "那个怎么弄", ["JZ-GA-0006", "JZ-YB-0004"]) is None, "two steps: no guess"
    assert member_for(birth, items, "护照要带什么", ["JZ-GA-0010"]) is None


def test_the_step_in_context_carries_the_situation_the_event_uses(snapshot: Snapshot) -> None:
    step = step_in_context(snapshot.life_events, snapshot.items.values(), "JZ-YJS-RETIRE", "公积金退休提取要啥")
    assert step is not None and step[0].code == "JZ-GJJ-0001" and step[1] == "retire"
    step = step_in_context(snapshot.life_events, snapshot.items.values(), "JZ-YJS-BIRTH", "出生登记要啥")
    assert step is not None and step[1] is None, "出生登记 keeps all its situations open"
    step = step_in_context(snapshot.life_events, snapshot.items.values(), "JZ-YJS-BIRTH", "社保卡补办要啥",
                           ["JZ-RS-0001", "JZ-RS-0002"])
    assert step is not None and step[0].code == "JZ-RS-0001" and step[1] is None, \
        "named by the item, not the checklist's label: the event's 首次申领 is not imposed on a 补办 question"
    step = step_in_context(snapshot.life_events, snapshot.items.values(), "JZ-YJS-BIRTH",
                           '/ask_materials{"service": "社会保障卡申领/补换"}')
    assert step is not None and step[1] == "first", "the checklist's own button"
    for code in (None, "", "JZ-NOPE", "'; DROP TABLE x; --"):
        assert step_in_context(snapshot.life_events, snapshot.items.values(), code, "出生登记要啥") is None


def test_the_nlu_component_writes_the_life_event_entity(database_url: str) -> None:
    component = RegistryEntities()
    named, plain = Message(data={TEXT: "老婆生了要办啥"}), Message(data={TEXT: "居住证要带什么"})
    component.process([named, plain])
    entity = next(e for e in named.get(ENTITIES) if e["entity"] == "life_event")
    assert entity["value"] == "JZ-YJS-BIRTH" and "老婆生了要办啥"[entity["start"]:entity["end"]] == "老婆生了"
    assert not [e for e in plain.get(ENTITIES) or [] if e["entity"] == "life_event"]
