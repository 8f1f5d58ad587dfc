"""bot/opendata/facilities.py: which dataset a question names, whose district, whose owner, how near.

The district functions live in bot/places.py and are re-exported by facilities for its callers;
they are tested here through that re-export.

Rows come from the real cache (the ``database_url`` fixture syncs data/opendata/snapshots through
the real CKAN client), so field names and value shapes (``services`` as a list, floats for
coordinates) are the ones the actions see. Expected counts are computed from the snapshot files
with their Chinese column names, independently of the code under test.
"""
from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Tuple

import pytest

from bot.config import PROJECT_ROOT
from bot.opendata.answers import normalize_text
from bot.opendata.facilities import (
    KINDS,
    OWNERSHIP,
    coordinates,
    distance_km,
    district_counts,
    find_district,
    fmt_distance,
    keep_ownership,
    nearest,
    normalize_district,
    numbered,
    ownership_in,
    resolve_kind,
    valid_point,
)

SNAPSHOTS = PROJECT_ROOT / "data" / "opendata" / "snapshots"
DISTRICTS = ["东湖区", "西山区", "南港区", "北城区", "滨江区", "高新区"]


def snapshot(name: str) -> List[Dict[str, Any]]:
    return json.loads((SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"))["result"]["records"]


@pytest.fixture(scope="module")
def cached(database_url: str) -> Dict[str, Tuple[Dict[str, Any], ...]]:
    """Every facility dataset's rows as the open-data cache holds them."""
    from bot.db import session_scope
    from bot.opendata.store import load_dataset

    rows = {}
    with session_scope(database_url) as session:
        for name in {kind.dataset for kind in KINDS}:
            dataset = load_dataset(name, session)
            assert dataset is not None, f"{name} was not synced"
            rows[name] = dataset.rows
    return rows


# --- kind resolution ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, key", [
    ("东湖区有哪些三甲医院", "hospital_3a"),
    ("三级甲等医院", "hospital_3a"),
    ("附近的社区医院", "community_health"),
    ("社区卫生服务中心在哪", "community_health"),
    ("乡镇卫生院", "community_health"),
    ("去哪看病", "hospital"),
    ("最近的医院", "hospital"),
    ("医保服务网点", "medicare"),
    ("社保医保一起办的网点", "medicare"),  # both named: the more specific kind (医保) is listed first
    ("医疗保险在哪办", "medicare"),
    ("社保服务点", "social_security"),
    ("养老保险去哪交", "social_security"),  # 养老保险 is social insurance, not an elderly home
    ("人社局网点", "social_security"),
    ("哪里能停车", "parking"),
    ("有车位吗", "parking"),
    ("养老院", "elderly"),
    ("敬老院有哪些", "elderly"),
    ("中小学名单", "schools_all"),  # 中小学 contains 小学 but means all schools
    ("公办小学", "primary_school"),
    ("初级中学", "middle_school"),
    ("高中有哪些", "high_school"),
    ("高级中学", "high_school"),
    ("孩子上学", "school"),
    ("中学", "school"),
])
def test_resolve_kind_picks_the_most_specific_kind(text: str, key: str) -> None:
    kind = resolve_kind(text)
    assert kind is not None and kind.key == key


@pytest.mark.parametrize("text", ["", None, "护照怎么办", "😀😀", "   ", "图书馆在哪", "x" * 100_000])
def test_resolve_kind_returns_none_for_no_known_kind(text: Any) -> None:
    """Empty, None, unrelated, emoji-only, whitespace, unknown facility and huge text."""
    assert resolve_kind(text) is None


def test_the_first_text_naming_a_kind_wins() -> None:
    """The entity span comes first in the action's call; the whole message only after it."""
    assert resolve_kind("停车场", "附近的三甲医院").key == "parking"
    assert resolve_kind(None, "", "附近的三甲医院").key == "hospital_3a"
    assert resolve_kind("护照", "养老院").key == "elderly"  # a first text naming nothing is skipped


@pytest.mark.parametrize("typed, key", [
    ("三級甲等醫院", "hospital_3a"),  # traditional
    ("社區醫院", "community_health"),
    ("養老院", "elderly"),
    ("停車場", "parking"),
    ("醫保網點", "medicare"),
])
def test_traditional_characters_resolve_after_the_actions_normalisation(typed: str, key: str) -> None:
    """Traditional input: the action passes text through normalize_text first; raw it does not match."""
    assert resolve_kind(typed) is None
    kind = resolve_kind(normalize_text(typed))
    assert kind is not None and kind.key == key


