"""Model versions on disk and the one record of which is active.

``MODELS_DIR`` (default ``models/``)::

    assistant.tar.gz              → versions/<active>/model.tar.gz (a relative symbolic link)
    versions/<version>/model.tar.gz, meta.json, train.log, confusion.png, intent_report.json
    versions/activations.jsonl    every activation, rollback and failed switch, one JSON object a line

The link is the record: every process that starts Rasa (``make run``, ``make run-scaled``, the tests)
already starts it from ``models/assistant.tar.gz``, so there is no second place that could disagree.
It is replaced atomically (a new link renamed over the old one). A regular file there is a model
trained before versions existed; :func:`adopt_legacy` makes it the first version.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tarfile
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

from bot.config import PROJECT_ROOT

MODELS_DIR_ENV = "MODELS_DIR"
ACTIVE_NAME = "assistant.tar.gz"  # bot.nlu.training.MODEL_NAME: the path every stack starts from
LEGACY_STAMP = "assistant.sha256"
MODEL_FILE = "model.tar.gz"
META_FILE = "meta.json"
LOG_FILE = "train.log"
CONFUSION_FILE = "confusion.png"
ACTIVATIONS = "activations.jsonl"
CITY_TZ = ZoneInfo("Asia/Shanghai")
_VERSION = re.compile(r"[0-9]{8}-[0-9]{6}(?:-[0-9]{1,3})?")


class ModelError(Exception):
    """A refusal for the administrator (Chinese); ``status`` is the HTTP answer, the CLI exits non-zero."""

    def __init__(self, message: str, status: int = 409, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


def models_dir() -> Path:
    value = os.environ.get(MODELS_DIR_ENV, "")
    return Path(value) if value else PROJECT_ROOT / "models"


def versions_dir(root: Optional[Path] = None) -> Path:
    return (root or models_dir()) / "versions"


def active_link(root: Optional[Path] = None) -> Path:
    return (root or models_dir()) / ACTIVE_NAME


def version_dir(version: str, root: Optional[Path] = None) -> Path:
    return versions_dir(root) / check_name(version)


def check_name(version: str) -> str:
    """A version name as this module makes them (``20261127-153000``); anything else is refused
    before it reaches a path."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise ModelError("版本号格式不对（应为 20261127-153000 这样的形式）", 400)
    return version


def now() -> datetime:
    return datetime.now(timezone.utc)


def new_version(root: Optional[Path] = None, at: Optional[datetime] = None) -> str:
    """Create the folder of a new version, named by the city's local time (a suffix when taken)."""
    base = (at or now()).astimezone(CITY_TZ).strftime("%Y%m%d-%H%M%S")
    folder = versions_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        name = base if n == 0 else f"{base}-{n}"
        try:
            (folder / name).mkdir()
        except FileExistsError:
            continue
        return name
    raise ModelError("无法为新版本建目录")


def write_json(path: Path, value: Any) -> None:
    """Write atomically (temporary file + rename): readers see the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_meta(version: str, root: Optional[Path] = None) -> Dict[str, Any]:
    folder = version_dir(version, root)
    meta = read_json(folder / META_FILE)
    if not isinstance(meta, dict):
        raise ModelError(f"没有版本 {version}", 404)
    return meta


def update_meta(version: str, root: Optional[Path] = None, **changes: Any) -> Dict[str, Any]:
    """Merge ``changes`` into a version's meta.json (only the process working on a version writes it)."""
    folder = version_dir(version, root)
    meta = read_json(folder / META_FILE)
    meta = {**(meta if isinstance(meta, dict) else {"version": version}), **changes}
    write_json(folder / META_FILE, meta)
    return meta


def all_versions(root: Optional[Path] = None) -> List[str]:
    """Every version with a meta.json, newest first."""
    folder = versions_dir(root)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir()
             if p.is_dir() and _VERSION.fullmatch(p.name) and (p / META_FILE).is_file()]
    return sorted(names, key=_sort_key, reverse=True)


def _sort_key(name: str) -> tuple:
    day, _, rest = name.partition("-")
    clock, _, n = rest.partition("-")
    return (day, clock, int(n or 0))


def active_version(root: Optional[Path] = None) -> Optional[str]:
    """The version the link points at; None when there is no link (or a legacy regular file)."""
    link = active_link(root)
    if not link.is_symlink():
        return None
    parts = Path(os.readlink(link)).parts
    if len(parts) == 3 and parts[0] == "versions" and parts[2] == MODEL_FILE and _VERSION.fullmatch(parts[1]):
        return parts[1]
    return None


def active_target(root: Optional[Path] = None) -> Optional[Path]:
    """The model file Rasa should be serving now: the link's target (or the legacy file itself)."""
    link = active_link(root)
    if link.is_symlink():
        return link.resolve()
    return link if link.is_file() else None


