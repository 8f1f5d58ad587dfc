"""District names in resident text (bot/places.py): one function for every feature."""
from __future__ import annotations

import pytest

from bot.places import find_district, normalize_district

DISTRICTS = ["东湖区", "西山区", "南港区", "北城区", "高新区", "滨江区"]


@pytest.mark.parametrize("order", [["东湖区", "东区"], ["东区", "东湖区"]])
def test_normalize_prefers_the_longest_name_whatever_the_order(order: list) -> None:
    """Tried: the same known list in both orders; "东湖" must never become 东区."""
    assert normalize_district("东湖", order) == "东湖区"
    assert normalize_district("东区", order) == "东区"


def test_one_character_stems_do_not_match() -> None:
    """Tried: "东" alone, which is the stem of 东区 but names nothing a resident would mean."""
    assert normalize_district("东", ["东区"]) is None
    assert find_district("我住东边", ["东区"]) is None


def test_county_level_cities_are_found_by_their_stem_in_both_functions() -> None:
    assert normalize_district("建德", ["建德市"]) == "建德市"
    assert find_district("建德有医院吗", ["建德市"]) == "建德市"


@pytest.mark.parametrize("text,expected", [("我在南港那边上班", "南港区"), ("滨江区政务中心", "滨江区"),
                                           ("江州市民中心", None), ("", None)])
def test_find_district_in_resident_text(text: str, expected: object) -> None:
    assert find_district(text, DISTRICTS) == expected


def test_empty_and_unknown_values() -> None:
    assert normalize_district(None, DISTRICTS) is None
    assert normalize_district("   ", DISTRICTS) is None
    assert normalize_district("火星区", DISTRICTS) is None
