"""bot.hours.halls: the centres' hours answers with address, phone and source, one centre or all."""
from __future__ import annotations

from datetime import date, datetime
from typing import List, Optional

from bot.hours import TZ, HallInfo, hall_answer, halls_overview, parse_when
from bot.hours.halls import registry_source_line, short_name
from tests.hours.support import HOURS, WEDNESDAY

CITY = "江州市"
CONTINUOUS = {"weekday": ["09:00-17:30"], "saturday": ["09:00-12:00"], "sunday": [], "holiday": []}


def info(code: str, name: str, district: Optional[str] = None, hours=HOURS, note: str = "",
         updated: date = date(2026, 10, 15)) -> HallInfo:
    return HallInfo(code=code, name=name, district=district, address=f"{name}地址", phone="0000-1",
                    hours=hours, hours_note=note, source="江州市政务服务网（示例数据）", updated=updated)


EAST = info("dh", "江州市东湖区政务服务中心", "东湖区", note="周六上午正常办公。")
CITY_HALL = info("city", "江州市市民中心", hours=CONTINUOUS, updated=date(2026, 10, 20))
HALLS: List[HallInfo] = [CITY_HALL, EAST]


def test_short_name_drops_the_city_but_never_the_whole_name() -> None:
    assert short_name("江州市东湖区政务服务中心", CITY) == "东湖区政务服务中心"
    assert short_name("江州市府", CITY) == "江州市府"  # one character left would not be a name
    assert short_name("市民中心", "") == "市民中心"


def test_one_hall_answer_ends_with_contact_and_source() -> None:
    lines = hall_answer(EAST, parse_when("现在开门吗", WEDNESDAY), WEDNESDAY, CITY).split("\n")
    assert lines == [
        "东湖区政务服务中心 现在（周三 14:05）正在办公，今天办公时间 09:00-12:00、13:30-17:00，中午 12:00-13:30 休息。",
        "地址：江州市东湖区政务服务中心地址，电话：0000-1。",
        "数据来源：江州市政务服务网（示例数据），更新于 2026-10-15",
    ]


def test_a_schedule_question_adds_the_regular_week_and_the_note() -> None:
    text = hall_answer(EAST, parse_when("办公时间", WEDNESDAY), WEDNESDAY, CITY, schedule=True)
    assert ("常规作息：工作日 09:00-12:00、13:30-17:00；周六 09:00-12:00；周日休息；法定节假日休息。"
            "（周六上午正常办公）\n") in text
    holiday = parse_when("国庆节上班吗", datetime(2026, 9, 28, 10, 0, tzinfo=TZ))
    assert "常规作息" not in hall_answer(EAST, holiday, WEDNESDAY, CITY, schedule=True)


def test_overview_now_lists_every_hall_and_the_newest_source_date() -> None:
    lines = halls_overview(HALLS, parse_when("现在开门吗", WEDNESDAY), WEDNESDAY, CITY).split("\n")
    assert lines[:3] == ["各政务服务中心现在（周三 14:05）的办公情况：",
                         "· 市民中心：正在办公，17:30 下班", "· 东湖区政务服务中心：正在办公，17:00 下班"]
    assert lines[3].startswith("告诉我您在哪个区")
    assert lines[4] == "数据来源：江州市政务服务网（示例数据），更新于 2026-10-20"


def test_overview_says_a_common_answer_once() -> None:
    asked = datetime(2026, 9, 28, 10, 0, tzinfo=TZ)
    text = halls_overview(HALLS, parse_when("国庆节上班吗", asked), asked, CITY)
    assert text.startswith("各政务服务中心国庆节假期（10月1日至10月7日）休息，不办公，10月8日（周四）起恢复办公。"
                           "调休上班：9月20日（周日）、10月10日（周六）按工作日时间办公。\n")


def test_overview_of_another_day_is_one_line_per_hall() -> None:
    lines = halls_overview(HALLS, parse_when("周日开门吗", WEDNESDAY), WEDNESDAY, CITY).split("\n")
    assert lines[0] == "各政务服务中心11月8日（周日）休息，不办公。下次办公：11月9日（周一）09:00。"
    lines = halls_overview(HALLS, parse_when("中午休息吗", WEDNESDAY), WEDNESDAY, CITY).split("\n")
    assert lines[:3] == ["今天（11月4日 周三）中午各政务服务中心：", "· 市民中心：中午不休息",
                         "· 东湖区政务服务中心：12:00-13:30 午休"]


def test_overview_schedule_question_gives_the_weekly_rules() -> None:
    lines = halls_overview(HALLS, parse_when("节假日开不开门", WEDNESDAY), WEDNESDAY, CITY, schedule=True).split("\n")
    assert lines[:3] == ["各政务服务中心常规作息（调休上班日按工作日时间办公）：",
                         "· 市民中心：工作日 09:00-17:30；周六 09:00-12:00；周日休息；法定节假日休息",
                         "· 东湖区政务服务中心：工作日 09:00-12:00、13:30-17:00；周六 09:00-12:00；"
                         "周日休息；法定节假日休息"]


def test_source_line_without_sources_or_dates() -> None:
    bare = HallInfo(code="x", name="某中心", district=None, address="", phone="", hours=HOURS, hours_note="",
                    source="", updated=None)
    assert registry_source_line([bare]) == "数据来源：政务服务事项库"
    assert hall_answer(bare, parse_when("现在开门吗", WEDNESDAY), WEDNESDAY, CITY).split("\n")[1:] == [
        "数据来源：政务服务事项库"]
