"""Trained routers on disk: ``models/routing/<name>/<version>/`` and an ``ACTIVE`` pointer per name.

A version directory holds ``router.joblib`` (a :class:`bot.routing.features.Router`: the fitted
model and its softmax temperature), ``baseline.joblib`` (the baseline fitted on the same data, so
every later evaluation can be compared with it) and ``meta.json``: created, by, data (file,
fingerprint, n, columns, counts), classes, threshold (and, after ``routing tune``, where it came
from and the thresholds before it), temperature, cross-validated figures and how the folds were
grouped, baseline figures, feature version. Versions are the training time (``20261127-153012``),
so they sort by age. ``<name>/ACTIVE`` holds the version that :func:`bot.routing.router.route`
uses; training activates the new version only when the name has none (``routing activate``
switches, ``--activate`` and ``routing ensure`` too). A version trained by an older feature
version is refused with a message (retrain), never unpickled into a crash.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.config import PROJECT_ROOT

DEFAULT_ROOT = PROJECT_ROOT / "models" / "routing"
NAME_RE = re.compile(r"^[\w\-]{1,64}$")
ROUTER_FILE = "router.joblib"
BASELINE_FILE = "baseline.joblib"
META_FILE = "meta.json"
ACTIVE_FILE = "ACTIVE"


class StoreError(LookupError):
    """No such model or version; the message is for the operator."""


@dataclass(frozen=True)
class Version:
    name: str
    version: str
    path: Path
    meta: Dict[str, Any]
    active: bool

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "version": self.version, "created": self.meta.get("created", ""),
                "macro_f1": self.meta.get("cv", {}).get("macro_f1"), "active": self.active}


def root_dir(root: Optional[Path] = None) -> Path:
    return Path(root) if root is not None else DEFAULT_ROOT


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise StoreError(f"模型名「{name}」无效：只能用字母、数字、汉字、下划线和连字符")
    return name


def new_version_dir(name: str, root: Optional[Path] = None) -> Path:
    base = root_dir(root) / check_name(name)
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    version, n = stamp, 1
    while (base / version).exists():
        n += 1
        version = f"{stamp}-{n}"
    return base / version


def active_version(name: str, root: Optional[Path] = None) -> Optional[str]:
    try:
        value = (root_dir(root) / name / ACTIVE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return value or None


def activate(name: str, version: str, root: Optional[Path] = None) -> Path:
    """Point ``<name>/ACTIVE`` at ``version`` (atomic: a router never reads half a file)."""
    base = root_dir(root) / check_name(name)
    if not (base / version / META_FILE).is_file():
        known = "、".join(v.version for v in versions(root) if v.name == name) or "（没有）"
        raise StoreError(f"模型 {name} 没有版本「{version}」；已有版本：{known}")
    fd, tmp = tempfile.mkstemp(dir=base, prefix=".ACTIVE.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(version + "\n")
    os.replace(tmp, base / ACTIVE_FILE)
    return base / version


def read_meta(path: Path) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    return data


def write_meta(path: Path, meta: Dict[str, Any]) -> None:
    """Atomically: a router reloading at that moment reads the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path, prefix=".meta.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    os.replace(tmp, path / META_FILE)


def set_threshold(version: Version, threshold: float, source: Dict[str, Any]) -> Dict[str, Any]:
    """A new triage threshold for a stored version (``routing tune``); the old one stays in its history."""
    meta = read_meta(version.path)
    history = list(meta.get("threshold_history", []))
    history.append({"threshold": meta.get("threshold"), "source": meta.get("threshold_source", "cross-validation"),
                    "replaced": datetime.now().astimezone().isoformat(timespec="seconds")})
    meta.update(threshold=threshold, threshold_source=source, threshold_history=history,
                target_accuracy=source.get("target_accuracy", meta.get("target_accuracy")))
    write_meta(version.path, meta)
    return meta


def versions(root: Optional[Path] = None) -> List[Version]:
    """Every stored version, by name then age."""
    base = root_dir(root)
    out: List[Version] = []
    if not base.is_dir():
        return out
    for name_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        active = active_version(name_dir.name, root)
        for version_dir in sorted(p for p in name_dir.iterdir() if (p / META_FILE).is_file()):
            try:
                meta = read_meta(version_dir)
            except (OSError, ValueError):
                continue
            out.append(Version(name_dir.name, version_dir.name, version_dir, meta, version_dir.name == active))
    return out


def resolve(spec: str, root: Optional[Path] = None) -> Version:
    """``name`` (its active version), ``name/version``, or a version that only one name has."""
    everything = versions(root)
    if "/" in spec:
        name, version = spec.split("/", 1)
        found = [v for v in everything if v.name == name and v.version == version]
    else:
        found = [v for v in everything if v.name == spec and v.active] or [v for v in everything
                                                                           if v.version == spec]
    if len(found) == 1:
        return found[0]
    if not found:
        name, _, version = spec.partition("/")
        known = [v.version for v in everything if version and v.name == name]
        if known:
            raise StoreError(f"模型 {name} 没有版本「{version}」；已有版本：{'、'.join(known)}")
        raise StoreError(f"找不到路由模型「{spec}」；用 python -m bot routing list 查看已有的模型")
    raise StoreError(f"「{spec}」不止一个模型有这个版本：请写成 名称/版本，如 {found[0].name}/{found[0].version}")


def _load(version: Version, filename: str) -> Any:
    import joblib  # type: ignore[import-untyped]

    from bot.routing.features import VERSION

    trained_with = version.meta.get("features", {}).get("version", 1)
    if trained_with != VERSION:
        raise StoreError(f"路由模型 {version.name}/{version.version} 是旧版程序训练的（特征版本 {trained_with}，"
                         f"现在是 {VERSION}）：请重新训练（python -m bot routing train … 或 routing ensure）")
    try:
        return joblib.load(version.path / filename)
    except Exception as exc:  # missing, truncated or foreign pickle: an operator's problem, not a crash
        raise StoreError(f"路由模型 {version.name}/{version.version} 的 {filename} 读不了"
                         f"（{type(exc).__name__}）：请重新训练") from None


def load_router(version: Version) -> Any:
    """The stored :class:`bot.routing.features.Router` of a version."""
    return _load(version, ROUTER_FILE)


def load_baseline(version: Version) -> Any:
    return _load(version, BASELINE_FILE)


def active(name: str, root: Optional[Path] = None) -> Version:
    version = active_version(name, root)
    if version is None:
        raise StoreError(f"路由模型「{name}」没有启用的版本：先 python -m bot routing train … --name {name}")
    path = root_dir(root) / name / version
    try:
        meta = read_meta(path)
    except (OSError, ValueError):
        raise StoreError(f"路由模型 {name} 启用的版本 {version} 不存在或已损坏") from None
    return Version(name, version, path, meta, True)
