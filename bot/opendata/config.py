"""The portal file (data/opendata/portal.yml): portals, datasets and their field mappings.

A deployment points the assistant at its own city's portal by editing this file only: the
portal's base URL and adapter type, and for each dataset the package / resource id and which
portal field feeds each of our fields.

This module reads and checks the file; it does not import the adapters (they import it), so
the portal types the file may name are listed here in :data:`ADAPTER_TYPES`.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from bot.opendata.errors import ConfigError

logger = logging.getLogger(__name__)

FIELD_TYPES = ("str", "int", "float", "list")
# each has a class in bot.opendata.adapters.ADAPTERS (tests/opendata/test_adapters.py checks both agree)
ADAPTER_TYPES: Tuple[str, ...] = ("ckan",)
DEFAULT_USER_AGENT = "JiangzhouGovAssistant/1.0 (open-data sync; +https://zwfw.jiangzhou.example)"


@dataclass(frozen=True)
class PortalConfig:
    key: str
    title: str
    type: str  # adapter type: "ckan"
    base_url: str  # http(s)://... or file:///... (snapshot folder)
    sample: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 1.0
    page_size: int = 100
    max_pages: int = 200
    api_key_env: str = ""  # name of an environment variable holding the API key (never the key)

    @property
    def api_key(self) -> str:
        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""


@dataclass(frozen=True)
class DatasetConfig:
    name: str
    title: str
    portal: str
    resource_id: str
    package: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)  # our field -> portal field
    types: Mapping[str, str] = field(default_factory=dict)  # our field -> str/int/float/list
    required: Tuple[str, ...] = ()
    key: str = ""  # our field that must be unique per row (besides the portal's _id)
    min_rows: int = 1


@dataclass(frozen=True)
class OpenDataConfig:
    path: Path
    portals: Mapping[str, PortalConfig]
    datasets: Mapping[str, DatasetConfig]
    stale_after_days: int = 14

    def portal_for(self, dataset: DatasetConfig) -> PortalConfig:
        return self.portals[dataset.portal]

    def select(self, names: Optional[List[str]] = None) -> List[DatasetConfig]:
        if not names:
            return list(self.datasets.values())
        unknown = [n for n in names if n not in self.datasets]
        if unknown:
            raise ConfigError(f"未配置的数据集：{', '.join(unknown)}（可选：{', '.join(self.datasets)}）")
        return [self.datasets[n] for n in names]


def resolve_base_url(raw: str, folder: Path) -> str:
    """``file:snapshots`` is relative to the portal file's folder; other URLs are kept."""
    raw = raw.strip()
    if raw.startswith("file:") and not raw.startswith("file://"):
        return (folder / raw[len("file:"):]).resolve().as_uri()
    return raw.rstrip("/")


def load_config(path: Optional[Path] = None) -> OpenDataConfig:
    if path is None:
        from bot.config import get_settings

        path = get_settings().portal_file
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"找不到门户配置文件 {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML 格式错误：{exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: 顶层应为映射（portals、datasets）")
    problems: List[str] = []
    portals = _portals(data.get("portals"), path.parent, problems)
    datasets = _datasets(data.get("datasets"), portals, problems)
    stale = data.get("stale_after_days", 14)
    if not isinstance(stale, int) or stale < 1:
        problems.append("stale_after_days 应为正整数")
        stale = 14
    if problems:
        raise ConfigError(f"{path}: " + "；".join(problems))
    return OpenDataConfig(path=path, portals=portals, datasets=datasets, stale_after_days=stale)


def _portals(raw: Any, folder: Path, problems: List[str]) -> Dict[str, PortalConfig]:
    if not isinstance(raw, dict) or not raw:
        problems.append("portals 应为非空映射")
        return {}
    result: Dict[str, PortalConfig] = {}
    for key, rec in raw.items():
        if not isinstance(rec, dict):
            problems.append(f"portals.{key} 应为映射")
            continue
        missing = [f for f in ("title", "type", "base_url") if not rec.get(f)]
        if missing:
            problems.append(f"portals.{key} 缺少 {', '.join(missing)}")
            continue
        if rec["type"] not in ADAPTER_TYPES:
            problems.append(f"portals.{key}.type 不支持 {rec['type']!r}（可用：{', '.join(ADAPTER_TYPES)}）")
            continue
        try:
            result[str(key)] = PortalConfig(
                key=str(key),
                title=str(rec["title"]),
                type=str(rec["type"]),
                base_url=resolve_base_url(str(rec["base_url"]), folder),
                sample=bool(rec.get("sample", False)),
                user_agent=str(rec.get("user_agent") or DEFAULT_USER_AGENT),
                timeout=float(rec.get("timeout", 10)),
                retries=max(0, min(int(rec.get("retries", 2)), 5)),
                backoff=max(0.0, float(rec.get("backoff", 1.0))),
                page_size=max(1, min(int(rec.get("page_size", 100)), 32000)),
                max_pages=max(1, int(rec.get("max_pages", 200))),
                api_key_env=str(rec.get("api_key_env") or ""),
            )
        except (TypeError, ValueError) as exc:
            problems.append(f"portals.{key}: {exc}")
    return result


def _datasets(raw: Any, portals: Mapping[str, PortalConfig], problems: List[str]) -> Dict[str, DatasetConfig]:
    if not isinstance(raw, dict) or not raw:
        problems.append("datasets 应为非空映射")
        return {}
    result: Dict[str, DatasetConfig] = {}
    for name, rec in raw.items():
        where = f"datasets.{name}"
        if not isinstance(rec, dict):
            problems.append(f"{where} 应为映射")
            continue
        portal = str(rec.get("portal") or (next(iter(portals)) if len(portals) == 1 else ""))
        if portal not in portals:
            problems.append(f"{where}.portal 未知：{portal!r}")
            continue
        fields = rec.get("fields")
        if not isinstance(fields, dict) or not fields:
            problems.append(f"{where}.fields 应为 我们的字段: 门户字段 的映射")
            continue
        types = rec.get("types") or {}
        bad_types = {k: v for k, v in types.items() if v not in FIELD_TYPES or k not in fields}
        if bad_types:
            problems.append(f"{where}.types 有误：{bad_types}（类型可选 {', '.join(FIELD_TYPES)}）")
        required = tuple(rec.get("required") or ())
        unknown = [f for f in required if f not in fields]
        if unknown:
            problems.append(f"{where}.required 中的字段未映射：{', '.join(unknown)}")
        if not rec.get("resource_id"):
            problems.append(f"{where} 缺少 resource_id")
            continue
        result[str(name)] = DatasetConfig(
            name=str(name),
            title=str(rec.get("title") or name),
            portal=portal,
            resource_id=str(rec["resource_id"]),
            package=str(rec.get("package") or ""),
            fields={str(k): str(v) for k, v in fields.items()},
            types={str(k): str(v) for k, v in types.items()},
            required=tuple(str(f) for f in required),
            key=str(rec.get("key") or ""),
            min_rows=int(rec.get("min_rows", 1)),
        )
    return result