def test_every_kind_selects_rows_from_its_dataset(cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    """Each kind's filter keeps the rows the snapshot says it should, counted from the raw columns."""
    hospitals, outlets, schools = snapshot("hospitals"), snapshot("social_security_outlets"), snapshot("schools")
    expected = {
        "hospital_3a": sum(r["机构等级"] == "三级甲等" for r in hospitals),
        "community_health": sum(r["机构等级"] == "社区卫生服务中心" for r in hospitals),
        "hospital": len(hospitals),
        "medicare": sum("医保" in r["服务类型"].split(";") for r in outlets),
        "social_security": sum("社保" in r["服务类型"].split(";") for r in outlets),
        "parking": len(snapshot("parking_lots")),
        "elderly": len(snapshot("elderly_care")),
        "schools_all": len(schools),
        "primary_school": sum(r["学段"] in ("小学", "九年一贯制") for r in schools),
        "middle_school": sum(r["学段"] in ("初中", "九年一贯制", "完全中学") for r in schools),
        "high_school": sum(r["学段"] in ("高中", "完全中学") for r in schools),
        "school": len(schools),
    }
    assert {kind.key for kind in KINDS} == set(expected)
    for kind in KINDS:
        selected = kind.select(cached[kind.dataset])
        assert len(selected) == expected[kind.key], kind.key
        assert 0 < len(selected) <= len(cached[kind.dataset])


def test_three_a_filter_drops_other_levels(cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    kind = resolve_kind("三甲")
    levels = {row["level"] for row in kind.select(cached["hospitals"])}
    assert levels == {"三级甲等"}


def test_filters_tolerate_rows_with_missing_fields() -> None:
    """Malformed rows: no level, services None, stage missing: dropped, not crashing."""
    rows = [{"name": "a"}, {"name": "b", "level": None, "services": None, "stage": None}]
    for kind in KINDS:
        selected = kind.select(rows)
        assert selected == ([] if kind.keep is not None else rows), kind.key


# --- ownership ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, word", [
    ("公办小学", "公办"), ("公立医院", "公立"), ("民办学校", "民办"), ("私立幼儿园", "私立"),
    ("东湖区的小学", None), ("", None), (None, None),
])
def test_ownership_in(text: Any, word: Any) -> None:
    assert ownership_in(text) == word


def test_public_and_private_synonyms_select_the_same_rows(cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    """公办 and 公立 are one owner, 民办 and 私立 the other, whatever word the dataset uses."""
    schools = cached["schools"]
    raw = snapshot("schools")
    public = sum(r["办学性质"] == "公办" for r in raw)
    private = sum(r["办学性质"] == "民办" for r in raw)
    assert public and private  # the sample has both
    assert len(keep_ownership(schools, "公办")) == len(keep_ownership(schools, "公立")) == public
    assert len(keep_ownership(schools, "民办")) == len(keep_ownership(schools, "私立")) == private
    # hospitals say 公立, a resident may say 公办
    assert len(keep_ownership(cached["hospitals"], "公办")) == len(snapshot("hospitals"))
    assert keep_ownership(cached["hospitals"], "民办") == []


def test_mixed_ownership_counts_as_neither(cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    """公建民营 elderly homes are neither 公办 nor 民办 rows."""
    homes = cached["elderly_care"]
    mixed = [r for r in homes if r["nature"] == "公建民营"]
    assert mixed
    kept = keep_ownership(homes, "公办") + keep_ownership(homes, "民办")
    assert not any(r in kept for r in mixed)
    assert len(kept) == len(homes) - len(mixed)


def test_no_ownership_word_keeps_every_row_and_returns_a_list() -> None:
    rows = ({"nature": "公办"}, {"nature": None}, {})
    assert keep_ownership(iter(rows), None) == list(rows)
    assert keep_ownership(rows, "公办") == [{"nature": "公办"}]
    assert set(OWNERSHIP) == {"公办", "公立", "民办", "私立"}


# --- districts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, district", [
    ("东湖区", "东湖区"),  # exact
    ("东湖", "东湖区"),  # stem
    ("东湖那边", "东湖区"),  # stem then more words
    ("  西山区 ", "西山区"),  # whitespace around
    ("高新", "高新区"),
    ("滨江新城", "滨江区"),
])
def test_normalize_district_maps_what_residents_say(raw: str, district: str) -> None:
    assert normalize_district(raw, DISTRICTS) == district


