"""The bot's one time zone: halls and residents are all on Asia/Shanghai wall time.

Kept apart so every hours module (and the stores) read and convert clocks the same way.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now_local() -> datetime:
    """The real clock in Asia/Shanghai (actions take a clock so tests can fix it)."""
    return datetime.now(TZ)


def to_local(when: datetime) -> datetime:
    """Naive datetimes are taken as Asia/Shanghai wall time."""
    return when.replace(tzinfo=TZ) if when.tzinfo is None else when.astimezone(TZ)
