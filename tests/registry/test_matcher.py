"""The service matcher against the real seed: colloquial names find the item, noise finds none."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import Base, get_engine, session_scope
from bot.registry.importer import import_registry
from bot.registry.matcher import ServiceMatcher, match_situation
from bot.registry.repository import RegistryRepository

SEED = Path(__file__).resolve().parents[2] / "data" / "registry"


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('matcher') / 'r.db'}"
    Base.metadata.create_all(get_engine(url))
    with session_scope(url) as session:
        import_registry(SEED, session)
        return {item.name: item for item in RegistryRepository(session).items()}


@pytest.fixture(scope="module")
def matcher(items) -> ServiceMatcher:  # type: ignore[no-untyped-def]
    return ServiceMatcher(list(items.values()))


@pytest.mark.parametrize("text, expected", [
    ("娃刚生下来咋上户口", "出生登记（新生儿落户）"),
    ("驾照快到期了", "机动车驾驶证期满换证"),
    ("护照要带什么", "普通护照"),  # "护照" only as the core of the alias 办护照
    ("公积金能取出来付房租吗", "住房公积金提取"),
    ("二手房过户要啥", "不动产转移登记（二手房）"),
    ("我想开个小饭馆要办什么手续", "食品经营许可"),  # fuzzy, no exact alias
])
def test_colloquial_requests_find_the_item(matcher: ServiceMatcher, text: str, expected: str) -> None:
    assert matcher.search(text)[0].name == expected


@pytest.mark.parametrize("text", ["", "   ", "阿巴阿巴", "叽里咕噜", "今天天气不错", "x" * 5000])
def test_noise_finds_nothing(matcher: ServiceMatcher, text: str) -> None:
    assert matcher.search(text) == []


def test_at_most_the_requested_number_of_distinct_items(matcher: ServiceMatcher) -> None:
    found = matcher.search("身份证 护照 驾照 社保卡 公积金", limit=3)
    assert len(found) == 3 and len({m.name for m in found}) == 3


def test_by_name_accepts_names_and_aliases_only_when_sure(matcher: ServiceMatcher) -> None:
    assert matcher.by_name("港澳通行证").name == "往来港澳通行证"
    assert matcher.by_name("普通护照").score == 100
    assert matcher.by_name("火星移民") is None and matcher.by_name(None) is None


def test_situation_from_keywords_never_from_codes(items) -> None:  # type: ignore[no-untyped-def]
    fund = items["住房公积金提取"]
    assert match_situation(fund, "我想交房租").code == "rent"
    assert match_situation(fund, "rent") is None  # codes are for buttons, not for matching words
