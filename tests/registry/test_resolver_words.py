"""The question's words (bot/registry/words.py and the resolver's reading of them): aspects every
guide answers, amounts, the clause that asks, a document named as the thing to bring, the kind of
handling asked. Small hand-made records, so each rule is seen on its own.

Bad input: empty and whitespace-only text, a huge message, punctuation only, a lexicon file with
malformed lines, duplicated words in the lexicon."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.registry.resolver import ItemRecord, Resolver
from bot.registry.words import AMOUNT, load_aspects, load_variants, only_brought

DOG = ItemRecord("A", "养犬登记", ("养犬登记", "办狗证", "狗证"), ("养狗", "犬只"), "公安服务", "公安局", "1",
                 guide="犬只免疫证明。犬只照片。植入芯片。审核")
CARD = ItemRecord("B", "老年人优待证", ("老年人优待证", "老年证"), ("60周岁",), "卫生健康", "卫健委", "2",
                  guide="电子优待证在线即时领取。实体证件5个工作日内制发")
MARRY = ItemRecord("C", "结婚登记", ("结婚登记", "结婚证", "领结婚证"), ("领证",), "婚姻登记", "民政局", "3")
DIVORCE = ItemRecord("D", "离婚登记", ("离婚登记", "离婚证", "协议离婚"), ("冷静期",), "婚姻登记", "民政局", "3",
                     guide="双方居民身份证。结婚证。离婚协议书")
VARIANTS = {"补领": ("补", "丢了", "补办"), "换领": ("到期", "期满"), "查询": ("查", "进度")}
ASPECTS = ("手机上", "拿到", "当天", "老家", "山东", "真的", "去一趟")


def resolver() -> Resolver:
    return Resolver([DOG, CARD, MARRY, DIVORCE], variants=VARIANTS, aspects=ASPECTS)


@pytest.mark.parametrize("word", ["两万多", "八年", "三个月", "30平", "一千多", "12123"])
def test_amounts_and_spans_of_time_never_name_a_matter(word: str) -> None:
    assert AMOUNT.match(word)


@pytest.mark.parametrize("word", ["养老金", "三孩", "八十岁补贴"])
def test_words_with_a_number_inside_are_not_amounts(word: str) -> None:
    assert not AMOUNT.match(word)


def test_aspect_words_are_dropped_from_questions_but_not_from_names() -> None:
    r = resolver()
    words = r.content_words("养狗登记在手机上办了，当天能拿到吗？我老家山东的")
    assert {"狗", "登记"} <= set(words) and not {"手机上", "拿到", "当天", "老家", "山东"} & set(words)
    assert "老家" in r.content_words("老家", keep_short=True), "a name keeps its words"


@pytest.mark.parametrize("text", ["", "   ", "？？？！！", "。。。"])
def test_empty_and_punctuation_only_text_has_no_words(text: str) -> None:
    assert resolver().content_words(text) == []
    assert resolver().resolve(text).outcome == "none"


def test_a_huge_message_is_read_without_error() -> None:
    resolution = resolver().resolve("狗证怎么办？" + "我家狗狗很可爱。" * 2000)
    assert resolution.outcome in ("commit", "choose", "decline")


def test_a_document_to_bring_is_a_material_not_the_matter() -> None:
    assert only_brought("结婚证", "两个人都同意离，要准备什么材料？结婚证要带上吗？")
    assert only_brought("户口本", "要带户口本吗")
    assert not only_brought("补办身份证", "补办身份证要带什么"), "the matter, then what to bring for it"
    assert not only_brought("护照", "护照需要提供哪些材料")
    assert not only_brought("结婚证", "结婚证怎么领")
    assert not only_brought("结婚证", "")


def test_a_named_document_to_bring_does_not_take_the_question() -> None:
    """Without the rule, "结婚证" (an alias of 结婚登记) named the marriage item outright."""
    resolution = resolver().resolve("协议离婚要准备什么？结婚证要带上吗？")
    assert resolution.candidates[0].code == "D", resolution.as_dict()


def test_the_kind_of_handling_is_read_from_the_asking_clause() -> None:
    r = resolver()
    assert r._asked_variants("老年证丢了怎么补？") == {"补领"}
    # 到期 is the resident's context; the clause that asks is about the dog licence itself
    assert r._asked_variants("合同到期了，我想办个狗证，要带什么？") == frozenset()


def test_an_item_that_does_not_do_the_kind_of_handling_is_never_committed() -> None:
    """老年人优待证 issues the card; nothing in the item says it replaces a lost one."""
    resolution = resolver().resolve("老年证丢了怎么补？")
    assert resolution.item is None and resolution.features and resolution.features["variant_mismatch"] == 1.0


def test_a_bare_is_that_true_asks_about_the_clause_before_it() -> None:
    r = resolver()
    focus = r._focus("听说现在狗证在手机上就能办，是真的吗？还是得去一趟？")
    assert {"狗", "证"} <= focus, focus


def test_lexicon_files_skip_comments_and_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "aspects.tsv"
    path.write_text("# 注释\n时限\t当天 当天 拿到\n没有制表符的行\n\n网办\t手机上\n", encoding="utf-8")
    assert load_aspects(path) == {"当天", "拿到", "手机上"}
    assert load_variants(tmp_path / "missing.tsv") == {}
    assert load_aspects(tmp_path / "missing.tsv") == frozenset()
