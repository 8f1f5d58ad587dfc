"""Analytics on fixed conversations, desk tickets and ratings with known answers, on SQLite and
PostgreSQL; city days are Asia/Shanghai days (UTC+8), so the UTC times below are chosen at the edges:
15:59:59 UTC is 23:59:59 the same city day, 16:00:00 UTC is midnight of the next, and 23:30 UTC is
07:30 of the next.

Bad input tried: a period the wrong way round, longer than a year, dates that are not dates; an
empty period; a service name that a spreadsheet would run as a formula (CSV).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Dict

import pytest

from bot.analytics.report import Period, PeriodError, build_report, local_day, parse_period
from bot.analytics.tables import COLUMNS, to_csv
from bot.desk.tickets import claim, open_ticket
from bot.ratings.store import record_rating
from tests.support.events import answered, committed, said, slot, store, ts, verdict

GUIDE = "居住证首次申领"
PASSPORT = "普通护照签发"
PERIOD = Period(date(2026, 11, 20), date(2026, 11, 22))


def _at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def _fill() -> None:
    c1 = ts("2026-11-20T10:00:00+08:00")
    store("c1", [said("居住证怎么办", "ask_service_guide", c1, registry=committed(GUIDE)), slot("service", GUIDE, c1),
                 *answered("居住证首次申领……", c1),
                 # 23:30 UTC on the 20th is 07:30 on the 21st in the city: a follow-up about the same item
                 said("那要多久", "ask_time_limit", ts("2026-11-20T23:30:00+00:00"), registry=verdict("none"))])
    store("c2", [said("阿巴阿巴", "nlu_fallback", ts("2026-11-20T15:59:59+00:00"), confidence=0.2),
                 said("你好", "greet", ts("2026-11-20T16:00:00+00:00"))])
    store("c3", [said("东湖护照怎么办", "ask_service_guide", ts("2026-11-21T10:00:00+08:00"),
                      registry=committed(PASSPORT),
                      entities=[{"entity": "district", "value": "东湖区", "start": 0, "end": 2}])])
    store("c4", [said("转人工", "request_human", ts("2026-11-22T09:00:00+08:00"))])
    store("c5", [said("窗口态度太差", "complain", ts("2026-11-22T11:00:00+08:00"))])
    store("c6", [said("护照多少钱", "ask_fee", ts("2026-11-22T12:00:00+08:00"), registry=committed(PASSPORT))])
    # outside the period by one second either way
    store("c0", [said("太早了", "greet", ts("2026-11-19T15:59:59+00:00")),
                 said("太晚了", "greet", ts("2026-11-22T16:00:00+00:00"))])

    live = open_ticket("socketio", "c4", now=_at("2026-11-22T09:00:05+08:00"))
    claim(live.id, "zhang", now=_at("2026-11-22T09:02:05+08:00"))  # waited 120 s
    open_ticket("socketio", "c5", now=_at("2026-11-22T11:00:05+08:00"))  # never claimed
    other = open_ticket("socketio", "c6", now=_at("2026-11-22T12:00:00+08:00"))
    claim(other.id, "li", now=_at("2026-11-22T12:05:00+08:00"))  # waited 300 s
    open_ticket("socketio", "c0", now=_at("2026-11-23T00:00:00+08:00"))  # the next day: not counted

    record_rating("c1", "socketio", f"service:{GUIDE}", 5, now=_at("2026-11-21T08:00:00+08:00"))
    record_rating("c1", "socketio", f"service:{GUIDE}", 2, now=_at("2026-11-21T09:00:00+08:00"))
    record_rating("c4", "socketio", f"ticket:{live.id}", 4, now=_at("2026-11-22T09:10:00+08:00"))
    record_rating("c2", "socketio", None, 1, now=_at("2026-11-22T23:59:00+08:00"))
    record_rating("c0", "socketio", None, 5, now=_at("2026-11-23T00:00:30+08:00"))  # the next day


def test_known_answers(store_db: str) -> None:
    _fill()
    report = build_report(PERIOD)
    assert report["daily"] == [
        {"date": "2026-11-20", "conversations": 2, "messages": 2, "fallbacks": 1, "fallback_rate": 0.5,
         "handoffs": 0, "handoff_rate": 0.0, "median_wait_seconds": None},
        {"date": "2026-11-21", "conversations": 3, "messages": 3, "fallbacks": 0, "fallback_rate": 0.0,
         "handoffs": 0, "handoff_rate": 0.0, "median_wait_seconds": None},
        {"date": "2026-11-22", "conversations": 3, "messages": 3, "fallbacks": 0, "fallback_rate": 0.0,
         "handoffs": 3, "handoff_rate": 1.0, "median_wait_seconds": 210.0},
    ]
    assert report["summary"] == {
        "first": "2026-11-20", "last": "2026-11-22", "conversations": 8, "messages": 8, "fallbacks": 1,
        "fallback_rate": 0.125, "handoffs": 3, "handoff_rate": 0.375, "median_wait_seconds": 210.0, "unclaimed": 1,
        "ratings": 4, "satisfaction_rate": 0.5}
    # 居住证: the question and its follow-up (the service slot); 护照: two conversations, so it ranks first
    assert report["services"] == [{"service": PASSPORT, "messages": 2, "conversations": 2},
                                  {"service": GUIDE, "messages": 2, "conversations": 1}]
    assert {r["intent"]: r["messages"] for r in report["intents"]} == {
        "ask_service_guide": 2, "ask_time_limit": 1, "nlu_fallback": 1, "greet": 1, "request_human": 1,
        "complain": 1, "ask_fee": 1}
    assert report["intents"][0] == {"intent": "ask_service_guide", "messages": 2, "share": 0.25}
    assert [(r["name"], r["ratings"]) for r in report["satisfaction_levels"]] == [
        ("非常满意", 1), ("满意", 1), ("基本满意", 0), ("不满意", 1), ("非常不满意", 1)]
    assert report["satisfaction_services"] == [
        {"service": GUIDE, "ratings": 2, "satisfaction_rate": 0.5, "mean_level": 3.5, "bad": 1},
        {"service": "人工服务", "ratings": 1, "satisfaction_rate": 1.0, "mean_level": 4.0, "bad": 0},
        {"service": "整体评价", "ratings": 1, "satisfaction_rate": 0.0, "mean_level": 1.0, "bad": 1},
    ]


def test_the_same_events_in_one_day_periods(store_db: str) -> None:
    """Each city day alone gives that day's row: the edges belong to exactly one day."""
    _fill()
    for day, messages in ((date(2026, 11, 19), 1), (date(2026, 11, 20), 2), (date(2026, 11, 21), 3),
                          (date(2026, 11, 23), 1)):
        assert build_report(Period(day, day))["summary"]["messages"] == messages, day
    assert local_day(ts("2026-11-20T23:30:00+00:00")) == date(2026, 11, 21)
    assert local_day(ts("2026-11-20T15:59:59+00:00")) == date(2026, 11, 20)


