"""``python -m bot model …`` as an operator runs it: the ``list --json`` contract and the exit codes.

Bad input tried: a malformed version, a path, an unknown version, force without a reason, rollback with
nothing to go back to, training while another run holds the lock, no command at all.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

from bot.models import store, trainer
from tests.models.conftest import ROOT, Lifecycle, run_cli


def run_cli_nlu(*args: str, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "nlu", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)


def test_list_json(lifecycle: Lifecycle, first: Dict[str, Any]) -> None:
    listed = run_cli("list", "--json", env=lifecycle.env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert rows and all({"version", "created", "macro_f1", "active"} <= set(row) for row in rows)
    active = [row for row in rows if row["active"]]
    assert len(active) == 1 and active[0]["version"] == first["version"]
    assert isinstance(active[0]["macro_f1"], float) and active[0]["created"].startswith("20")
    text = run_cli("list", env=lifecycle.env)
    assert text.returncode == 0 and f"* {first['version']}" in text.stdout


def test_exit_codes(lifecycle: Lifecycle, first: Dict[str, Any]) -> None:
    for args, code, said in ((["activate", "../../etc"], 2, "版本号格式不对"),
                             (["activate", "20991231-235959"], 2, "没有版本"),
                             (["activate", first["version"], "--force"], 2, "理由"),
                             (["evaluate", "20991231-235959"], 2, "没有版本"),
                             (["rollback"], 1, "没有可以回滚"),
                             ([], 2, "usage")):
        done = run_cli(*args, env=lifecycle.env)
        assert (done.returncode, said in done.stderr) == (code, True), (args, done.returncode, done.stderr[-300:])
    same = run_cli("activate", first["version"], env=lifecycle.env)
    assert same.returncode == 0 and "已经是当前版本" in same.stdout


def test_make_model_trains_nothing_when_nothing_changed(lifecycle: Lifecycle, first: Dict[str, Any]) -> None:
    """``make model`` (``python -m bot nlu train``) on the inputs version 1 was trained from (kept in its folder)."""
    inputs = store.version_dir(first["version"], lifecycle.root) / "inputs"
    assert {f["path"] for f in first["files"]} == {str(p.relative_to(inputs)) for p in inputs.rglob("*") if p.is_file()}
    before = store.all_versions(lifecycle.root)
    done = run_cli_nlu("train", env={**lifecycle.env, "NLU_DATA_DIR": str(inputs / "data")})
    assert done.returncode == 0 and "沿用已有模型" in done.stdout, done.stderr[-500:]
    assert store.all_versions(lifecycle.root) == before and store.active_version(lifecycle.root) == first["version"]


def test_a_second_run_is_refused(tmp_path: Path, lifecycle: Lifecycle) -> None:
    env = {**lifecycle.env, "MODELS_DIR": str(tmp_path / "models")}
    fd = trainer._try_lock(tmp_path / "models")  # as a run in progress holds it
    assert fd is not None
    try:
        for args in (["train", "--background"], ["train"]):
            refused = run_cli(*args, env=env)
            assert refused.returncode == 1 and "已有一次训练在进行中" in refused.stderr, (args, refused.stderr[-300:])
    finally:
        os.close(fd)
