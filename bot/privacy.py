"""Masks personal data (身份证号, 手机号, bank card numbers) before anything is logged.

Installed as a logging filter in every process: Rasa and the action server through
``bot/logging.yml`` (their ``--logging-config-file``), our own commands through
:func:`install`.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

# A number starts after a non-alphanumeric character, or right after a JSON escape such as
# "\u53f7" (Rasa's debug logs write Chinese text JSON-escaped, so "号13812345678" appears as
# "\u53f713812345678").
# The digits after a decimal point ("confidence": 0.9971204638481140) are never a number to mask.
_START = r"(?:(?<=\\u[0-9a-fA-F]{4})|(?<![0-9A-Za-z])(?<!\d\.))"
_START_DIGIT = r"(?:(?<=\\u[0-9a-fA-F]{4})|(?<!\d)(?<!\d\.))"
# 18-digit resident ID (last may be X) and the old 15-digit form
_ID_CARD = re.compile(_START + r"([1-9]\d{5})(?:\d{8}|\d{6})\d{3}[0-9Xx](?![0-9A-Za-z])|" + _START_DIGIT
                      + r"([1-9]\d{5})\d{9}(?!\d)")
_MOBILE = re.compile(_START_DIGIT + r"(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_BANK_CARD = re.compile(_START_DIGIT + r"(\d{4})\d{8,11}(\d{4})(?!\d)")
# the same numbers as people also write them, in groups: 138 1234 5678, 138-1234-5678,
# 110101 19900307 1234, 6222 0212 3456 7890 123 (space, hyphen or ideographic space between groups)
_SEP = r"[ \-\u3000]"
_ID_GROUPED = re.compile(_START_DIGIT + r"([1-9]\d{5})" + _SEP + r"\d{8}" + _SEP + r"\d{3}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_GROUPED = re.compile(_START_DIGIT + r"(1[3-9]\d)" + _SEP + r"?\d{4}" + _SEP + r"?(\d{4})(?!\d)")
_CARD_GROUPED = re.compile(_START_DIGIT + r"(\d{4})(?:" + _SEP + r"\d{4}){3}(?:" + _SEP + r"\d{1,3})?(?!\d)")


def _keep_first(match: re.Match) -> str:
    """The first group as written, every later digit starred (separators kept)."""
    head = match.group(1)
    return head + re.sub(r"[0-9Xx]", "*", match.group(0)[len(head):])


def mask_pii(text: str) -> str:
    """身份证号 keeps its first 6 digits (region), 手机号 its first 3 and last 4, bank cards their
    first 4 (and last 4 when written without spaces); also when written in groups."""
    text = _ID_CARD.sub(lambda m: (m.group(1) or m.group(2)) + "*" * (len(m.group(0)) - 6), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _BANK_CARD.sub(lambda m: f"{m.group(1)}{'*' * (len(m.group(0)) - 8)}{m.group(2)}", text)
    text = _ID_GROUPED.sub(_keep_first, text)
    text = _MOBILE_GROUPED.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _CARD_GROUPED.sub(_keep_first, text)


def mask_phone(phone: Optional[str]) -> Optional[str]:
    """A phone number for views: 138****5678, or the first 3 and last 4 characters of any other number."""
    if not phone:
        return phone
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 7:
        return "*" * len(phone)
    masked = mask_pii(phone)
    if masked != phone:
        return masked
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask_value(v) for v in value)
    return value


class PiiMaskingFilter(logging.Filter):
    """Rewrites the message and its arguments of every record that passes a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is still logged, unformatted
            return True
        record.msg = mask_pii(message)
        record.args = ()
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        return True


def install(logger: logging.Logger = logging.getLogger()) -> None:
    """Attach the filter to every handler of ``logger`` (the root logger by default)."""
    for handler in logger.handlers:
        if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
            handler.addFilter(PiiMaskingFilter())
