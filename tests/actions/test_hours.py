"""action_answer_hours: which hall, which day, China's holidays and 调休, from the registry seed."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from actions.hours import ActionAnswerHours
from bot.hours import TZ
from tests.support.database import fresh_database
from tests.support.trackers import make_tracker, run_action, texts

WEDNESDAY_AFTERNOON = datetime(2026, 11, 4, 14, 5, tzinfo=TZ)
FRIDAY = datetime(2026, 11, 6, 10, 0, tzinfo=TZ)
SOURCE = "数据来源：江州市政务服务网（示例数据），更新于 2026-10-15"


@pytest.fixture(scope="module", autouse=True)
def registry_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A temporary database holding the registry seed (data/registry/locations.yaml)."""
    with fresh_database(tmp_path_factory.mktemp("hours") / "hours.db", seed=True) as url:
        yield url


def ask(text: str, when: datetime, entities: List[dict] = (), slots: Optional[dict] = None) -> tuple:  # type: ignore[assignment]
    # resolve=False: the hours action never reads the verdict, and the broken-database test
    # needs the tracker built without a query
    messages, events = run_action(ActionAnswerHours(clock=lambda: when),
                                  make_tracker(text, "ask_hours", list(entities), slots, resolve=False))
    said = texts(messages)
    assert len(said) == 1 and said[0].strip()
    return said[0], events


def test_district_from_the_message_now_open() -> None:
    text, events = ask("东湖那边的办事大厅现在开门吗", WEDNESDAY_AFTERNOON,
                       [{"entity": "district", "value": "东湖区", "text": "东湖"}, {"entity": "day", "value": "现在"}])
    lines = text.split("\n")
    assert lines[0] == ("东湖区政务服务中心 现在（周三 14:05）正在办公，今天办公时间 09:00-12:00、13:30-17:00，"
                        "中午 12:00-13:30 休息。")
    assert lines[1] == "地址：江州市东湖区湖滨路88号，电话：0000-86100001。"
    assert lines[-1] == SOURCE
    assert events == [{"event": "slot", "timestamp": None, "name": "district", "value": "东湖区"}]


def test_district_from_the_slot_and_tomorrow_is_a_saturday() -> None:
    text, events = ask("明天开门吗", FRIDAY, [{"entity": "day", "value": "明天"}], {"district": "西山区"})
    assert text.startswith("西山区政务服务中心 明天（11月7日 周六）休息，不办公。下次办公：11月9日（周一）08:30。")
    assert events == []  # the slot was already right


def test_saturday_hours_where_the_hall_opens_on_saturday() -> None:
    text, _ = ask("周六开门吗", WEDNESDAY_AFTERNOON, [{"entity": "day", "value": "周六"}], {"district": "东湖区"})
    assert text.startswith("东湖区政务服务中心 11月7日（周六）办公时间 09:00-12:00。")


def test_lunch_question_for_a_hall_with_and_without_a_break() -> None:
    text, _ = ask("中午能去办吗", WEDNESDAY_AFTERNOON, [{"entity": "day", "value": "中午"}], {"district": "滨江区"})
    assert "中午 12:00-14:00 午休不办理，请在 09:00-12:00、14:00-17:30 前往" in text
    text, _ = ask("市民中心中午能去办吗", WEDNESDAY_AFTERNOON, [{"entity": "day", "value": "中午"}])
    assert text.startswith("市民中心 今天（11月4日 周三）中午不休息，可以正常办理。")


def test_lunch_time_now_says_when_it_reopens() -> None:
    text, _ = ask("现在能办吗", datetime(2026, 11, 4, 12, 40, tzinfo=TZ), slots={"district": "北城区"})
    assert "北城区政务服务中心 现在（周三 12:40）是午休时间，13:00 恢复办公" in text


def test_statutory_holiday_question_with_makeup_days() -> None:
    text, _ = ask("国庆节办事大厅上班吗", datetime(2026, 9, 28, 9, 0, tzinfo=TZ),
                  [{"entity": "day", "value": "国庆节"}], {"district": "南港区"})
    assert text.startswith("南港区政务服务中心 国庆节假期（10月1日至10月7日）休息，不办公，10月8日（周四）起恢复办公。")
    assert "调休上班：9月20日（周日）、10月10日（周六）按工作日时间办公（08:30-17:30）" in text


def test_on_a_makeup_saturday_the_hall_works_weekday_hours() -> None:
    text, _ = ask("现在开门吗", datetime(2026, 10, 10, 15, 0, tzinfo=TZ), slots={"district": "西山区"})
    assert text.startswith("西山区政务服务中心 现在（周六 15:00）正在办公，今天是国庆节调休上班日")


