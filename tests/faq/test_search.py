"""Search quality on small fixtures: full questions, terse keywords, aliases from the registry,
traditional characters and full width, out-of-scope chatter; the live index follows edits."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import List

import pytest

from bot.faq.search import FaqIndex, LiveFaq, Tuning, format_answer, load_index
from bot.faq.store import FaqView, check_fields, create_entry, delete_entry
from tests.support.database import fresh_database

NOW = datetime(2026, 10, 15, tzinfo=timezone.utc)
QUESTIONS = [
    "住房公积金提取（租房提取）需要什么条件？",
    "住房公积金提取是否需要提前预约？",
    "住房公积金个人贷款的咨询电话是多少？",
    "居住证首次申领要多久能拿到？",
    "拨打12345热线要收费吗？",
    "政务服务网的登录密码忘了怎么办？",
]
NAMES = {"住房公积金提取": "GJJ-1", "提公积金": "GJJ-1", "公积金提取": "GJJ-1", "住房公积金个人贷款": "GJJ-2",
         "公积金贷款": "GJJ-2", "居住证首次申领": "JZZ-1", "居住证": "JZZ-1"}


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    entries: List[FaqView] = [FaqView(i, q, f"答案{i}", "部门", (), "常见问题库", NOW, NOW)
                              for i, q in enumerate(QUESTIONS, 1)]
    return FaqIndex(entries, NAMES, Tuning(alpha=0.4, threshold=0.42))


@pytest.mark.parametrize("query, expected", [
    ("住房公积金提取（租房提取）需要什么条件？", 1),  # the full question
    ("公积金 提取 租房", 1),  # terse keywords
    ("提公积金要不要先预约", 2),  # an alias of the registry, colloquial
    ("公积金贷款 电话", 3),
    ("居住證多久能拿到", 4),  # traditional characters
    ("１２３４５ 收费", 5),  # full-width digits
    ("政务网密码忘了", 6),
])
def test_the_right_entry_is_first(index: FaqIndex, query: str, expected: int) -> None:
    hits = index.search(query, top=3)
    assert hits and hits[0].id == expected, [(h.id, round(h.score, 3)) for h in hits]
    assert all(0 < h.score <= 1 for h in hits) and hits == sorted(hits, key=lambda h: -h.score)


@pytest.mark.parametrize("query", ["今天天气怎么样", "给我讲个笑话", "", "？？？"])
def test_chatter_is_not_answered(index: FaqIndex, query: str) -> None:
    assert index.best_answer(query) is None


def test_answer_names_source_department_and_date(index: FaqIndex) -> None:
    hit = index.best_answer("公积金 提取 租房")
    assert hit is not None
    assert format_answer(hit) == "答案1\n（来源：常见问题库，部门；更新于 2026-10-15）"


def test_live_index_follows_edits_within_a_second(tmp_path: Path) -> None:
    with fresh_database(tmp_path / "faq.db"):
        live = LiveFaq(ttl=0.2, load=load_index)
        assert live.index().search("社保卡 挂失") == []
        made = create_entry(check_fields("社保卡丢了怎么挂失？", "拨打热线挂失。"), "boss")
        time.sleep(0.3)
        assert live.index().search("社保卡 挂失")[0].id == made.id
        delete_entry(made.id, "boss")
        time.sleep(0.3)
        assert live.index().search("社保卡 挂失") == []
