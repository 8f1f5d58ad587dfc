"""Desk hours with fixed clocks: weekdays, lunch breaks, weekends, 国庆 and its 调休 Saturday."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from bot.desk.schedule import DeskHours, desk_hours, when_text
from bot.hours.clock import TZ
from tests.support.desk import write_hours

HOURS = DeskHours.from_mapping({
    "monday": ["09:00-12:00", "13:30-17:30"], "tuesday": ["09:00-12:00", "13:30-17:30"],
    "wednesday": ["09:00-12:00", "13:30-17:30"], "thursday": ["09:00-12:00", "13:30-17:30"],
    "friday": ["09:00-12:00", "13:30-16:00"], "saturday": ["09:00-12:00"], "sunday": [],
    "holiday": [], "makeup": ["09:00-12:00", "13:30-17:30"],
})


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ)


@pytest.mark.parametrize(("day", "clock", "open_"), [
    ("2026-11-25", "10:00", True),    # Wednesday morning
    ("2026-11-25", "12:30", False),   # lunch break
    ("2026-11-25", "17:29", True),
    ("2026-11-25", "17:30", False),   # end is exclusive
    ("2026-11-27", "16:30", False),   # Friday has its own, shorter afternoon
    ("2026-11-28", "10:00", True),    # Saturday morning
    ("2026-11-29", "10:00", False),   # Sunday
    ("2026-10-01", "10:00", False),   # 国庆 (a Thursday)
    ("2026-10-10", "15:00", True),    # 调休 Saturday: weekday hours, not Saturday's
])
def test_open_or_closed(day: str, clock: str, open_: bool) -> None:
    assert HOURS.is_open(at(day, clock)) is open_


def test_next_opening_skips_the_holiday_and_lunch() -> None:
    assert HOURS.next_open(at("2026-09-30", "18:00")) == at("2026-10-08", "09:00")  # after 国庆
    assert HOURS.next_open(at("2026-11-25", "12:10")) == at("2026-11-25", "13:30")
    assert HOURS.next_open(at("2026-11-28", "12:00")) == at("2026-11-30", "09:00")  # Sat noon → Monday
    assert DeskHours(weekly=((),) * 7).next_open(at("2026-11-25", "10:00")) is None


def test_resident_wording() -> None:
    now = at("2026-11-27", "18:00")
    assert when_text(at("2026-11-27", "19:00"), now) == "今天 19:00"
    assert when_text(at("2026-11-28", "09:00"), now) == "明天 09:00"
    assert when_text(at("2026-11-30", "09:00"), now) == "11月30日（周一）09:00"
    described = HOURS.describe()
    assert described.startswith("周一至周四 09:00-12:00、13:30-17:30；周五 09:00-12:00、13:30-16:00；周六 09:00-12:00")
    assert described.endswith("法定节假日休息")


def test_bad_timetables_are_refused() -> None:
    with pytest.raises(ValueError):
        DeskHours.from_mapping({"monday": "09:00-12:00"})  # not a list
    with pytest.raises(ValueError):
        DeskHours.from_mapping({"monday": ["12:00-09:00"]})  # ends before it starts


def test_the_file_is_read_again_when_it_changes_and_a_broken_edit_keeps_the_last_good_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "hours.yml"
    write_hours(path, {"monday": ["09:00-10:00"]})
    assert desk_hours(path).weekly[0] == ((540, 600),)
    write_hours(path, {"monday": ["08:00-10:00"]})
    assert desk_hours(path).weekly[0] == ((480, 600),)
    path.write_text("monday: [\"25:99-xx\"", encoding="utf-8")  # broken YAML, saved by mistake
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert desk_hours(path).weekly[0] == ((480, 600),)
    assert "keeping the previous timetable" in caplog.text
    missing = desk_hours(tmp_path / "nope.yml")
    assert not missing.is_open(at("2026-11-25", "10:00"))  # no file: closed, never open by accident
