"""bot.hours.phrases: which days and time a question is about, and whether it asks for the timetable."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.hours import TZ, parse_when, wants_schedule
from tests.hours.support import WEDNESDAY


@pytest.mark.parametrize("text, expected", [
    ("今天开门吗", [date(2026, 11, 4)]),
    ("明天开门吗", [date(2026, 11, 5)]),
    ("后天呢", [date(2026, 11, 6)]),
    ("大后天开门吗", [date(2026, 11, 7)]),
    ("周六上班吗", [date(2026, 11, 7)]),
    ("星期一开门吗", [date(2026, 11, 9)]),  # Monday already passed this week: next Monday
    ("下周一几点上班", [date(2026, 11, 9)]),
    ("下周三呢", [date(2026, 11, 11)]),
    ("周末开门吗", [date(2026, 11, 7), date(2026, 11, 8)]),
    ("12月1日开门吗", [date(2026, 12, 1)]),
    ("2026-12-31开门吗", [date(2026, 12, 31)]),
])
def test_day_words(text: str, expected: list) -> None:
    assert list(parse_when(text, WEDNESDAY).days) == expected


def test_now_lunch_and_explicit_times() -> None:
    now = parse_when("现在开门吗", WEDNESDAY)
    assert now.is_now and now.at == 14 * 60 + 5
    assert parse_when("开门吗", WEDNESDAY).is_now  # no day given: right now
    assert parse_when("今天还开着吗", WEDNESDAY).is_now  # today without a time: the status right now
    lunch = parse_when("中午能去办吗", WEDNESDAY)
    assert lunch.about_lunch and not lunch.is_now
    assert parse_when("下午5点半还能去吗", WEDNESDAY).at == 17 * 60 + 30
    assert parse_when("16:45到还来得及吗", WEDNESDAY).at == 16 * 60 + 45
    eleven = parse_when("十一点开门吗", WEDNESDAY)  # 十一 here is a time, not 国庆
    assert eleven.holiday is None and eleven.at == 11 * 60
    # the day entity from NLU counts as well as the text
    assert list(parse_when("开门吗", WEDNESDAY, day_entity="明天").days) == [date(2026, 11, 5)]


def test_a_holiday_word_is_the_whole_holiday_period() -> None:
    query = parse_when("国庆节办事大厅上班吗", datetime(2026, 9, 28, 10, 0, tzinfo=TZ))
    assert query.holiday is not None and query.days[0] == date(2026, 10, 1) and query.days[-1] == date(2026, 10, 7)
    spring = parse_when("春节上班吗", datetime(2026, 1, 20, 9, 0, tzinfo=TZ)).holiday
    assert spring is not None and spring.first == date(2026, 2, 15) and date(2026, 2, 14) in spring.makeup_days


def test_holidays_of_an_unpublished_year() -> None:
    # fixed-date statutory holidays are holidays by law even before the arrangement is out
    national = parse_when("国庆节上班吗", datetime(2026, 11, 5, 10, 0, tzinfo=TZ))
    assert national.holiday is not None and national.holiday.year == 2027 and not national.holiday.known
    # a lunar holiday of an unpublished year has no date yet
    spring = parse_when("春节上班吗", datetime(2026, 11, 5, 10, 0, tzinfo=TZ))
    assert spring.holiday is not None and spring.days == ()


def test_makeup_question_finds_the_next_makeup_working_day() -> None:
    assert list(parse_when("调休那天上班吗", datetime(2026, 9, 1, 10, 0, tzinfo=TZ)).days) == [date(2026, 9, 20)]


@pytest.mark.parametrize("text, expected", [
    ("东湖区政务服务中心的办公时间", True),
    ("节假日开不开门", True),
    ("周末上班吗", True),
    ("几点到几点", True),
    ("明天开门吗", False),
    ("", False),
])
def test_wants_schedule(text: str, expected: bool) -> None:
    assert wants_schedule(text) is expected
