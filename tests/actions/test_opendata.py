"""action_answer_facility: open-data answers from the cache, by district or by distance."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from actions.opendata import ActionAnswerFacility
from bot.config import PROJECT_ROOT
from bot.hours import TZ
from bot.opendata.store import load_dataset
from tests.support.database import fresh_database
from tests.support.trackers import make_tracker, run_action, texts

NOW = datetime(2026, 11, 4, 14, 5, tzinfo=TZ)
SNAPSHOTS = PROJECT_ROOT / "data" / "opendata" / "snapshots"
HOSPITAL_SOURCE = "数据来源：医疗机构名录（江州市公共数据开放平台，示例数据），数据更新于 2026-10-20"


@pytest.fixture(scope="module", autouse=True)
def cache_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A temporary database whose cache was filled by syncing the sample portal."""
    with fresh_database(tmp_path_factory.mktemp("facility") / "facility.db", opendata=True) as url:
        yield url


def snapshot(name: str) -> List[dict]:
    return json.loads((SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"))["result"]["records"]


def ask(text: str, entities: List[dict] = (), slots: Optional[dict] = None,  # type: ignore[assignment]
        metadata: Optional[dict] = None, now: datetime = NOW) -> tuple:
    # resolve=False: the facility action never reads the verdict
    messages, events = run_action(ActionAnswerFacility(clock=lambda: now),
                                  make_tracker(text, "ask_facility", list(entities), slots, metadata, resolve=False))
    said = texts(messages)
    assert len(said) == 1 and said[0].strip()
    return said[0], events


def test_top_hospitals_in_a_district() -> None:
    text, events = ask("东湖区有哪些三甲医院", [{"entity": "district", "value": "东湖区"},
                                            {"entity": "facility", "value": "三甲医院"}])
    lines = text.split("\n")
    expected = [r for r in snapshot("hospitals") if r["所属区"] == "东湖区" and r["机构等级"] == "三级甲等"]
    assert lines[0] == f"东湖区共有 {len(expected)} 家三甲医院："
    for record in expected:
        assert f"地址：{record['地址']}，电话：{record['联系电话']}" in text
        assert record["机构名称"] in text
    assert "东湖区人民医院" not in text  # 二级甲等 is not 三甲
    assert lines[1].startswith("① 江州市第一人民医院（三级甲等）")
    assert lines[-1] == HOSPITAL_SOURCE
    assert events == [{"event": "slot", "timestamp": None, "name": "district", "value": "东湖区"}]


def test_a_district_without_any_says_so_and_points_elsewhere() -> None:
    text, _ = ask("南港区有三甲医院吗", [{"entity": "district", "value": "南港区"},
                                          {"entity": "facility", "value": "三甲医院", "text": "三甲医院"}])
    assert text.startswith("南港区暂时没有三甲医院的记录。江州市其他区：东湖区 3 家、")
    assert "南港区 " not in text.split("\n")[0].split("其他区：")[1]
    assert text.endswith(HOSPITAL_SOURCE)


def test_parking_in_a_district_lists_spaces_and_fees() -> None:
    text, _ = ask("南港区有停车场吗",
                  [{"entity": "district", "value": "南港区"}, {"entity": "facility", "value": "停车场"}])
    records = [r for r in snapshot("parking_lots") if r["所属区"] == "南港区"]
    assert text.startswith(f"南港区共有 {len(records)} 个公共停车场：")
    first = records[0]
    assert (f"{first['停车场名称']}（泊位 {first['泊位数']} 个；开放 {first['开放时间']}；"
            f"收费：{first['收费标准']}）") in text
    assert text.endswith("数据来源：公共停车场（江州市公共数据开放平台，示例数据），数据更新于 2026-11-01")


def test_nearest_outlets_from_a_wechat_location_message() -> None:
    outlets = [r for r in snapshot("social_security_outlets") if "社保" in r["服务类型"]]
    target = next(r for r in outlets if r["网点名称"] == "滨江区长河街道社保医保服务点")
    here = {"latitude": target["纬度"] + 0.001, "longitude": target["经度"]}
    text, events = ask("最近的社保服务点在哪", [{"entity": "facility", "value": "社保服务网点", "text": "社保服务点"}],
                       slots={"district": "北城区"}, metadata={"location": here})
    lines = text.split("\n")
    assert lines[0] == "离您最近的 3 个社保服务网点："  # the remembered district does not narrow a location search
    assert lines[1].startswith("① 滨江区长河街道社保医保服务点（社保、医保业务；") and lines[1].endswith("约 110 米")
    distances = [line.rsplit("约 ", 1)[1] for line in lines if line.startswith(("①", "②", "③"))]
    assert len(distances) == 3
    assert text.endswith("数据来源：社保医保经办服务网点（江州市公共数据开放平台，示例数据），数据更新于 2026-10-28")
    assert {"event": "slot", "timestamp": None, "name": "latitude", "value": here["latitude"]} in events


def test_nearest_from_remembered_coordinates_sorted_by_distance() -> None:
    text, events = ask("附近有医院吗", [{"entity": "facility", "value": "医院"}],
                       slots={"latitude": 30.2741, "longitude": 120.1551})
    kms = []
    for line in text.split("\n"):
        if line[:1] in "①②③":
            value = line.rsplit("约 ", 1)[1]
            kms.append(float(value.split()[0]) / (1000 if value.endswith("米") and "公里" not in value else 1))
    assert len(kms) == 3 and kms == sorted(kms)
    assert not any(e.get("name") in ("latitude", "longitude") for e in events)


def test_far_away_location_is_said_plainly() -> None:
    text, _ = ask("最近的停车场", [{"entity": "facility", "value": "停车场"}],
                  metadata={"location": {"latitude": 39.9042, "longitude": 116.4074}})
    assert text.startswith("您的位置离江州市较远")


def test_no_district_and_no_location_gives_the_city_overview() -> None:
    text, _ = ask("江州有哪些医院", [{"entity": "facility", "value": "医院"}])
    assert text.startswith("江州市共有 25 家医疗机构，各区分布：东湖区 5 家、西山区 5 家、")
    assert "发送您的位置" in text and text.endswith(HOSPITAL_SOURCE)


def test_nearby_without_a_location_asks_for_one() -> None:
    text, _ = ask("附近有养老院吗", [{"entity": "facility", "value": "养老机构", "text": "养老院"}],
                  slots={"district": "滨江区"})
    assert text.startswith("滨江区共有 3 家养老机构：") and "发送您的位置" in text
    assert "床位" in text


def test_primary_schools_are_filtered_by_stage() -> None:
    text, _ = ask("高新区的小学有哪些", [{"entity": "district", "value": "高新区"},
                                          {"entity": "facility", "value": "中小学", "text": "小学"}])
    assert text.startswith("高新区共有 2 所小学：")
    assert "高新区创新小学（小学；公办）" in text and "高新区智谷实验学校（九年一贯制；公办）" in text
    assert "高级中学" not in text


def test_public_or_private_is_respected_and_all_schools_are_schools() -> None:
    text, _ = ask("南港区有什么公办小学", [{"entity": "district", "value": "南港区"},
                                            {"entity": "facility", "value": "中小学", "text": "小学"}])
    assert text.startswith("南港区共有 1 所公办小学：\n① 南港区港城小学（小学；公办）")
    assert "启明外国语学校" not in text  # 民办
    text, _ = ask("中小学分布情况", [{"entity": "facility", "value": "中小学"}])
    assert text.startswith("江州市共有 18 所中小学，各区分布：东湖区 3 所、")


def test_more_than_five_are_cut_with_a_count() -> None:
    text, _ = ask("东湖区的医院", [{"entity": "district", "value": "东湖"}, {"entity": "facility", "value": "医院"}])
    assert text.startswith("东湖区共有 5 家医疗机构：")
    text, _ = ask("全市医保服务网点有哪些", [{"entity": "facility", "value": "医保服务网点"}])
    assert text.startswith("江州市共有 9 个医保服务网点，各区分布：")


def test_unknown_or_missing_facility_is_answered() -> None:
    text, events = ask("东湖区有公园吗", [{"entity": "facility", "value": "公园"}])
    assert text.startswith("暂时还没有“公园”的开放数据。目前可以查：") and "12345" in text and events == []
    text, _ = ask("最近的在哪")
    assert text.startswith("您想找哪类场所？")


def test_stale_cache_still_answers_with_its_date() -> None:
    later = load_dataset("hospitals").fetched_at + timedelta(days=30)
    text, _ = ask("西山区有几家医院",
                  [{"entity": "district", "value": "西山区"}, {"entity": "facility", "value": "医院"}], now=later)
    assert text.split("\n")[-1].startswith(HOSPITAL_SOURCE + "（最近一次同步为 ")
    assert text.endswith("可能不是最新）")


def test_dataset_not_cached_is_answered_with_the_hotline(tmp_path: Path) -> None:
    with fresh_database(tmp_path / "empty.db"):
        text, events = ask("东湖区有哪些三甲医院", [{"entity": "district", "value": "东湖区"},
                                                {"entity": "facility", "value": "三甲医院"}])
    assert text == ("抱歉，三甲医院的数据暂时无法获取（开放数据正在更新或暂不可用），请稍后再试，"
                    "也可以拨打 12345 政务服务便民热线咨询。")
    assert events == []


def test_a_failed_sync_keeps_the_bot_answering_from_the_cache(tmp_path: Path) -> None:
    """The portal goes down after a good sync: the answer still comes, with the old date."""
    from bot.opendata.config import load_config
    from bot.opendata.sync import run_sync
    from tests.opendata.support import FakeCkan, clinic_dataset, clinic_records, write_portal

    server = FakeCkan().start()
    try:
        with fresh_database(tmp_path / "down.db"):
            server.add("res", clinic_records(6), package="pkg", modified="2026-10-01T00:00:00")
            dataset = {**clinic_dataset("res", package="pkg"), "title": "医疗机构名录"}
            portal = write_portal(tmp_path / "portal.yml", server.url, {"hospitals": dataset})
            assert run_sync(load_config(portal)).failed == 0
            server.set_fault("res", "http500")
            assert run_sync(load_config(portal)).failed == 1
            text, _ = ask("东湖区有三甲医院吗", [{"entity": "district", "value": "东湖区"},
                                                  {"entity": "facility", "value": "三甲医院"}])
    finally:
        server.stop()
    assert text.startswith("东湖区共有 2 家三甲医院：\n① 测试诊所3（三级甲等）")
    assert text.endswith("数据来源：医疗机构名录（测试开放平台，示例数据），数据更新于 2026-10-01")
