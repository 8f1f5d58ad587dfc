"""The service-centres dataset is derived from the registry (its owner), never edited by hand.

``python -m bot opendata export-centres`` writes, from data/registry/locations.yaml, the
``service_centres`` snapshot in CKAN ``datastore_search`` format (what the city publishes on its
portal), plus its ``package_show`` metadata. ``--check`` only compares and fails on any
difference, so CI catches a registry change without a re-export.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.opendata.config import DatasetConfig, OpenDataConfig

logger = logging.getLogger(__name__)

DATASET = "service_centres"
HOUR_FIELDS = (("weekday", "工作日办公时间"), ("saturday", "周六办公时间"), ("sunday", "周日办公时间"),
               ("holiday", "法定节假日办公时间"))
CLOSED = "休息"
_FIELDS: Sequence[Tuple[str, str, str]] = (  # portal field, CKAN type, registry key
    ("编码", "text", "code"),
    ("名称", "text", "name"),
    ("所属区", "text", "district"),
    ("地址", "text", "address"),
    ("联系电话", "text", "phone"),
    ("纬度", "numeric", "latitude"),
    ("经度", "numeric", "longitude"),
    *((label, "text", f"hours.{key}") for key, label in HOUR_FIELDS),
    ("办公说明", "text", "hours_note"),
    ("交通指引", "text", "transport"),
)
SAMPLE_NOTE = ("示例数据：江州市为虚构城市，本数据集由政务服务事项库（data/registry/locations.yaml）自动生成，"
               "名称、地址、电话、坐标均为虚构。")


def hours_to_text(periods: Sequence[str]) -> str:
    return ",".join(periods) if periods else CLOSED


def text_to_hours(value: Optional[str]) -> List[str]:
    if not value or value.strip() == CLOSED:
        return []
    return [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]


def read_locations(path: Path) -> Tuple[List[Dict[str, Any]], Optional[date]]:
    """Locations through the registry's own validator, and the newest ``updated`` date."""
    from bot.registry.importer import parse_locations
    from bot.registry.schema import RegistryError

    records, problems = parse_locations(path)
    if problems:
        raise RegistryError("\n".join(str(p) for p in problems))
    updated = max((r["updated"] for r in records if r.get("updated")), default=None)
    return records, updated


def _record(loc: Mapping[str, Any], index: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {"_id": index}
    for label, _kind, key in _FIELDS:
        if key.startswith("hours."):
            out[label] = hours_to_text((loc.get("hours") or {}).get(key[6:], []))
        else:
            value = loc.get(key)
            out[label] = value if value is not None else ""
    return out


def build_snapshot(locations: Sequence[Mapping[str, Any]], dataset: DatasetConfig,
                   updated: Optional[date]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(datastore_search response, package_show response) for the centres."""
    ordered = sorted(locations, key=lambda loc: (loc.get("district") is not None, loc["code"]))
    records = [_record(loc, i) for i, loc in enumerate(ordered, start=1)]
    fields = [{"id": "_id", "type": "int"}] + [{"id": label, "type": kind} for label, kind, _ in _FIELDS]
    stamp = f"{updated.isoformat()}T00:00:00" if updated else None
    datastore = {
        "help": "CKAN datastore_search 响应格式。" + SAMPLE_NOTE,
        "success": True,
        "result": {"resource_id": dataset.resource_id, "fields": fields, "records": records,
                   "total": len(records)},
    }
    package = {
        "help": "CKAN package_show 响应格式。" + SAMPLE_NOTE,
        "success": True,
        "result": {
            "id": dataset.package or DATASET,
            "name": dataset.package or DATASET,
            "title": "江州市政务服务中心名录（示例数据）",
            "notes": "各区政务服务中心及市民中心的地址、电话、办公时间。" + SAMPLE_NOTE,
            "organization": {"title": "江州市政务服务管理办公室（示例）"},
            "license_title": "示例数据，仅供开发测试",
            "metadata_modified": stamp,
            "resources": [{"id": dataset.resource_id, "name": "政务服务中心名录", "format": "JSON",
                           "datastore_active": True, "last_modified": stamp}],
        },
    }
    return datastore, package


def snapshot_paths(folder: Path) -> Tuple[Path, Path]:
    return folder / f"{DATASET}.json", folder / f"{DATASET}.package.json"


def _dump(data: Dict[str, Any]) -> str:
    from bot.opendata.snapshots import format_response

    return format_response(data)


def export(config: OpenDataConfig, locations_file: Path, folder: Path, *, check: bool = False) -> List[str]:
    """Write (or with ``check`` only compare) the centres snapshot; returns the differences."""
    dataset = config.datasets[DATASET]
    locations, updated = read_locations(locations_file)
    datastore, package = build_snapshot(locations, dataset, updated)
    differences: List[str] = []
    for path, data in zip(snapshot_paths(folder), (datastore, package), strict=True):
        wanted = _dump(data)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != wanted:
            differences.append(f"{path.name} 与 {locations_file.name} 不一致" if current else f"{path.name} 不存在")
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(wanted, encoding="utf-8")
                logger.info("wrote %s", path)
    return differences


def compare_rows(rows: Sequence[Mapping[str, Any]], locations: Sequence[Mapping[str, Any]]) -> List[str]:
    """Differences between synced centre rows (our schema after mapping) and registry locations."""
    problems: List[str] = []
    by_code = {row.get("code"): row for row in rows}
    for loc in locations:
        row = by_code.pop(loc["code"], None)
        if row is None:
            problems.append(f"{loc['code']} {loc['name']}：开放数据中没有")
            continue
        for key in ("name", "address", "phone"):
            if (row.get(key) or "") != (loc.get(key) or ""):
                problems.append(f"{loc['code']}：{key} 不同（开放数据 {row.get(key)!r}，事项库 {loc.get(key)!r}）")
        if (row.get("district") or None) != (loc.get("district") or None):
            problems.append(f"{loc['code']}：district 不同")
        for key in ("latitude", "longitude"):
            if row.get(key) is not None and loc.get(key) is not None and abs(float(row[key]) - float(loc[key])) > 1e-6:
                problems.append(f"{loc['code']}：{key} 不同")
        for key, _label in HOUR_FIELDS:
            if text_to_hours(row.get(f"hours_{key}")) != list((loc.get("hours") or {}).get(key, [])):
                problems.append(f"{loc['code']}：{key} 办公时间不同")
    for code in by_code:
        problems.append(f"{code}：事项库中没有此办理地点")
    return problems
