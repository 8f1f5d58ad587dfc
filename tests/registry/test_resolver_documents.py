"""Each item's whole guide as a document (bot/registry/documents.py) and the second scorer over it.

Bad input: an empty registry, an empty or punctuation-only question, a huge one, an item with no
guide at all, a question in another script."""
from __future__ import annotations

from types import SimpleNamespace

from bot.db import session_scope
from bot.registry.documents import DocumentIndex, document, guide_text
from bot.registry.live import load_snapshot
from bot.registry.models import ServiceItem
from bot.registry.repository import RegistryRepository


def _index() -> DocumentIndex:
    return DocumentIndex([
        ("JY", document(("小学入学登记", "幼升小"), ("学区", "一年级"), "教育", "户口簿。房产证明。预防接种证查验")),
        ("GJJ", document(("住房公积金个人贷款", "公积金贷款"), ("贷款", "面签"), "住房", "借款合同。面签。放款")),
        ("EMPTY", document(("养犬登记",), (), "公安", "")),
    ])


def test_the_question_is_most_like_the_item_whose_guide_it_echoes() -> None:
    scores = _index().scores("买房用公积金贷款，两口子都要去面签吗")
    assert max(scores, key=lambda code: scores[code]) == "GJJ"
    assert all(0.0 <= s <= 1.0 + 1e-9 for s in scores.values())


def test_empty_huge_and_foreign_questions_score_without_error() -> None:
    index = _index()
    for text in ("", "   ", "？？？", "hello world 123", "一年级" * 5000):
        scores = index.scores(text)
        assert set(scores) == {"JY", "GJJ", "EMPTY"}
    assert max(index.scores("").values()) == 0.0


def test_an_empty_registry_scores_nothing() -> None:
    assert DocumentIndex([]).scores("公积金贷款") == {}


def test_guide_text_reads_situations_materials_steps_and_notes() -> None:
    item = SimpleNamespace(
        conditions="年满60周岁", limit_note="即办", fee="不收费", fee_basis="", situation_question="",
        online_depth="全程网办",
        situations=[SimpleNamespace(name="遗失补办", description="卡片遗失", fee=None, keywords=["丢了"])],
        materials=[SimpleNamespace(name="居民身份证", note="网上办理的通过实名认证")],
        steps=[SimpleNamespace(name="制卡", description="即时制卡网点当场制卡")])
    text = guide_text(item)
    for part in ("年满60周岁", "遗失补办", "丢了", "居民身份证", "实名认证", "当场制卡", "全程网办"):
        assert part in text
    assert guide_text(SimpleNamespace()) == ""


def test_every_seeded_item_has_a_guide_text(database_url: str) -> None:
    """The resolver's records carry the guide of the real seed (materials and steps included)."""
    snapshot = load_snapshot()
    assert snapshot.records and all(r.guide for r in snapshot.records)
    with session_scope() as session:
        item = RegistryRepository(session).item_by_code("JZ-MZ-0002")
        assert isinstance(item, ServiceItem)
        assert "结婚证" in guide_text(item)
