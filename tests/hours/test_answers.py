"""bot.hours.answers: the resident-facing text about one hall, for fixed clocks."""
from __future__ import annotations

from datetime import datetime

from bot.hours import TZ, Hall, answer_hours, parse_when, regular_hours, status_line, weekly_summary
from tests.hours.support import HALL, HOURS, LUNCH, MAKEUP_SATURDAY, NATIONAL_DAY, SUNDAY, WEDNESDAY


def test_open_now_names_the_hours_and_the_lunch_break() -> None:
    assert answer_hours(HALL, parse_when("现在开门吗", WEDNESDAY), WEDNESDAY) == (
        "东湖区政务服务中心 现在（周三 14:05）正在办公，今天办公时间 09:00-12:00、13:30-17:00，中午 12:00-13:30 休息。")


def test_lunch_break_says_when_it_reopens() -> None:
    text = answer_hours(HALL, parse_when("现在能去吗", LUNCH), LUNCH)
    assert "现在（周三 12:20）是午休时间，13:30 恢复办公" in text
    assert status_line(HALL, LUNCH) == "午休中，13:30 恢复办公"


def test_before_opening_and_after_closing() -> None:
    early = datetime(2026, 11, 4, 8, 10, tzinfo=TZ)
    assert "今天 09:00 开门" in answer_hours(HALL, parse_when("开门了吗", early), early)
    late = datetime(2026, 11, 4, 17, 0, tzinfo=TZ)
    assert "已经下班了" in answer_hours(HALL, parse_when("开门吗", late), late)


def test_sunday_is_closed_and_names_the_next_opening() -> None:
    assert "今天周日休息，不办公。下次办公：明天（11月9日 周一）09:00" in answer_hours(
        HALL, parse_when("开门吗", SUNDAY), SUNDAY)


def test_statutory_holiday_and_makeup_day_now() -> None:
    text = answer_hours(HALL, parse_when("现在开门吗", NATIONAL_DAY), NATIONAL_DAY)
    assert "今天是国庆节假期，休息不办公" in text and "10月8日（周四）09:00" in text
    text = answer_hours(HALL, parse_when("现在开门吗", MAKEUP_SATURDAY), MAKEUP_SATURDAY)
    assert "今天是国庆节调休上班日" in text and "13:30-17:00" in text


def test_lunch_answers_name_the_break_or_say_there_is_none() -> None:
    text = answer_hours(HALL, parse_when("中午能去办吗", WEDNESDAY), WEDNESDAY)
    assert "中午 12:00-13:30 午休不办理，请在 09:00-12:00、13:30-17:00 前往" in text
    continuous = Hall("江州市市民中心", {"weekday": ["09:00-17:30"], "saturday": [], "sunday": [], "holiday": []})
    assert "中午不休息，可以正常办理" in answer_hours(continuous, parse_when("中午能去办吗", WEDNESDAY), WEDNESDAY)


def test_holiday_question_gives_the_whole_period_and_the_makeup_days() -> None:
    asked = datetime(2026, 9, 28, 10, 0, tzinfo=TZ)
    text = answer_hours(HALL, parse_when("国庆节办事大厅上班吗", asked), asked)
    assert "国庆节假期（10月1日至10月7日）休息，不办公，10月8日（周四）起恢复办公" in text
    assert "调休上班：9月20日（周日）、10月10日（周六）按工作日时间办公（09:00-12:00、13:30-17:00）" in text


def test_dates_beyond_the_calendar_say_so_and_use_regular_hours() -> None:
    asked = datetime(2026, 12, 28, 10, 0, tzinfo=TZ)
    text = answer_hours(HALL, parse_when("1月5日开门吗", asked), asked)
    assert text.startswith("2027年的法定节假日和调休安排尚未公布，以下按常规作息回答")
    assert "2027年1月5日（周二）办公时间 09:00-12:00、13:30-17:00" in text
    national = parse_when("国庆节上班吗", datetime(2026, 11, 5, 10, 0, tzinfo=TZ))
    text = answer_hours(HALL, national, asked)
    assert "2027年国庆节的具体放假和调休安排尚未公布" in text and "10月1日、10月2日、10月3日 为法定节假日" in text
    spring = parse_when("春节上班吗", datetime(2026, 11, 5, 10, 0, tzinfo=TZ))
    assert answer_hours(HALL, spring, asked) == (
        "2027年春节的放假安排尚未公布，具体放假日期暂不确定。"
        "春节是法定节假日，东湖区政务服务中心 法定节假日休息，不办公；"
        "调休上班日按工作日时间办公，请以届时官方通知为准。")


def test_makeup_question_answers_with_weekday_hours() -> None:
    asked = datetime(2026, 9, 1, 10, 0, tzinfo=TZ)
    assert answer_hours(HALL, parse_when("调休那天上班吗", asked), asked) == (
        "东湖区政务服务中心 9月20日（周日）是国庆节调休上班日，按工作日时间办公：09:00-12:00、13:30-17:00，"
        "中午 12:00-13:30 休息。")


def test_the_regular_week_is_worded_once_with_the_centres_note() -> None:
    assert weekly_summary(HOURS) == "工作日 09:00-12:00、13:30-17:00；周六 09:00-12:00；周日休息；法定节假日休息"
    assert regular_hours(HOURS) == weekly_summary(HOURS) + "。"
    assert regular_hours(HOURS, "周六上午正常办公。") == weekly_summary(HOURS) + "。（周六上午正常办公）"