def test_on_a_statutory_holiday_the_hall_is_closed() -> None:
    text, _ = ask("开门吗", datetime(2026, 10, 5, 10, 0, tzinfo=TZ), slots={"district": "高新区"})
    assert "不办公：今天是国庆节假期，休息不办公。下次办公：10月8日（周四）08:30" in text


def test_a_date_beyond_the_published_calendar_says_so() -> None:
    text, _ = ask("1月5日开门吗", datetime(2026, 12, 28, 10, 0, tzinfo=TZ), slots={"district": "东湖区"})
    assert text.startswith("2027年的法定节假日和调休安排尚未公布，以下按常规作息回答")
    assert "2027年1月5日（周二）办公时间 09:00-12:00、13:30-17:00" in text and text.endswith(SOURCE)


def test_without_a_district_every_hall_is_listed_briefly() -> None:
    text, events = ask("政务中心现在开门吗", datetime(2026, 11, 4, 12, 30, tzinfo=TZ))
    lines = text.split("\n")
    assert lines[0] == "各政务服务中心现在（周三 12:30）的办公情况："
    assert lines[1] == "· 市民中心：正在办公，17:30 下班"  # city hall first, no lunch break
    assert "· 东湖区政务服务中心：午休中，13:30 恢复办公" in lines
    assert "· 南港区政务服务中心：正在办公，17:30 下班" in lines
    assert len([line for line in lines if line.startswith("· ")]) == 7
    assert "告诉我您在哪个区" in text and lines[-1] == SOURCE and events == []


def test_without_a_district_another_day_is_one_line_per_hall() -> None:
    text, _ = ask("明天开门吗", FRIDAY, [{"entity": "day", "value": "明天"}])
    lines = text.split("\n")
    assert lines[0] == "明天（11月7日 周六）各政务服务中心："
    assert "· 市民中心：09:00-12:00" in lines and "· 西山区政务服务中心：休息" in lines
    text, _ = ask("中午休息吗", WEDNESDAY_AFTERNOON, [{"entity": "day", "value": "中午"}])
    assert "· 滨江区政务服务中心：12:00-14:00 午休" in text and "· 南港区政务服务中心：中午不休息" in text


def test_without_a_district_a_schedule_question_gives_the_weekly_rules() -> None:
    text, _ = ask("节假日开不开门", WEDNESDAY_AFTERNOON)
    assert text.startswith("各政务服务中心常规作息（调休上班日按工作日时间办公）：\n"
                           "· 市民中心：工作日 09:00-17:30；周六 09:00-12:00；周日休息；法定节假日休息")


def test_without_a_district_a_common_holiday_answer_is_given_once() -> None:
    text, _ = ask("春节上班吗", datetime(2026, 1, 20, 9, 0, tzinfo=TZ), [{"entity": "day", "value": "春节"}])
    assert text.startswith("各政务服务中心春节假期（2月15日至2月23日）休息，不办公，2月24日（周二）起恢复办公。"
                           "调休上班：2月14日（周六）、2月28日（周六）按工作日时间办公。\n")
    # a lunar holiday of a year not yet published: no dates, but it is a statutory holiday
    text, _ = ask("端午节放不放假", WEDNESDAY_AFTERNOON, [{"entity": "day", "value": "端午节"}])
    assert text.startswith("2027年端午节的放假安排尚未公布，具体放假日期暂不确定。"
                           "端午节是法定节假日，各政务服务中心法定节假日休息")


def test_traditional_characters_and_no_entities_still_find_the_district() -> None:
    text, events = ask("東湖區辦事大廳現在開門嗎", WEDNESDAY_AFTERNOON)
    assert text.startswith("东湖区政务服务中心 现在（周三 14:05）正在办公")
    assert events and events[0]["value"] == "东湖区"


def test_general_schedule_question_adds_the_weekly_rules() -> None:
    text, _ = ask("东湖区政务服务中心的办公时间", WEDNESDAY_AFTERNOON,
                  [{"entity": "district", "value": "东湖区"}])
    assert "常规作息：工作日 09:00-12:00、13:30-17:00；周六 09:00-12:00；周日休息；法定节假日休息。" in text


def test_no_registry_data_is_answered_plainly(tmp_path: Path) -> None:
    with fresh_database(tmp_path / "empty.db"):
        text, events = ask("东湖区现在开门吗", WEDNESDAY_AFTERNOON, [{"entity": "district", "value": "东湖区"}])
    assert "暂时查不到政务服务中心的办公时间" in text and "12345" in text and events == []


def test_a_broken_database_is_answered_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    try:
        text, _ = ask("现在开门吗", WEDNESDAY_AFTERNOON)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "暂时查不到" in text and "12345" in text