@pytest.mark.parametrize("raw", [
    None, "", "   ", "东", "湖区", "区", "江州市", "上海", "xihu", "ｘ" * 10_000,
    "新东湖区",  # the stem is not at the start
])
def test_normalize_district_refuses_what_is_not_a_known_district(raw: Any) -> None:
    """Empty, whitespace, one character, a suffix only, the city, another city, pinyin, huge, misplaced stem."""
    assert normalize_district(raw, DISTRICTS) is None


def test_normalize_district_with_no_known_districts() -> None:
    assert normalize_district("东湖区", []) is None
    assert find_district("东湖区有医院吗", []) is None


def test_normalize_district_strips_county_and_city_suffixes() -> None:
    assert normalize_district("桐庐", ["桐庐县", "建德市"]) == "桐庐县"
    assert normalize_district("建德那边", ["桐庐县", "建德市"]) == "建德市"


@pytest.mark.parametrize("text, district", [
    ("东湖区有哪些三甲医院", "东湖区"),
    ("我在东湖附近，哪里能停车", "东湖区"),  # stem inside a sentence
    ("江州市西山区的小学", "西山区"),
    ("高新有养老院吗", "高新区"),
])
def test_find_district_anywhere_in_the_text(text: str, district: str) -> None:
    assert find_district(text, DISTRICTS) == district


@pytest.mark.parametrize("text", [None, "", "哪里能停车", "东边有医院吗", "湖区", "江州市"])
def test_find_district_none_when_none_is_named(text: Any) -> None:
    assert find_district(text, DISTRICTS) is None


def test_find_district_prefers_the_longer_name() -> None:
    """Two districts whose names overlap: the longer full name wins, whatever the order of ``known``."""
    known = ["江北区", "江北新区"]
    assert find_district("江北新区有医院吗", known) == "江北新区"
    assert find_district("江北新区有医院吗", list(reversed(known))) == "江北新区"


def test_find_district_ignores_one_character_stems() -> None:
    """A one-character stem ("东" of "东区") would match almost any sentence."""
    assert find_district("东边有医院吗", ["东区"]) is None
    assert find_district("东区有医院吗", ["东区"]) == "东区"


def test_districts_of_the_sample_data_are_all_found(cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    """Every district the cache knows is found by its full name and by its stem."""
    known = list(dict.fromkeys(r["district"] for rows in cached.values() for r in rows if r.get("district")))
    assert sorted(known) == sorted(DISTRICTS)
    for name in known:
        assert find_district(f"{name}有什么", known) == name
        assert find_district(f"{name[:-1]}附近有什么", known) == name
        assert normalize_district(name[:-1], known) == name


def test_district_counts_keep_the_order_and_zeroes() -> None:
    rows = [{"district": "西山区"}, {"district": "西山区"}, {"district": None}, {}, {"district": "外地区"}]
    counts = district_counts(rows, ["东湖区", "西山区"])
    assert counts == {"东湖区": 0, "西山区": 2, "其他": 2, "外地区": 1}
    assert list(counts)[:2] == ["东湖区", "西山区"]


# --- nearest by location -----------------------------------------------------------------------

def test_distance_km_known_values() -> None:
    """One degree of latitude is 111.19 km; the same point is 0; antipodes are half the globe."""
    assert distance_km(30.0, 120.0, 31.0, 120.0) == pytest.approx(111.195, abs=0.01)
    assert distance_km(30.2859, 120.1359, 30.2859, 120.1359) == 0.0
    assert distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6371.0088, rel=1e-9)
    assert distance_km(30.0, 120.0, 30.0, 121.0) == pytest.approx(distance_km(30.0, 121.0, 30.0, 120.0))
    # a degree of longitude shrinks with latitude
    assert distance_km(30.0, 120.0, 30.0, 121.0) < distance_km(0.0, 120.0, 0.0, 121.0)


@pytest.mark.parametrize("lat, lng", [
    (None, 120.0), ("", 120.0), ("abc", "def"), (91, 120), (-91, 120), (30, 181), (30, -181),
    (0, 0), ("0", "0.0"), (float("nan"), 120.0), (30.0, float("inf")), ([30], [120]),
])
def test_valid_point_rejects_missing_malformed_and_out_of_range(lat: Any, lng: Any) -> None:
    """Missing, empty, text, out of range, null island (0,0), NaN, infinity, lists."""
    assert valid_point(lat, lng) is None


