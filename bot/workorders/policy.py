"""Time limits of work orders per category: when the first response and the closing are due.

``data/workorders/policy.yml`` (or the file ``WORKORDER_POLICY_FILE`` names) gives, per category
(投诉求助 / 建言 / 咨询), ``first_response`` and ``handling`` as ``N 个工作日`` or ``N 小时``. Working
days follow the official calendar (statutory holidays off, 调休 weekend days on, through
:func:`bot.ratings.store.add_working_days`); a limit of N working days ends at 24:00 of the N-th
working day after the filing day, so an order filed on a Friday evening or on a holiday gets the
same whole working days as one filed on a Monday morning. Hours count from the filing moment.

The file is read again when its modification time changes (like the desk hours), so a new limit
applies from the next order. An invalid file is a :class:`PolicyError` that names the file and
the field; a running process keeps the last valid version (and logs the error) rather than
filing orders without limits.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import yaml

from bot.config import PROJECT_ROOT
from bot.hours.calendar import WEEKDAYS_ZH
from bot.hours.clock import TZ, to_local
from bot.ratings.store import add_working_days
from bot.workorders.models import CATEGORIES

logger = logging.getLogger(__name__)

DEFAULT_FILE = PROJECT_ROOT / "data" / "workorders" / "policy.yml"
ENV_VAR = "WORKORDER_POLICY_FILE"
FIELDS = ("first_response", "handling")
_LIMIT = re.compile(r"^\s*(\d+)\s*(?:个)?\s*(工作日|小时)\s*$")
MAX_AMOUNT = {"工作日": 365, "小时": 24 * 365}


class PolicyError(ValueError):
    """The policy file is missing or invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # 工作日 | 小时

    def due(self, start: datetime) -> datetime:
        """The deadline (UTC) for something that started at ``start``."""
        if self.unit == "小时":
            return start.astimezone(timezone.utc) + timedelta(hours=self.amount)
        last = add_working_days(to_local(start).date(), self.amount)
        return datetime.combine(last + timedelta(days=1), time(0), TZ).astimezone(timezone.utc)

    @property
    def phrase(self) -> str:
        """「1个工作日」「4小时」."""
        return f"{self.amount}{'个工作日' if self.unit == '工作日' else '小时'}"

    def as_dict(self) -> Dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit, "text": self.phrase}


@dataclass(frozen=True)
class CategoryPolicy:
    first_response: Limit
    handling: Limit


@dataclass(frozen=True)
class Deadlines:
    first_response: datetime  # UTC
    handling: datetime  # UTC
    phrase: str  # for the resident: 「1个工作日内首次答复（最晚11月30日（周一）），5个工作日内办结」


@dataclass(frozen=True)
class Policy:
    categories: Mapping[str, CategoryPolicy]
    source: str = ""

    @classmethod
    def from_mapping(cls, data: Any, source: str = "policy") -> Policy:
        if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
            raise PolicyError(f"{source}：categories 缺少或格式不对：应列出每类诉求的 first_response 和 handling")
        given: Dict[str, Any] = data["categories"]
        unknown = [str(name) for name in given if name not in CATEGORIES]
        if unknown:
            raise PolicyError(f"{source}：categories.{unknown[0]} 不是诉求类型；应为 {'、'.join(CATEGORIES)}")
        parsed: Dict[str, CategoryPolicy] = {}
        for category in CATEGORIES:
            entry = given.get(category)
            if not isinstance(entry, dict):
                raise PolicyError(f"{source}：categories.{category} 缺少或格式不对：应有 first_response 和 handling")
            first, handling = (_limit(entry.get(name), f"{source}：categories.{category}.{name}") for name in FIELDS)
            if first.unit == handling.unit and handling.amount < first.amount:
                raise PolicyError(f"{source}：categories.{category}.handling（{handling.phrase}）"
                                  f"不能短于 first_response（{first.phrase}）")
            parsed[category] = CategoryPolicy(first, handling)
        return cls(parsed, source)

    def of(self, category: str) -> CategoryPolicy:
        try:
            return self.categories[category]
        except KeyError:
            raise PolicyError(f"没有诉求类型「{category}」的时限；应为 {'、'.join(CATEGORIES)}") from None

    def deadlines(self, category: str, start: datetime) -> Deadlines:
        limits = self.of(category)
        first, handling = limits.first_response.due(start), limits.handling.due(start)
        phrase = (f"{limits.first_response.phrase}内首次答复（最晚{due_text(first, limits.first_response)}），"
                  f"{limits.handling.phrase}内办结")
        return Deadlines(first, handling, phrase)

    def first_response_phrase(self, category: str) -> str:
        """「1个工作日内首次答复」."""
        return f"{self.of(category).first_response.phrase}内首次答复"

    def as_dict(self) -> Dict[str, Any]:
        return {name: {"first_response": p.first_response.as_dict(), "handling": p.handling.as_dict()}
                for name, p in self.categories.items()}


def due_text(due: datetime, limit: Limit) -> str:
    """「11月30日（周一）」for a working-day limit (it ends at 24:00 of the day before ``due``),
    「11月30日（周一）14:05」for an hour limit."""
    local = to_local(due)
    if limit.unit == "工作日":
        day = (local - timedelta(seconds=1)).date()
        return f"{day.month}月{day.day}日（{WEEKDAYS_ZH[day.weekday()]}）"
    return f"{local.month}月{local.day}日（{WEEKDAYS_ZH[local.weekday()]}）{local:%H:%M}"


def _limit(value: Any, field: str) -> Limit:
    if isinstance(value, bool):
        raise PolicyError(f"{field} 应写作「N 个工作日」或「N 小时」，而不是「{value}」")
    if isinstance(value, int):
        amount, unit = value, "工作日"
    else:
        match = _LIMIT.match(str(value)) if value is not None else None
        if match is None:
            shown = "（空）" if value is None else str(value)[:40]
            raise PolicyError(f"{field} 应写作「N 个工作日」或「N 小时」，而不是「{shown}」")
        amount, unit = int(match.group(1)), match.group(2)
    if not 1 <= amount <= MAX_AMOUNT[unit]:
        raise PolicyError(f"{field} 的时限应在 1 到 {MAX_AMOUNT[unit]} {unit}之间，而不是 {amount}")
    return Limit(amount, unit)


class _PolicyFile:
    """The policy file, read again when its modification time changes; the last valid one kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: Dict[str, Tuple[float, Policy]] = {}

    def load(self, path: Optional[Path] = None) -> Policy:
        path = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
        with self._lock:
            cached = self._cache.get(str(path))
            try:
                mtime = path.stat().st_mtime
                if cached and cached[0] == mtime:
                    return cached[1]
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                policy = Policy.from_mapping(data, str(path))
            except (OSError, yaml.YAMLError, PolicyError) as exc:
                message = str(exc) if isinstance(exc, PolicyError) else f"{path}：无法读取（{exc}）"
                if cached:
                    logger.error("work-order policy invalid, keeping the previous version: %s", message)
                    return cached[1]
                raise PolicyError(message) from None
            self._cache[str(path)] = (mtime, policy)
            return policy


load_policy = _PolicyFile().load


def promise(category: str, start: datetime) -> str:
    """What the resident is told comes next; never fails (an unreadable policy is logged)."""
    try:
        return load_policy().deadlines(category, start).phrase
    except PolicyError as exc:
        logger.error("work-order policy unavailable: %s", exc)
        return "工作人员会尽快答复"
