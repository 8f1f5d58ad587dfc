"""How a running assistant tells the command line and the console which model it answers with.

The record of the active version is the link ``models/assistant.tar.gz`` (:mod:`bot.models.store`).
Each running stack that follows it (``make run``, ``make run-scaled``) checks the link every second and,
when it changed, switches (:mod:`bot.models.embedded`, :mod:`bot.models.haproxy_api`). It reports in
``versions/.serving-<pid>.json``: the version it answers with, ``state`` (serving, switching, failed),
the ``target`` of the switch in progress or that failed, and the error. ``python -m bot model activate``
changes the link, then waits here until every live stack answers with the new version. No port, no
token: a file in the models folder, readable by whoever may change the models.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot.models import store

PREFIX = ".serving-"
FileId = Tuple[int, int]  # (device, inode): a model file however it is reached


def file_id(path: Path) -> Optional[FileId]:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def version_of(model: Optional[FileId], root: Optional[Path] = None) -> Optional[str]:
    """The version whose model file is ``model`` (a legacy file adopted later is found by its inode)."""
    if model is None:
        return None
    for version in store.all_versions(root):
        if file_id(store.version_dir(version, root) / store.MODEL_FILE) == model:
            return version
    return None


def _path(root: Optional[Path], pid: int) -> Path:
    return store.versions_dir(root) / f"{PREFIX}{pid}.json"


def report(root: Optional[Path], profile: str, version: Optional[str], state: str, target: Optional[str] = None,
           error: str = "") -> None:
    store.versions_dir(root).mkdir(parents=True, exist_ok=True)
    store.write_json(_path(root, os.getpid()), {
        "pid": os.getpid(), "profile": profile, "version": version, "state": state, "target": target,
        "error": error, "at": time.time()})


def withdraw(root: Optional[Path]) -> None:
    _path(root, os.getpid()).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def live(root: Optional[Path] = None) -> List[Dict[str, Any]]:
    """The reports of stacks still running (a dead process's report is removed)."""
    folder = store.versions_dir(root)
    found = []
    for path in sorted(folder.glob(f"{PREFIX}*.json")) if folder.is_dir() else []:
        record = store.read_json(path)
        if not isinstance(record, dict) or not isinstance(record.get("pid"), int):
            continue
        if not _alive(record["pid"]):
            path.unlink(missing_ok=True)
            continue
        found.append(record)
    return found


def wait_for(version: str, since: float, root: Optional[Path] = None, timeout: float = 900.0,
             poll: float = 0.5) -> List[Dict[str, Any]]:
    """Until every running stack answers with ``version``; their reports ([] when none runs).
    ModelError when a stack could not switch (it has put the previous version back) or on time-out."""
    deadline = time.monotonic() + timeout
    while True:
        records = live(root)
        failed = [r for r in records if r.get("state") == "failed" and r.get("target") == version
                  and float(r.get("at") or 0) >= since]
        if failed:
            raise store.ModelError(f"运行中的助手未能切换到 {version}：{failed[0].get('error') or '原因不明'}。"
                                   f"仍在使用 {failed[0].get('version') or '原来的模型'}。", 500)
        if all(r.get("version") == version and r.get("state") == "serving" for r in records):
            return records
        now = store.active_version(root)
        if now != version:  # activated over, rolled back, or put back after a failed switch
            raise store.ModelError(f"启用 {version} 之后，当前版本已变为 {now or '无'}（又一次启用或回滚，"
                                   "或运行中的助手切换失败）", 409)
        if time.monotonic() > deadline:
            raise store.ModelError(f"等了 {timeout:.0f} 秒，运行中的助手仍未用上 {version}", 504)
        time.sleep(poll)