@pytest.mark.parametrize("lat, lng, point", [
    (30.25, 120.15, (30.25, 120.15)), ("30.25", "120.15", (30.25, 120.15)), (90, -180, (90.0, -180.0)),
    (0, 120, (0.0, 120.0)),  # only both zero is refused
])
def test_valid_point_accepts_numbers_and_numeric_text(lat: Any, lng: Any, point: Tuple[float, float]) -> None:
    assert valid_point(lat, lng) == point


@pytest.mark.parametrize("value, point", [
    ({"latitude": 30.25, "longitude": 120.15, "label": "湖滨"}, (30.25, 120.15)),  # WeChat location metadata
    ({"lat": "30.25", "lng": "120.15"}, (30.25, 120.15)),
    ({"lat": 30.25, "lon": 120.15}, (30.25, 120.15)),
    ({"latitude": 0, "longitude": 0}, None),
    ({"latitude": 30.25}, None),
    ({}, None), (None, None), ("30.25,120.15", None), ([30.25, 120.15], None),
])
def test_coordinates_from_location_metadata(value: Any, point: Any) -> None:
    assert coordinates(value) == point


def test_nearest_from_a_facility_own_location_lists_it_first(cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    """Standing at a hospital: that hospital first at distance 0, then ascending distances."""
    hospitals = cached["hospitals"]
    target = hospitals[len(hospitals) // 2]
    result = nearest(hospitals, (target["latitude"], target["longitude"]), limit=5)
    assert len(result) == 5
    assert result[0][0]["name"] == target["name"] and result[0][1] == pytest.approx(0.0, abs=1e-6)
    distances = [d for _row, d in result]
    assert distances == sorted(distances)
    # nothing left out is nearer than the farthest listed
    listed = {row["name"] for row, _d in result}
    others = [distance_km(target["latitude"], target["longitude"], r["latitude"], r["longitude"])
              for r in hospitals if r["name"] not in listed]
    assert min(others) >= distances[-1]


def test_nearest_skips_rows_without_a_usable_location() -> None:
    """Malformed rows: no coordinates, text, null island, out of range; only the good one is kept."""
    rows = [
        {"name": "no coordinates"},
        {"name": "text", "latitude": "北纬", "longitude": "东经"},
        {"name": "null island", "latitude": 0, "longitude": 0},
        {"name": "out of range", "latitude": 200, "longitude": 120},
        {"name": "good", "latitude": 30.26, "longitude": 120.15},
    ]
    result = nearest(rows, (30.25, 120.15), limit=10)
    assert [row["name"] for row, _ in result] == ["good"]
    assert result[0][1] == pytest.approx(1.112, abs=0.01)


def test_nearest_limit_and_duplicates() -> None:
    """Duplicated rows both count; the limit cuts; an empty list stays empty."""
    row = {"name": "dup", "latitude": 30.3, "longitude": 120.1}
    assert len(nearest([row, dict(row), dict(row)], (30.25, 120.15), limit=2)) == 2
    assert nearest([], (30.25, 120.15), limit=3) == []
    assert nearest([row], (30.25, 120.15), limit=0) == []


def test_nearest_outlet_for_medicare_only_looks_at_medicare_outlets(
        cached: Dict[str, Tuple[Dict[str, Any], ...]]) -> None:
    """Kind filter then distance, as the answer does: every listed outlet offers 医保."""
    kind = resolve_kind("最近的医保网点")
    here = (30.2578, 120.1538)
    result = nearest(kind.select(cached[kind.dataset]), here, limit=3)
    assert len(result) == 3
    assert all("医保" in row["services"] for row, _ in result)
    # the filter matters here: a social-security-only outlet is nearer than the third one listed
    only_social = [r for r in cached["social_security_outlets"] if "医保" not in r["services"]]
    assert nearest(only_social, here, limit=1)[0][1] < result[-1][1]


@pytest.mark.parametrize("km, text", [
    (0.0, "约 10 米"), (0.004, "约 10 米"), (0.123, "约 120 米"), (0.5, "约 500 米"),
    (1.0, "约 1.0 公里"), (12.345, "约 12.3 公里"),
])
def test_fmt_distance(km: float, text: str) -> None:
    assert fmt_distance(km) == text


def test_numbered_uses_circled_digits_then_plain_numbers() -> None:
    assert [numbered(i) for i in (0, 1, 9, 10, 11)] == ["①", "②", "⑩", "11.", "12."]
