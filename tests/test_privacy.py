"""Personal data never reaches a log line unmasked."""
from __future__ import annotations

import logging

import pytest

from bot.privacy import PiiMaskingFilter, mask_pii


@pytest.mark.parametrize("raw, hidden, kept", [
    ("我的身份证号是110101199003071234", "19900307", "110101"),
    ("身份证 11010119900307123X 丢了", "19900307123X", "110101"),
    ("手机13812345678联系我", "1381234", "138****5678"),
    ("卡号6222021234567890123", "02123456789", "6222"),
])
def test_mask_pii(raw: str, hidden: str, kept: str) -> None:
    masked = mask_pii(raw)
    assert hidden not in masked and kept in masked


def test_ordinary_numbers_stay(self=None) -> None:  # type: ignore[no-untyped-def]
    text = "承诺 20 个工作日，电话 0000-86100001，2026-10-15"
    assert mask_pii(text) == text


def test_filter_masks_message_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("privacy-test")
    handler_filter = PiiMaskingFilter()
    record = logger.makeRecord("privacy-test", logging.INFO, __file__, 1, "user %s said %s",
                               ("13812345678", {"id": "110101199003071234"}), None)
    assert handler_filter.filter(record)
    text = record.getMessage()
    assert "13812345678" not in text and "199003071234" not in text and "138****5678" in text


def test_numbers_inside_json_escaped_chinese_are_masked() -> None:
    """Rasa's debug log writes "手机号13812345678" as "\\u624b\\u673a\\u53f713812345678"."""
    line = '{"text": "\\u624b\\u673a\\u53f713812345678,\\u8eab\\u4efd\\u8bc1110101199003071234"}'
    masked = mask_pii(line)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "199003071234" not in masked and "110101" in masked
