"""Open-now logic with fixed clocks: weekday, lunch, weekend, statutory holiday, 调休 Saturday.

Dates are checked against chinese_calendar 1.11 (2026 arrangement): 10/1-10/7 国庆节 off,
10/10 (Sat) and 9/20 (Sun) are 调休 working days; 2027 is not published in that version.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.hours import (
    TZ,
    DayKind,
    Hall,
    answer_hours,
    classify_day,
    holiday_period,
    parse_when,
    status_at,
    status_line,
)

HOURS = {"weekday": ["09:00-12:00", "13:30-17:00"], "saturday": ["09:00-12:00"], "sunday": [], "holiday": []}
HALL = Hall("东湖区政务服务中心", HOURS, "东湖区")

WEDNESDAY = datetime(2026, 11, 4, 14, 5, tzinfo=TZ)  # a normal working day
LUNCH = datetime(2026, 11, 4, 12, 20, tzinfo=TZ)
SATURDAY = datetime(2026, 11, 7, 10, 0, tzinfo=TZ)
SUNDAY = datetime(2026, 11, 8, 10, 0, tzinfo=TZ)
NATIONAL_DAY = datetime(2026, 10, 2, 10, 0, tzinfo=TZ)  # Friday inside the 国庆节 holiday
MAKEUP_SATURDAY = datetime(2026, 10, 10, 14, 0, tzinfo=TZ)  # 调休: Saturday that works like a weekday


def test_the_calendar_knows_the_fixed_dates() -> None:
    assert classify_day(date(2026, 11, 4)).kind == DayKind.WORKDAY
    assert classify_day(date(2026, 11, 7)).kind == DayKind.SATURDAY
    assert classify_day(date(2026, 11, 8)).kind == DayKind.SUNDAY
    holiday = classify_day(date(2026, 10, 2))
    assert (holiday.kind, holiday.holiday, holiday.known) == (DayKind.HOLIDAY, "国庆节", True)
    # a weekend day inside the holiday period is a holiday, not a plain Saturday
    assert classify_day(date(2026, 10, 3)).kind == DayKind.HOLIDAY
    makeup = classify_day(date(2026, 10, 10))
    assert (makeup.kind, makeup.holiday, makeup.hours_key) == (DayKind.MAKEUP, "国庆节", "weekday")
    assert classify_day(date(2026, 9, 20)).kind == DayKind.MAKEUP  # a 调休 Sunday


def test_normal_weekday_afternoon_is_open_until_closing() -> None:
    status = status_at(HOURS, WEDNESDAY)
    assert status.is_open and status.closes_at == "17:00" and not status.on_break
    assert answer_hours(HALL, parse_when("现在开门吗", WEDNESDAY), WEDNESDAY) == (
        "东湖区政务服务中心 现在（周三 14:05）正在办公，今天办公时间 09:00-12:00、13:30-17:00，中午 12:00-13:30 休息。")


def test_lunch_break_is_closed_and_says_when_it_reopens() -> None:
    status = status_at(HOURS, LUNCH)
    assert not status.is_open and status.on_break and not status.before_opening
    assert status.next_open == datetime(2026, 11, 4, 13, 30, tzinfo=TZ)
    text = answer_hours(HALL, parse_when("现在能去吗", LUNCH), LUNCH)
    assert "现在（周三 12:20）是午休时间，13:30 恢复办公" in text
    assert status_line(HALL, LUNCH) == "午休中，13:30 恢复办公"


def test_before_opening_and_after_closing() -> None:
    early = datetime(2026, 11, 4, 8, 10, tzinfo=TZ)
    assert status_at(HOURS, early).before_opening
    assert "今天 09:00 开门" in answer_hours(HALL, parse_when("开门了吗", early), early)
    late = datetime(2026, 11, 4, 17, 0, tzinfo=TZ)  # closing time itself is closed
    status = status_at(HOURS, late)
    assert not status.is_open and status.next_open == datetime(2026, 11, 5, 9, 0, tzinfo=TZ)
    assert "已经下班了" in answer_hours(HALL, parse_when("开门吗", late), late)


def test_weekend_uses_saturday_hours_and_sunday_is_closed() -> None:
    assert status_at(HOURS, SATURDAY).is_open
    saturday_afternoon = datetime(2026, 11, 7, 14, 0, tzinfo=TZ)
    assert not status_at(HOURS, saturday_afternoon).is_open
    sunday = status_at(HOURS, SUNDAY)
    assert not sunday.is_open and sunday.periods == ()
    assert sunday.next_open == datetime(2026, 11, 9, 9, 0, tzinfo=TZ)
    assert "今天周日休息，不办公。下次办公：明天（11月9日 周一）09:00" in answer_hours(HALL, parse_when("开门吗", SUNDAY), SUNDAY)


def test_statutory_holiday_is_closed_until_the_first_working_day_after_it() -> None:
    status = status_at(HOURS, NATIONAL_DAY)
    assert not status.is_open and status.day.kind == DayKind.HOLIDAY
    assert status.next_open == datetime(2026, 10, 8, 9, 0, tzinfo=TZ)
    text = answer_hours(HALL, parse_when("现在开门吗", NATIONAL_DAY), NATIONAL_DAY)
    assert "今天是国庆节假期，休息不办公" in text and "10月8日（周四）09:00" in text


def test_makeup_saturday_uses_weekday_hours() -> None:
    status = status_at(HOURS, MAKEUP_SATURDAY)  # 14:00: closed on a normal Saturday, open on a weekday
    assert status.is_open and status.day.kind == DayKind.MAKEUP and status.closes_at == "17:00"
    text = answer_hours(HALL, parse_when("现在开门吗", MAKEUP_SATURDAY), MAKEUP_SATURDAY)
    assert "今天是国庆节调休上班日" in text and "13:30-17:00" in text


def test_naive_and_utc_clocks_are_read_as_beijing_time() -> None:
    assert status_at(HOURS, datetime(2026, 11, 4, 10, 0)).is_open  # naive = Asia/Shanghai
    utc = datetime(2026, 11, 4, 2, 5, tzinfo=timezone.utc)  # 10:05 in Beijing
    assert status_at(HOURS, utc).is_open
    assert not status_at(HOURS, datetime(2026, 11, 4, 10, 0, tzinfo=timezone.utc)).is_open  # 18:00 in Beijing


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


def test_lunch_answers_name_the_break_or_say_there_is_none() -> None:
    text = answer_hours(HALL, parse_when("中午能去办吗", WEDNESDAY), WEDNESDAY)
    assert "中午 12:00-13:30 午休不办理，请在 09:00-12:00、13:30-17:00 前往" in text
    continuous = Hall("江州市市民中心", {"weekday": ["09:00-17:30"], "saturday": [], "sunday": [], "holiday": []})
    assert "中午不休息，可以正常办理" in answer_hours(continuous, parse_when("中午能去办吗", WEDNESDAY), WEDNESDAY)


def test_holiday_question_gives_the_whole_period_and_the_makeup_days() -> None:
    asked = datetime(2026, 9, 28, 10, 0, tzinfo=TZ)
    query = parse_when("国庆节办事大厅上班吗", asked)
    assert query.holiday is not None and query.days[0] == date(2026, 10, 1) and query.days[-1] == date(2026, 10, 7)
    text = answer_hours(HALL, query, asked)
    assert "国庆节假期（10月1日至10月7日）休息，不办公，10月8日（周四）起恢复办公" in text
    assert "调休上班：9月20日（周日）、10月10日（周六）按工作日时间办公（09:00-12:00、13:30-17:00）" in text
    labour = holiday_period("劳动节", 2026)
    assert labour.first == date(2026, 5, 1) and labour.last == date(2026, 5, 5) and labour.makeup_days == (date(2026, 5, 9),)
    spring = parse_when("春节上班吗", datetime(2026, 1, 20, 9, 0, tzinfo=TZ)).holiday
    assert spring is not None and spring.first == date(2026, 2, 15) and date(2026, 2, 14) in spring.makeup_days


def test_dates_beyond_the_calendar_say_so_and_use_regular_hours() -> None:
    asked = datetime(2026, 12, 28, 10, 0, tzinfo=TZ)
    info = classify_day(date(2027, 1, 5))
    assert not info.known and info.kind == DayKind.WORKDAY
    text = answer_hours(HALL, parse_when("1月5日开门吗", asked), asked)
    assert text.startswith("2027年的法定节假日和调休安排尚未公布，以下按常规作息回答")
    assert "2027年1月5日（周二）办公时间 09:00-12:00、13:30-17:00" in text
    # fixed-date statutory holidays are holidays by law even before the arrangement is out
    national = parse_when("国庆节上班吗", datetime(2026, 11, 5, 10, 0, tzinfo=TZ))
    assert national.holiday is not None and national.holiday.year == 2027 and not national.holiday.known
    text = answer_hours(HALL, national, asked)
    assert "2027年国庆节的具体放假和调休安排尚未公布" in text and "10月1日、10月2日、10月3日 为法定节假日" in text
    # a lunar holiday of an unpublished year has no date yet, but it is a statutory holiday
    spring = parse_when("春节上班吗", datetime(2026, 11, 5, 10, 0, tzinfo=TZ))
    assert spring.holiday is not None and spring.days == ()
    assert answer_hours(HALL, spring, asked) == (
        "2027年春节的放假安排尚未公布，具体放假日期暂不确定。春节是法定节假日，东湖区政务服务中心 法定节假日休息，不办公；"
        "调休上班日按工作日时间办公，请以届时官方通知为准。")


def test_makeup_question_finds_the_next_makeup_working_day() -> None:
    asked = datetime(2026, 9, 1, 10, 0, tzinfo=TZ)
    query = parse_when("调休那天上班吗", asked)
    assert list(query.days) == [date(2026, 9, 20)]
    assert answer_hours(HALL, query, asked) == (
        "东湖区政务服务中心 9月20日（周日）是国庆节调休上班日，按工作日时间办公：09:00-12:00、13:30-17:00，"
        "中午 12:00-13:30 休息。")
