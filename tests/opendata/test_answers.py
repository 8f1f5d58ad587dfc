"""bot/opendata/answers.py: facility answers from a cached dataset, with fixed rows and clocks.

Pure functions, so the dataset is built in memory: no portal and no database.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Dict, Optional, Tuple

import pytest

from bot.hours import TZ
from bot.opendata.answers import (
    ask_which_facility,
    facility_answer,
    normalize_text,
    unavailable,
    unknown_facility,
    wants_nearby,
)
from bot.opendata.facilities import AVAILABLE_LABELS, KINDS
from bot.opendata.store import CachedDataset

KIND = {kind.key: kind for kind in KINDS}
NOW = datetime(2026, 11, 4, 14, 5, tzinfo=TZ)
SOURCE = "数据来源：医疗机构名录（江州市公共数据开放平台，示例数据），数据更新于 2026-10-20"
CONTACT = "   地址：东湖区湖滨路1号，电话：0000-2"


def hospital(
    name: str, level: str, district: str, lat: float, lng: float, category: str = "综合医院"
) -> Dict[str, Any]:
    return {"name": name, "level": level, "category": category, "district": district,
            "address": f"{district}湖滨路1号", "phone": "0000-2", "latitude": lat, "longitude": lng}


HOSPITALS = (
    hospital("江州市第一人民医院", "三级甲等", "东湖区", 30.000, 120.000),
    hospital("东湖区中医院", "三级甲等", "东湖区", 30.010, 120.010, "中医医院"),
    hospital("湖滨社区卫生服务中心", "社区卫生服务中心", "东湖区", 30.020, 120.000, "基层医疗卫生机构"),
    hospital("西山区人民医院", "三级甲等", "西山区", 30.100, 120.100),
)


def dataset(rows: Tuple[Dict[str, Any], ...] = HOSPITALS, name: str = "hospitals",
            fetched: datetime = datetime(2026, 11, 1, 1, 0, tzinfo=timezone.utc)) -> CachedDataset:
    return CachedDataset(name=name, title="医疗机构名录", portal="jz", portal_title="江州市公共数据开放平台",
                         sample=True, source="file:///snapshots", rows=rows, row_count=len(rows),
                         source_updated=date(2026, 10, 20), fetched_at=fetched)


def answer(kind: str, district: Optional[str] = None, here: Optional[Tuple[float, float]] = None,
           **kwargs: Any) -> str:
    data = kwargs.pop("data", dataset())
    return facility_answer(KIND[kind], data, district=district, here=here, now=kwargs.pop("now", NOW),
                           hotline="12345", city="江州市", **kwargs)


def test_text_is_normalised_as_the_nlu_sees_it() -> None:
    assert normalize_text("東湖區３甲醫院") == "东湖区3甲医院"
    assert normalize_text(None) == ""


@pytest.mark.parametrize("text, expected",
                         [("附近有医院吗", True), ("离我最近的停车场", True), ("东湖区的医院", False), ("", False)])
def test_wants_nearby(text: str, expected: bool) -> None:
    assert wants_nearby(text) is expected


def test_fixed_replies_name_what_can_be_asked_and_the_hotline() -> None:
    assert unavailable("三甲医院", "12345").startswith("抱歉，三甲医院的数据暂时无法获取")
    assert "12345" in unavailable("三甲医院", "12345")
    assert AVAILABLE_LABELS in ask_which_facility() and "发送您的位置" in ask_which_facility()
    text = unknown_facility("图书馆", "12345")
    assert text.startswith("暂时还没有“图书馆”的开放数据。") and AVAILABLE_LABELS in text and "12345" in text


def test_no_cache_or_an_empty_one_is_unavailable() -> None:
    assert answer("hospital_3a", data=None) == unavailable("三甲医院", "12345")
    assert answer("hospital_3a", data=dataset(rows=())) == unavailable("三甲医院", "12345")


def test_a_district_lists_its_facilities_then_the_source() -> None:
    assert answer("hospital_3a", "东湖区").split("\n") == [
        "东湖区共有 2 家三甲医院：",
        "① 江州市第一人民医院（三级甲等）", CONTACT,
        "② 东湖区中医院（三级甲等；中医医院）", CONTACT,
        SOURCE,
    ]


def test_a_long_district_list_is_cut_and_says_how_many_are_left() -> None:
    lines = answer("hospital", "东湖区", limit=2).split("\n")
    assert lines[0] == "东湖区共有 3 家医疗机构，列出前 2 家："
    assert lines[-2] == "还有 1 家未列出，发送您的位置可以查看离您最近的。" and lines[-1] == SOURCE


def test_a_district_without_any_names_the_other_districts() -> None:
    assert answer("community_health", "西山区").split("\n")[0] == (
        "西山区暂时没有社区卫生服务中心的记录。江州市其他区：东湖区 1 家。"
        "可以告诉我想查哪个区，或发送您的位置查最近的。")


def test_without_a_district_a_short_list_is_given_whole_and_a_long_one_by_district() -> None:
    assert answer("hospital_3a").split("\n")[0] == "江州市共有 3 家三甲医院："
    lines = answer("hospital", limit=2).split("\n")
    assert lines[0] == "江州市共有 4 家医疗机构，各区分布：东湖区 3 家、西山区 1 家。"
    assert lines[1].startswith("告诉我您在哪个区（例如“东湖区的医疗机构”）")


def test_with_a_location_the_nearest_come_first_with_distances() -> None:
    lines = answer("hospital_3a", here=(30.001, 120.001), nearest_count=2).split("\n")
    assert lines[:5] == ["离您最近的 2 家三甲医院：",
                         "① 江州市第一人民医院（三级甲等），约 150 米", CONTACT,
                         "② 东湖区中医院（三级甲等；中医医院），约 1.3 公里", CONTACT]


def test_a_location_far_from_the_city_says_so() -> None:
    text = answer("hospital_3a", here=(39.9, 116.4))
    assert text.startswith("您的位置离江州市较远，离您最近的三甲医院（距离 约 1140.3 公里）：\n① 西山区人民医院")


def test_asking_for_the_nearest_without_a_location_invites_one() -> None:
    lines = answer("hospital_3a", "东湖区", wants_nearby=True).split("\n")
    assert lines[-2] == "想按距离查找，可以在微信里发送您的位置（点“+”选“位置”）。" and lines[-1] == SOURCE


def test_ownership_narrows_the_rows_and_the_label() -> None:
    schools = (
        {"name": "湖滨小学", "stage": "小学", "nature": "公办", "district": "东湖区"},
        {"name": "启明小学", "stage": "小学", "nature": "民办", "district": "东湖区"},
    )
    text = answer("primary_school", "东湖区", ownership="公办", data=dataset(rows=schools, name="schools"))
    assert text.split("\n")[:2] == ["东湖区共有 1 所公办小学：", "① 湖滨小学（小学；公办）"]


def test_a_stale_cache_says_when_it_was_last_synced() -> None:
    later = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    assert answer("hospital_3a", "东湖区").endswith(SOURCE)
    assert answer("hospital_3a", "东湖区", now=later, stale_after_days=14).endswith(
        SOURCE + "（最近一次同步为 2026-11-01，可能不是最新）")