def test_an_empty_period(store_db: str) -> None:
    report = build_report(Period(date(2030, 1, 1), date(2030, 1, 2)))
    assert report["summary"]["messages"] == 0 and report["summary"]["fallback_rate"] is None
    assert report["summary"]["satisfaction_rate"] is None and report["services"] == []
    assert [d["conversations"] for d in report["daily"]] == [0, 0]


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2026-11-22", "2026-11-20", "开始日期晚于结束日期"), ("2025-01-01", "2026-11-22", "最长"),
    ("2026-13-01", "2026-11-22", "日期格式"), ("yesterday", None, "日期格式"),
])
def test_bad_periods(first: str, last: Any, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(first, last)


def test_the_default_period_is_the_last_seven_city_days() -> None:
    assert parse_period(None, None, today=date(2026, 11, 27)) == Period(date(2026, 11, 21), date(2026, 11, 27))
    start, end = Period(date(2026, 11, 21), date(2026, 11, 21)).bounds()
    assert start.isoformat() == "2026-11-21T00:00:00+08:00" and (end - start).total_seconds() == 86400


def _read(data: bytes) -> list:
    assert data.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_each_table_as_csv(store_db: str) -> None:
    _fill()
    report = build_report(PERIOD, top=None)
    for table in COLUMNS:
        rows = _read(to_csv(table, report[table]))
        assert rows[0] == [title for _, title in COLUMNS[table]] and len(rows) == len(report[table]) + 1
    daily = _read(to_csv("daily", report["daily"]))
    assert daily[1] == ["2026-11-20", "2", "2", "1", "0.5", "0", "0.0", ""]
    hostile: Dict[str, Any] = {"service": '=HYPERLINK("http://x.example","点我")', "messages": 1, "conversations": 1}
    assert _read(to_csv("services", [hostile]))[1][0] == "'" + hostile["service"]
