"""bot.ratings: levels, deadlines in working days, ratings, reasons and 差评 follow-ups.

The store runs against a fresh SQLite database and, once more, against PostgreSQL
(a schema of PostgreSQL's ``test`` database, dropped afterwards).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.config import get_settings
from bot.db import session_scope
from bot.ratings.levels import (
    LEVELS,
    PROMPT_TEXT,
    level_name,
    parse_level,
    rating_buttons,
    reason_buttons,
    satisfaction_rate,
)
from bot.ratings.models import Rating
from bot.ratings.store import (
    AlreadyClosed,
    FollowUpNotFound,
    NoteRequired,
    add_reason,
    add_working_days,
    close_followup,
    list_followups,
    parse_subject,
    record_rating,
    summary,
)

UTC = timezone.utc
# 2026-09-29 10:00 in 江州 (a Tuesday, two days before 国庆)
NOW = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _default_deadline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """FOLLOWUP_WORKING_DAYS at its default (15) unless a test sets it."""
    monkeypatch.delenv("FOLLOWUP_WORKING_DAYS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()

# ---------------------------------------------------------------- levels (no database)


def test_the_five_levels_best_first_and_how_they_are_read() -> None:
    assert list(LEVELS.items()) == [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
    assert level_name(1) == "非常不满意"
    with pytest.raises(ValueError):
        level_name(6)
    for value, level in ((5, 5), ("5", 5), ("５", 5), (" 4 ", 4), ("3分", 3), ("非常满意", 5), ("满意", 4),
                         ("不满意", 2), ("非常不满意", 1)):
        assert parse_level(value) == level, value
    for value in (0, 6, "6", "", None, True, "很好", "满意吗", 4.5):
        assert parse_level(value) is None, value


def test_buttons_carry_rate_payloads() -> None:
    buttons = rating_buttons()
    assert [b["title"] for b in buttons] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert buttons[0]["payload"] == '/rate{"rating": "5"}' and buttons[-1]["payload"] == '/rate{"rating": "1"}'
    reasons = reason_buttons()
    assert reasons[0] == {"title": "答非所问", "payload": '/rate{"rating_reason": "答非所问"}'}
    assert reasons[-1]["title"] == "其他"
    assert "评价" in PROMPT_TEXT and "不评价" in PROMPT_TEXT


def test_satisfaction_rate_counts_the_three_upper_levels() -> None:
    assert satisfaction_rate({5: 2, 4: 1, 3: 1, 2: 0, 1: 1}) == pytest.approx(0.8)
    assert satisfaction_rate({}) is None


def test_subjects_from_the_slot() -> None:
    assert parse_subject("service:居住证首次申领") == ("service", "居住证首次申领", None)
    assert parse_subject("ticket:12") == ("ticket", None, 12)
    assert parse_subject("workorder:JZ20261127-0042") == ("workorder", "JZ20261127-0042", None)
    for general in (None, "", "service:", "ticket:abc", "whatever", "workorder:", "workorder:" + "9" * 40):
        assert parse_subject(general) == ("service", None, None), general


# ---------------------------------------------------------------- working days (official calendar)


def test_working_days_skip_weekends() -> None:
    assert add_working_days(date(2026, 11, 27), 0) == date(2026, 11, 27)
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday → Monday
    assert add_working_days(date(2026, 11, 23), 15) == date(2026, 12, 14)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 27), -1)


def test_working_days_across_national_day_count_the_makeup_saturday() -> None:
    # 2026 国庆: 10-01 … 10-07 off; Saturday 10-10 is a 调休 working day
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 29), 15) == date(2026, 10, 26)


def test_working_days_across_spring_festival() -> None:
    # 2026 春节: 02-15 … 02-23 off; Saturdays 02-14 and 02-28 are 调休 working days
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert add_working_days(date(2026, 2, 12), 15) == date(2026, 3, 11)  # 02-13, 02-14, 02-24 … 02-28, 03-02 …


# ---------------------------------------------------------------- ratings and follow-ups


def test_a_good_rating_opens_no_follow_up(store_db: str) -> None:
    info = record_rating("s1", "socketio", "service:居住证首次申领", 5, now=NOW)
    assert (info.subject_kind, info.service, info.level_name, info.followup_id) == (
        "service", "居住证首次申领", "非常满意", None)
    for level in (4, 3):
        record_rating("s1", "socketio", "service:居住证首次申领", level, now=NOW)
    assert list_followups("open", today=date(2026, 9, 29)) == []


def test_a_work_order_rating_keeps_the_number_not_a_service(store_db: str) -> None:
    """The call-back after 办结 rates the order: its number in its own column, no item, a 差评 followed up."""
    info = record_rating("s5", "socketio", "workorder:JZ20261127-0042", 2, now=NOW)
    assert (info.subject_kind, info.workorder, info.service, info.ticket_id) == (
        "workorder", "JZ20261127-0042", None, None)
    assert info.followup_id is not None


def test_a_bad_rating_opens_a_follow_up_due_in_working_days(store_db: str) -> None:
    info = record_rating("s2", "wechat", "service:普通护照", 2, now=NOW)
    assert info.is_bad and info.followup_due == date(2026, 10, 26)
    # 17:00 UTC is already the next day in 江州: the deadline counts from 09-30
    late = record_rating("s3", "wechat", None, 1, now=datetime(2026, 9, 29, 17, 0, tzinfo=UTC))
    assert late.followup_due == add_working_days(date(2026, 9, 30), 15)
    assert (late.subject_kind, late.service) == ("service", None)
    [newest, older] = list_followups("open", today=date(2026, 9, 29))
    assert (newest.rating_id, older.rating_id) == (late.id, info.id)
    assert older.as_dict()["due"] == "2026-10-26" and older.as_dict()["level_name"] == "不满意"
    assert older.status == "open" and not older.overdue


def test_the_follow_up_deadline_comes_from_the_environment(store_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_WORKING_DAYS", "3")
    get_settings.cache_clear()
    try:
        info = record_rating("s4", "rest", "service:普通护照", 1, now=NOW)
    finally:
        monkeypatch.delenv("FOLLOWUP_WORKING_DAYS")
        get_settings.cache_clear()
    assert info.followup_due == date(2026, 10, 9)  # 09-30, 10-08, 10-09


def test_a_ticket_rating_keeps_the_ticket_and_its_staff_member(store_db: str) -> None:
    info = record_rating("s5", "socketio", "ticket:12", 4, staff="zhangmin", now=NOW)
    assert (info.subject_kind, info.ticket_id, info.staff, info.service) == ("ticket", 12, "zhangmin", None)


def test_a_level_outside_one_to_five_is_refused(store_db: str) -> None:
    with pytest.raises(ValueError):
        record_rating("s6", "rest", None, 0, now=NOW)


def test_a_reason_attaches_to_the_conversations_latest_rating(store_db: str) -> None:
    record_rating("s7", "socketio", "service:结婚登记", 4, now=NOW)
    latest = record_rating("s7", "socketio", "service:普通护照", 2, now=NOW + timedelta(minutes=1))
    record_rating("other", "socketio", "service:结婚登记", 1, now=NOW + timedelta(minutes=2))
    info = add_reason("s7", "答非所问", now=NOW + timedelta(minutes=5))
    assert info is not None and (info.id, info.reason, info.followup_id) == (latest.id, "答非所问", latest.followup_id)
    with session_scope() as session:
        reasons = {r.id: r.reason for r in session.scalars(select(Rating)).all()}
    assert list(reasons.values()).count("答非所问") == 1
    assert add_reason("s7", "其他", now=NOW + timedelta(minutes=40)) is None, "older than 30 minutes"
    assert add_reason("nobody", "其他", now=NOW) is None
    assert add_reason("s7", "  ", now=NOW) is None


def test_overdue_follow_ups_come_first(store_db: str) -> None:
    early = record_rating("s8", "wechat", "service:普通护照", 1, now=NOW)
    later = record_rating("s9", "wechat", "service:普通护照", 2, now=NOW + timedelta(days=20))
    assert early.followup_due is not None and later.followup_due is not None
    today = early.followup_due + timedelta(days=1)
    assert today < later.followup_due
    rows = list_followups("open", today=today)
    assert [(r.rating_id, r.overdue) for r in rows] == [(early.id, True), (later.id, False)]
    assert not list_followups("open", today=early.followup_due)[1].overdue, "due today is not overdue yet"


def test_closing_needs_a_note_and_happens_once(store_db: str) -> None:
    info = record_rating("s10", "socketio", "service:普通护照", 1, now=NOW)
    assert info.followup_id is not None
    with pytest.raises(NoteRequired) as refused:
        close_followup(info.followup_id, "   ", "zhangmin")
    assert "说明" in str(refused.value) and isinstance(refused.value, ValueError)
    closed = close_followup(info.followup_id, " 已回电说明材料要求 ", "zhangmin", now=NOW + timedelta(days=2))
    assert (closed.status, closed.note, closed.closed_by, closed.overdue) == (
        "closed", "已回电说明材料要求", "zhangmin", False)
    assert closed.closed_at == NOW + timedelta(days=2)
    with pytest.raises(AlreadyClosed):
        close_followup(info.followup_id, "再次办结", "lisi")
    with pytest.raises(FollowUpNotFound):
        close_followup(info.followup_id + 100, "说明", "lisi")
    assert list_followups("open", today=date(2026, 12, 31)) == []
    [done] = list_followups("closed", today=date(2026, 12, 31))
    assert done.closed_by == "zhangmin" and not done.overdue, "a closed follow-up is never overdue"


def test_summary_per_item_and_per_staff_member(store_db: str) -> None:
    for level in (5, 4, 3, 1):
        record_rating("s11", "socketio", "service:普通护照", level, now=NOW)
    record_rating("s12", "socketio", "ticket:3", 2, staff="zhangmin", now=NOW)
    record_rating("s12", "socketio", "ticket:4", 5, staff="zhangmin", now=NOW)
    by_service = {row.name: row for row in summary("service")}
    passport = by_service["普通护照"]
    assert (passport.total, passport.counts[1], passport.counts[2], passport.satisfaction) == (4, 1, 0, 0.75)
    assert by_service[None].total == 2
    by_staff = {row.name: row for row in summary("staff")}
    assert by_staff["zhangmin"].as_dict() == {
        "name": "zhangmin", "counts": {"5": 1, "4": 0, "3": 0, "2": 1, "1": 0}, "total": 2, "satisfaction": 0.5}
    assert by_staff[None].total == 4
    with pytest.raises(ValueError):
        summary("district")

