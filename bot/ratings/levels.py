"""The five national 好差评 levels, the standard 差评 reasons, and their buttons.

No Rasa import here: the web process (desk hand-back) builds the same buttons.
"""
from __future__ import annotations

import json
import unicodedata
from typing import Any, Dict, List, Optional

# best first, as GB/T 39734-2020 lists them; 2 and 1 are 差评
LEVELS: Dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = (2, 1)
SATISFIED_LEVELS = (5, 4, 3)  # what 满意率 counts

# standard reasons offered after a 差评 (and, optionally, after 基本满意)
REASONS = ("答非所问", "材料说明不清楚", "办理流程太复杂", "等待时间太长", "工作人员态度不好", "其他")

PROMPT_TEXT = "这次解答对您有帮助吗？欢迎点下面的按钮评价（也可以不评价，直接继续提问）："
REASON_PROMPT_TEXT = "方便的话，请告诉我们主要是哪方面的问题（可不选）："
RATE_PAYLOAD_PREFIX = "/rate{"  # how a rating prompt is recognised among earlier bot messages

_BY_NAME = {name: level for level, name in LEVELS.items()}


def level_name(level: int) -> str:
    """非常满意 … 非常不满意; ValueError for anything but 1–5."""
    if level not in LEVELS:
        raise ValueError(f"no such rating level: {level!r}")
    return LEVELS[level]


def is_bad(level: int) -> bool:
    """差评: a staff member must follow it up."""
    return level in BAD_LEVELS


def parse_level(value: Any) -> Optional[int]:
    """1–5 from a button's entity or typed text: 5, "5", "５", "5分", "非常满意"; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in LEVELS else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if text in _BY_NAME:
        return _BY_NAME[text]
    text = text.rstrip("分星").strip()
    if text.isdigit() and int(text) in LEVELS:
        return int(text)
    return None


def _payload(**entities: str) -> str:
    # the same form as actions.common.payload (which needs rasa_sdk)
    return f"/rate{json.dumps(entities, ensure_ascii=False)}"


def rating_buttons() -> List[Dict[str, str]]:
    """The five levels, best first: title 非常满意, payload /rate{"rating": "5"}."""
    return [{"title": name, "payload": _payload(rating=str(level))} for level, name in LEVELS.items()]


def reason_buttons() -> List[Dict[str, str]]:
    """The standard reasons: title 答非所问, payload /rate{"rating_reason": "答非所问"}."""
    return [{"title": reason, "payload": _payload(rating_reason=reason)} for reason in REASONS]


def satisfaction_rate(counts: Dict[int, int]) -> Optional[float]:
    """满意率: (非常满意 + 满意 + 基本满意) / all ratings; None when there are none."""
    total = sum(counts.values())
    if not total:
        return None
    return sum(counts.get(level, 0) for level in SATISFIED_LEVELS) / total


__all__ = ["BAD_LEVELS", "LEVELS", "PROMPT_TEXT", "RATE_PAYLOAD_PREFIX", "REASONS", "REASON_PROMPT_TEXT",
           "SATISFIED_LEVELS", "is_bad", "level_name", "parse_level", "rating_buttons", "reason_buttons",
           "satisfaction_rate"]