def legacy_model(root: Optional[Path] = None) -> bool:
    """True when ``assistant.tar.gz`` is a plain file: a model trained before versions existed."""
    link = active_link(root)
    return link.is_file() and not link.is_symlink()


def set_active(version: str, root: Optional[Path] = None) -> None:
    """Point the link at ``version``'s model, atomically (a new link renamed over the old one)."""
    model = version_dir(version, root) / MODEL_FILE
    if not model.is_file():
        raise ModelError(f"版本 {version} 没有模型文件", 409)
    link = active_link(root)
    if legacy_model(root):
        raise ModelError("当前模型还未登记为版本：请先运行 python -m bot nlu train 或 model activate", 409)
    tmp = link.with_name(f".{ACTIVE_NAME}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(Path("versions") / version / MODEL_FILE, tmp)
    os.replace(tmp, link)


@contextmanager
def exclusive(name: str, root: Optional[Path] = None) -> Iterator[None]:
    """An exclusive ``flock`` on ``versions/.<name>.lock`` (blocking): one activation at a time across
    processes (the CLI, the page server, the runner's revert of a failed switch)."""
    folder = versions_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f".{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def log_activation(entry: Dict[str, Any], root: Optional[Path] = None) -> None:
    """Append one entry (``kind``: activate, rollback, or failed with ``undo`` the kind that failed) to the
    activation log."""
    folder = versions_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": now().isoformat(), **entry}, ensure_ascii=False)
    with open(folder / ACTIVATIONS, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def activations(root: Optional[Path] = None) -> List[Dict[str, Any]]:
    path = versions_dir(root) / ACTIVATIONS
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:  # a torn last line after a crash: skipped
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def activation_stack(root: Optional[Path] = None) -> List[str]:
    """The versions in the order they were made active, as rollbacks left them: an activation pushes, a
    rollback pops; a failed switch undoes its activation (pop) or rollback (the version back on top).
    The top is the active version; below it, where a rollback goes."""
    stack: List[str] = []
    for entry in activations(root):
        kind, version, undo = entry.get("kind"), entry.get("version"), entry.get("undo")
        if kind == "activate" and isinstance(version, str):
            stack.append(version)
        elif (kind == "rollback" or (kind == "failed" and undo == "activate")) and stack:
            stack.pop()
        elif kind == "failed" and undo == "rollback" and isinstance(entry.get("previous"), str):
            stack.append(entry["previous"])
    return stack


def rollback_target(root: Optional[Path] = None) -> Optional[str]:
    """The version that was active before the active one (None when there is none)."""
    stack = activation_stack(root)
    active = active_version(root)
    if not stack or stack[-1] != active:
        return None
    for version in reversed(stack[:-1]):
        if version != active and (version_dir(version, root) / MODEL_FILE).is_file():
            return version
    return None


def adopt_legacy(by: str, root: Optional[Path] = None) -> Optional[str]:
    """Make a model trained before versions existed (a plain ``assistant.tar.gz``) the first version and
    active: hard-linked into ``versions/`` (no copy), the link put in its place. Its fingerprint is the
    old hash stamp's; it has no evaluation until ``model evaluate``. None when there is nothing to adopt."""
    with exclusive("activate", root):
        if not legacy_model(root):
            return None
        link = active_link(root)
        created = datetime.fromtimestamp(link.stat().st_mtime, timezone.utc)
        version = new_version(root, at=created)
        target = version_dir(version, root) / MODEL_FILE
        try:
            os.link(link, target)
        except OSError:  # another file system: copy
            shutil.copy2(link, target)
        stamp = (root or models_dir()) / LEGACY_STAMP
        write_json(version_dir(version, root) / META_FILE, {
            "version": version, "created": created.isoformat(), "by": by, "state": "ready", "adopted": True,
            "fingerprint": stamp.read_text().strip() if stamp.is_file() else None, "config": "config.yml",
            "macro_f1": None, "intent_f1": {}})
        tmp = link.with_name(f".{ACTIVE_NAME}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        os.symlink(Path("versions") / version / MODEL_FILE, tmp)
        os.replace(tmp, link)
        log_activation({"kind": "activate", "version": version, "by": by, "previous": None,
                        "note": "adopted the model trained before versions"}, root)
        return version


def model_id(model: Path) -> str:
    """The ``model_id`` Rasa wrote into the archive's metadata.json (what its ``/status`` reports once
    the model is loaded: the way to tell two ``model.tar.gz`` apart)."""
    with tarfile.open(model) as archive:
        for member in archive:
            if member.name == "metadata.json":
                handle = archive.extractfile(member)
                data = json.load(handle) if handle is not None else {}
                return str(data.get("model_id") or "")
    return ""


def remove_version(version: str, root: Optional[Path] = None) -> None:
    """Delete a version that never became usable (a failed or interrupted run); never the active one."""
    if version == active_version(root):
        raise ModelError("不能删除正在使用的版本")
    shutil.rmtree(version_dir(version, root), ignore_errors=True)
