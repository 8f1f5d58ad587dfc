"""Numbers as residents type them, in what is stored: also in groups (spaces, hyphens, ideographic
spaces), since a form accepts "138 1234 5678" and the raw text is part of the stored event.

Tried: 手机号 3-4-4 with spaces and hyphens, 身份证号 6-8-4, bank cards in groups of four (16 and 19
digits); dates, the hotline, office numbers with area code and short numbers (kept); digits
around a grouped number (not a number on its own: kept).
"""
from __future__ import annotations

import pytest

from bot.tracking.masking import mask_event


@pytest.mark.parametrize("said, hidden, shown", [
    ("我的电话 138 1234 5678", "1234", "138****5678"),
    ("电话138-1234-5678。", "1234", "138****5678"),
    ("手机：139\u30001234\u30005678", "1234", "139****5678"),
    ("身份证 110101 19900307 1234", "19900307", "110101 ******** ****"),
    ("身份证 110101-19900307-123X", "19900307", "110101-********-****"),
    ("卡号 6222 0212 3456 7890", "0212", "6222 **** **** ****"),
    ("卡号 6222 0212 3456 7890 123", "7890", "6222 **** **** **** ***"),
])
def test_grouped_numbers_are_masked(said: str, hidden: str, shown: str) -> None:
    stored = mask_event({"event": "user", "text": said, "parse_data": {"text": said}})
    assert hidden not in stored["text"] and shown in stored["text"]
    assert stored["parse_data"]["text"] == stored["text"]


@pytest.mark.parametrize("said", ["2026-10-15 上午", "热线 12345", "电话 0000-86100001", "承诺 20 个工作日",
                                  "第 1 2 3 项", "138 1234 56789", "1138 1234 5678"])
def test_ordinary_numbers_are_kept(said: str) -> None:
    assert mask_event({"event": "user", "text": said})["text"] == said
