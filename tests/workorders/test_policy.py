"""Work-order time limits with fixed clocks: working days across the 2026 Spring Festival and National
Day (调休 Saturdays count), the 2026/2027 New Year (2027 is not in the calendar library yet: the fixed
holidays still count), hour limits, the resident's phrase, and the file itself.

Bad files tried: missing ``categories``, an unknown category, a category left out, a limit in words
(「一天」), zero, a boolean, a handling limit shorter than the first response, broken YAML, a missing
file, an empty file; a running process keeps the last valid file when a later edit is broken.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict

import pytest

from bot.hours.clock import TZ
from bot.workorders.policy import DEFAULT_FILE, Limit, Policy, PolicyError, load_policy, promise
from tests.support.desk import write_hours

POLICY: Dict[str, Any] = {"categories": {
    "投诉求助": {"first_response": "1 个工作日", "handling": "5个工作日"},
    "建言": {"first_response": 5, "handling": "15 工作日"},
    "咨询": {"first_response": "4 小时", "handling": "3 个工作日"},
}}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def policy() -> Policy:
    return Policy.from_mapping(POLICY, "test.yml")


@pytest.mark.parametrize("filed, days, due", [
    # Wednesday before National Day: 10/1–10/7 off, 10/8 Thursday is the first working day
    (local(2026, 9, 30, 10, 0), 1, local(2026, 10, 9)),
    # … and 10/10, a Saturday, is a 调休 working day: 10/8, 10/9, 10/10, 10/12, 10/13
    (local(2026, 9, 30, 10, 0), 5, local(2026, 10, 14)),
    # filed on a holiday: the first working day after it is day one
    (local(2026, 10, 3, 22, 15), 1, local(2026, 10, 9)),
    # Friday before the Spring Festival: Saturday 2/14 is worked, 2/15–2/23 are off
    (local(2026, 2, 13, 15, 0), 1, local(2026, 2, 15)),
    (local(2026, 2, 13, 15, 0), 3, local(2026, 2, 26)),
    # New Year's Eve 2026: 2027-01-01 (a Friday) is a holiday by law even before 2027's arrangement is out
    (local(2026, 12, 31, 10, 0), 1, local(2027, 1, 5)),
    # a plain week: Friday evening → Monday
    (local(2026, 11, 27, 23, 30), 1, local(2026, 12, 1)),
])
def test_working_day_limits_end_at_midnight_of_the_last_working_day(filed: datetime, days: int, due: datetime) -> None:
    assert Limit(days, "工作日").due(filed) == due.astimezone(timezone.utc)


def test_hour_limits_count_every_hour_and_the_phrases_name_the_last_day() -> None:
    filed = local(2026, 10, 1, 9, 0)  # a holiday: hours do not stop for it
    rules = policy()
    consult = rules.deadlines("咨询", filed)
    assert consult.first_response == local(2026, 10, 1, 13, 0).astimezone(timezone.utc)
    assert consult.phrase == "4小时内首次答复（最晚10月1日（周四）13:00），3个工作日内办结"
    complaint = rules.deadlines("投诉求助", local(2026, 9, 30, 10, 0))
    assert complaint.phrase == "1个工作日内首次答复（最晚10月8日（周四）），5个工作日内办结"
    assert complaint.handling == local(2026, 10, 14).astimezone(timezone.utc)
    assert rules.first_response_phrase("投诉求助") == "1个工作日内首次答复"
    assert rules.first_response_phrase("建言") == "5个工作日内首次答复"
    with pytest.raises(PolicyError, match="闲聊"):
        rules.deadlines("闲聊", filed)


@pytest.mark.parametrize("change, field", [
    ({"categories": None}, "categories"),
    ({"categories": {**POLICY["categories"], "闲聊": {"first_response": 1, "handling": 2}}}, "categories.闲聊"),
    ({"categories": {k: v for k, v in POLICY["categories"].items() if k != "建言"}}, "categories.建言"),
    ({"categories": {**POLICY["categories"], "投诉求助": {"first_response": "一天", "handling": 5}}},
     "categories.投诉求助.first_response"),
    ({"categories": {**POLICY["categories"], "咨询": {"first_response": "0 小时", "handling": 3}}},
     "categories.咨询.first_response"),
    ({"categories": {**POLICY["categories"], "咨询": {"first_response": True, "handling": 3}}},
     "categories.咨询.first_response"),
    ({"categories": {**POLICY["categories"], "建言": {"first_response": 5}}}, "categories.建言.handling"),
    ({"categories": {**POLICY["categories"], "建言": {"first_response": 5, "handling": "2 个工作日"}}},
     "categories.建言.handling"),
])
def test_an_invalid_policy_names_the_field(change: Dict[str, Any], field: str) -> None:
    with pytest.raises(PolicyError) as error:
        Policy.from_mapping({**POLICY, **change}, "policy.yml")
    assert f"policy.yml：{field}" in str(error.value)


def test_the_shipped_policy_is_valid() -> None:
    rules = load_policy(DEFAULT_FILE)
    assert set(rules.categories) == {"投诉求助", "建言", "咨询"}
    assert rules.first_response_phrase("投诉求助") == "1个工作日内首次答复"


def _write_text(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # same clock tick: make the change visible
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_the_file_is_reread_when_it_changes_and_a_broken_edit_keeps_the_last_valid_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "policy.yml"
    monkeypatch.setenv("WORKORDER_POLICY_FILE", str(path))
    with pytest.raises(PolicyError, match="无法读取"):
        load_policy()  # missing
    _write_text(path, "")
    with pytest.raises(PolicyError, match="categories 缺少"):
        load_policy()
    _write_text(path, "categories: [投诉求助\n")
    with pytest.raises(PolicyError, match=str(path)):
        load_policy()  # broken YAML, never loaded before: an error, not a guess
    assert promise("投诉求助", local(2026, 9, 30, 10, 0)) == "工作人员会尽快答复"
    write_hours(path, POLICY)  # the shared YAML writer (bumps the modification time)
    assert load_policy().first_response_phrase("咨询") == "4小时内首次答复"
    changed = {"categories": {**POLICY["categories"], "咨询": {"first_response": "2 个工作日", "handling": 4}}}
    write_hours(path, changed)
    assert load_policy().first_response_phrase("咨询") == "2个工作日内首次答复"
    _write_text(path, "categories:\n  咨询: {first_response: 很快}\n")
    assert load_policy().first_response_phrase("咨询") == "2个工作日内首次答复"  # kept, error logged
    assert promise("咨询", local(2026, 9, 30, 10, 0)).startswith("2个工作日内首次答复（最晚10月9日（周五））")
