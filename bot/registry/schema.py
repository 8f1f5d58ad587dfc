"""Validation of registry seed records; errors name the file, record and field."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PERIOD_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
HOUR_KEYS = ("weekday", "saturday", "sunday", "holiday")
# 材料类型: the paper kind a material is, whatever way it is handed in
MATERIAL_FORMS = {"原件", "复印件", "原件及复印件"}
# how a material is handed in (提交方式): paper; an electronic licence shown instead (电子证照, 亮证);
# or nothing at all because the department obtains it by data sharing (免提交)
SUBMIT_MODES = ("纸质", "电子证照", "免提交")
# things that are no licence and so never 电子证照 (a photo, a web address, a bank account)
NOT_LICENCES = ("照片", "相片", "网址", "链接", "账户", "账号", "银行卡")
AUDIENCES = {"自然人", "企业法人", "事业单位法人", "社会组织法人", "其他组织"}


class RegistryError(ValueError):
    """A seed file that cannot be imported; the message says where and why."""


@dataclass
class Problem:
    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field}: {self.message}"


class Checker:
    """Collects every problem in a file instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: List[Problem] = []

    def fail(self, record: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, record, field, message))

    def text(
        self, rec: Dict[str, Any], name: str, field: str, *, required: bool = True, max_len: int = 300
    ) -> Optional[str]:
        value = rec.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, field, "缺少必填字段 (required field missing)")
            return None if value is None else ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(name, field, f"应为文本，实际为 {type(value).__name__}")
            return None
        value = str(value).strip()
        if len(value) > max_len:
            self.fail(name, field, f"超过 {max_len} 字")
        return value

    def integer(
        self, rec: Dict[str, Any], name: str, field: str, *, required: bool, low: int = 0, high: int = 3650
    ) -> Optional[int]:
        value = rec.get(field)
        if value is None:
            if required:
                self.fail(name, field, "缺少必填字段 (required field missing)")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(name, field, f"应为 {low}-{high} 的整数，实际为 {value!r}")
            return None
        return value

    def boolean(self, rec: Dict[str, Any], name: str, field: str, default: bool) -> bool:
        value = rec.get(field, default)
        if not isinstance(value, bool):
            self.fail(name, field, f"应为 true/false，实际为 {value!r}")
            return default
        return value

    def str_list(self, rec: Dict[str, Any], name: str, field: str, *, required: bool) -> List[str]:
        value = rec.get(field)
        if value is None:
            if required:
                self.fail(name, field, "缺少必填字段 (required field missing)")
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(name, field, "应为非空文本列表")
            return []
        return [v.strip() for v in value]

    def day(self, rec: Dict[str, Any], name: str, field: str, default: Optional[date]) -> Optional[date]:
        value = rec.get(field, default)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(name, field, f"应为日期 YYYY-MM-DD，实际为 {value!r}")
        return None

    def code(self, rec: Dict[str, Any], name: str, field: str = "code") -> Optional[str]:
        value = self.text(rec, name, field, max_len=64)
        if value and not CODE_RE.match(value):
            self.fail(name, field, f"编码只能含字母、数字、- 和 _：{value!r}")
            return None
        return value

    def hours(self, rec: Dict[str, Any], name: str) -> Dict[str, List[str]]:
        value = rec.get("hours")
        if not isinstance(value, dict):
            self.fail(name, "hours", "应为含 weekday/saturday/sunday/holiday 的映射")
            return {}
        unknown = set(value) - set(HOUR_KEYS)
        if unknown:
            self.fail(name, "hours", f"未知的键 {sorted(unknown)}")
        result: Dict[str, List[str]] = {}
        for key in HOUR_KEYS:
            periods = value.get(key, [])
            if not isinstance(periods, list):
                self.fail(name, f"hours.{key}", "应为时段列表")
                continue
            for period in periods:
                if not isinstance(period, str) or not PERIOD_RE.match(period) or period[:5] >= period[6:]:
                    self.fail(name, f"hours.{key}", f"时段格式应为 HH:MM-HH:MM：{period!r}")
            result[key] = [p for p in periods if isinstance(p, str)]
        if not result.get("weekday"):
            self.fail(name, "hours.weekday", "工作日办公时间不能为空")
        return result
