"""Registry names typed with a homophone (bot/registry/homophones.py).

Tried: a slip in a three-character name (居柱证, 社报卡, 身分证), a name said as written, a span that
sounds like a name but is a word of its own, two-character names (left alone: "车证" is no 扯证),
punctuation, digits, Latin letters and emoji around the slip, an empty and a 10,000-character text;
and the resolver answering the misspelt question as it answers the right spelling.
"""
from __future__ import annotations

import pytest

from bot.registry.homophones import Homophones
from bot.registry.live import build_resolver, load_records

NAMES = ["居住证", "社保卡", "身份证补领", "身份证", "扯证", "低保"]


def _plain(words: frozenset = frozenset()) -> Homophones:
    return Homophones(NAMES, lambda w: w in words)


@pytest.mark.parametrize("typed,meant", [
    ("居柱证办下来要多少天？", "居住证办下来要多少天？"),
    ("社报卡丢了咋办😭", "社保卡丢了咋办😭"),
    ("身分证补领要带啥", "身份证补领要带啥"),  # the longest name that sounds alike
    ("我的ID是123，身分证丢了", "我的ID是123，身份证丢了"),
    ("我想办居住证", "我想办居住证"),
    ("", ""),
])
def test_a_slip_that_sounds_like_a_name_is_read_as_the_name(typed: str, meant: str) -> None:
    assert _plain().correct(typed) == meant


def test_a_real_word_and_short_names_are_left_alone() -> None:
    assert _plain(frozenset({"居住政"})).correct("居住政策变了吗") == "居住政策变了吗"  # a word of its own
    assert _plain().correct("我的车证丢了") == "我的车证丢了"  # two syllables sound like too much
    assert _plain().correct("低包申请") == "低包申请"
    long = "狗证" * 5000
    assert _plain().correct(long) == long


def test_the_resolver_answers_a_misspelt_name_as_the_name(database_url: str) -> None:
    records, districts = load_records()
    resolver = build_resolver(records, districts)
    right = resolver.resolve("居住证去哪里办，要带什么")
    slip = resolver.resolve("居柱证去哪里办，要带什么")
    assert right.outcome == slip.outcome == "commit", (right.as_dict(), slip.as_dict())
    assert slip.item is not None and right.item is not None and slip.item.code == right.item.code
    # a word of jieba's that sounds like a name is not corrected into it
    assert resolver._homophones.correct("地堡在哪") == "地堡在哪"
