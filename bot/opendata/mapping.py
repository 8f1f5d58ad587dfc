"""Field mapping and validation: portal records -> rows in our own schema.

A payload is accepted whole or not at all: one record with a missing required field, a value
of the wrong type, a duplicate, fewer records than the portal declared, or no records at all
rejects the payload, and the sync keeps the previous copy.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Sequence

from bot.opendata.config import DatasetConfig
from bot.opendata.errors import InvalidPayload

logger = logging.getLogger(__name__)

_LIST_SPLIT = re.compile(r"[;；、,，|]")


def map_records(
    records: Sequence[Any],
    dataset: DatasetConfig,
    *,
    declared_fields: Optional[Sequence[str]] = None,
    declared_total: Optional[int] = None,
) -> List[Dict[str, Any]]:
    problems: List[str] = []
    if declared_fields is not None:
        absent = [f"{ours}←{theirs}" for ours, theirs in dataset.fields.items()
                  if theirs not in declared_fields and ours in dataset.required]
        if absent:
            problems.append(f"门户数据中没有这些必填字段（字段映射需更新）：{', '.join(absent)}")
    if declared_total is not None and len(records) != declared_total:
        problems.append(f"只取到 {len(records)} 条记录，门户声明共 {declared_total} 条（数据不完整）")
    if len(records) < dataset.min_rows:
        problems.append(f"记录数 {len(records)} 少于下限 {dataset.min_rows}（空数据不会覆盖缓存）")
    rows: List[Dict[str, Any]] = []
    seen_ids: Dict[Any, int] = {}
    seen_keys: Dict[Any, int] = {}
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            problems.append(f"第 {index} 条记录不是对象")
            continue
        label = _label(index, record, dataset)
        row: Dict[str, Any] = {}
        for ours, theirs in dataset.fields.items():
            raw = record.get(theirs)
            if isinstance(raw, str):
                raw = raw.strip()
            if raw is None or raw == "":
                if ours in dataset.required:
                    problems.append(f"{label}缺少必填字段 {ours}（门户字段“{theirs}”）")
                row[ours] = None
                continue
            try:
                row[ours] = convert(raw, dataset.types.get(ours, "str"))
            except (TypeError, ValueError):
                problems.append(f"{label}字段 {ours}（门户字段“{theirs}”）的值 {raw!r} 不是 {dataset.types.get(ours)}")
                row[ours] = None
        source_id = record.get("_id")
        if source_id is not None:
            if source_id in seen_ids:
                problems.append(f"{label}与第 {seen_ids[source_id]} 条记录的 _id 重复（分页返回了重复数据）")
            seen_ids[source_id] = index
            row["_id"] = source_id
        if dataset.key and row.get(dataset.key) is not None:
            if row[dataset.key] in seen_keys:
                problems.append(f"{label}的 {dataset.key} 与第 {seen_keys[row[dataset.key]]} 条重复")
            seen_keys[row[dataset.key]] = index
        rows.append(row)
    if problems:
        raise InvalidPayload(problems)
    return rows


def convert(value: Any, kind: str) -> Any:
    if kind == "str":
        if isinstance(value, (dict, list)):
            raise TypeError(value)
        return str(value)
    if kind == "int":
        if isinstance(value, bool):
            raise TypeError(value)
        number = float(value)
        if number != int(number):
            raise ValueError(value)
        return int(number)
    if kind == "float":
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    if kind == "list":
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in _LIST_SPLIT.split(str(value)) if part.strip()]
    raise ValueError(kind)


def _label(index: int, record: Dict[str, Any], dataset: DatasetConfig) -> str:
    name_field = dataset.fields.get("name")
    name = record.get(name_field) if name_field else None
    ident = f"_id={record['_id']}" if "_id" in record else ""
    extra = "，".join(x for x in (ident, f"“{name}”" if name else "") if x)
    return f"第 {index} 条记录（{extra}）" if extra else f"第 {index} 条记录"
