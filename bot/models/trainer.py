"""Training a version: one run at a time, in the background or in the foreground, niced.

* **Inputs.** The files ``bot.nlu.training`` hashes (config, domain, NLU data, jieba words, the lexicon,
  the NLU code, requirements) are copied into the version's ``inputs/`` under the editor's lock (a change
  saved in the console during a run is in the next version, never half in this one) and kept there. The NLU data
  come from ``NLU_DATA_DIR`` (the editor's folder; default ``data/``), the Rasa configuration from
  ``MODEL_TRAIN_CONFIG`` (default ``config.yml``; the tests use one with fewer epochs). The version's
  fingerprint is ``bot.nlu.training.fingerprint`` over that copy: the same digest ``make model`` compares.
* **One at a time.** An exclusive ``flock`` on ``versions/.train.lock``, taken without waiting (a second
  request is refused, naming the run in progress). A background run is a process of its own in its
  own session (``python -m bot.models.job``) that inherits the locked file: the lock lives as long as
  the run, not as long as the page server that started it.
* **Progress.** Rasa's epoch bar (tqdm) in the version's ``train.log``.
"""
from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot.config import PROJECT_ROOT
from bot.models import evaluation, store
from bot.nlu import training
from bot.privacy import mask_pii

logger = logging.getLogger(__name__)

TRAIN_CONFIG_ENV = "MODEL_TRAIN_CONFIG"
LOCK_FILE = ".train.lock"
STATUS_FILE = ".training.json"
DATA_PARTS = ("data/nlu", "data/jieba", "data/lexicon")  # the editor's folder (NLU_DATA_DIR) holds these
RUNNING_STATES = ("queued", "training", "evaluating")
INPUTS = "inputs"  # a version's copy of what it was trained from
_EPOCH = re.compile(r"Epochs:\s*\d+%\|[^|]*\|\s*(\d+)/(\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def train_config() -> Path:
    value = os.environ.get(TRAIN_CONFIG_ENV, "")
    return Path(value) if value else PROJECT_ROOT / "config.yml"


def _sources() -> List[Tuple[str, Path]]:
    """(path in the training folder, where it is read from) for every input ``bot.nlu.training`` hashes."""
    from bot.nlu_admin import files

    data_root = files.data_root()
    found: Dict[str, Path] = {"config.yml": train_config(), "domain.yml": files.domain_file()}
    for pattern in training.INPUT_GLOBS:
        if pattern in found:
            continue
        base = data_root if pattern.startswith(DATA_PARTS) else PROJECT_ROOT
        glob = pattern[len("data/"):] if base is data_root else pattern
        for path in base.glob(glob):
            if path.is_file():
                name = f"data/{path.relative_to(data_root)}" if base is data_root else str(path.relative_to(base))
                found[name] = path
    return sorted(found.items())


def snapshot(workspace: Path) -> Tuple[str, List[Dict[str, str]]]:
    """Copy the inputs into ``workspace`` (under the editor's lock); their fingerprint and the list of
    files with each one's SHA-256, for the version's meta.json."""
    import hashlib

    from bot.nlu_admin import files

    copied = []
    with files.editing():
        for name, source in _sources():
            target = workspace / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied.append({"path": name, "sha256": hashlib.sha256(target.read_bytes()).hexdigest()})
    return training.fingerprint(training.input_files(workspace), workspace), copied


def current_fingerprint() -> str:
    """The fingerprint a version trained now would have."""
    with tempfile.TemporaryDirectory(prefix="model-inputs-") as folder:
        return snapshot(Path(folder))[0]


def _lock_path(root: Optional[Path]) -> Path:
    folder = store.versions_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / LOCK_FILE


def _try_lock(root: Optional[Path]) -> Optional[int]:
    """The locked file's descriptor, or None when a run holds the lock."""
    fd = os.open(_lock_path(root), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def running(root: Optional[Path] = None) -> bool:
    fd = _try_lock(root)
    if fd is None:
        return True
    os.close(fd)  # closing the descriptor releases the lock
    return False


def _busy(root: Optional[Path]) -> store.ModelError:
    info = status(root)
    who = f"，由 {info['by']} 于 {info['started'][:19].replace('T', ' ')} 开始" if info.get("by") else ""
    return store.ModelError(f"已有一次训练在进行中（版本 {info.get('version') or '?'}{who}），请等它结束后再开始。",
                            409, training=info)


def _begin(by: str, root: Optional[Path]) -> str:
    version = store.new_version(root)
    started = store.now().isoformat()
    store.write_json(store.version_dir(version, root) / store.META_FILE, {
        "version": version, "created": started, "by": by, "state": "queued",
        "config": _relative(train_config()), "macro_f1": None, "intent_f1": {}})
    store.write_json(store.versions_dir(root) / STATUS_FILE,
                     {"version": version, "by": by, "started": started, "pid": os.getpid()})
    return version


def start_background(by: str, root: Optional[Path] = None) -> Dict[str, Any]:
    """Start a run in a process of its own and answer at once; ModelError 409 while one runs."""
    root = root or store.models_dir()
    fd = _try_lock(root)
    if fd is None:
        raise _busy(root)
    try:
        version = _begin(by, root)
        log = open(store.version_dir(version, root) / store.LOG_FILE, "ab")  # noqa: SIM115 - handed to the child
        try:
            subprocess.Popen([sys.executable, "-m", "bot.models.job", "--version", version, "--by", by,
                              "--lock-fd", str(fd)], cwd=PROJECT_ROOT, pass_fds=(fd,), start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             env={**os.environ, store.MODELS_DIR_ENV: str(root)})
        finally:
            log.close()
    finally:
        os.close(fd)  # the child holds the lock now
    logger.info("training of version %s started in the background by %s", version, by)
    return status(root)


def train(by: str, root: Optional[Path] = None) -> Dict[str, Any]:
    """Train and evaluate a version in this process (the CLI, ``make model``); its meta.json."""
    root = root or store.models_dir()
    fd = _try_lock(root)
    if fd is None:
        raise _busy(root)
    try:
        version = _begin(by, root)
        return run(version, root)
    finally:
        os.close(fd)


def run(version: str, root: Optional[Path] = None) -> Dict[str, Any]:
    """Train ``version`` (its folder and meta.json exist), then evaluate it; the caller holds the lock.
    A failure is recorded in meta.json (``state: failed``, ``error``) and raised as ModelError."""
    folder = store.version_dir(version, root)
    rasa = str(Path(sys.executable).parent / "rasa")
    started = time.monotonic()
    with open(folder / store.LOG_FILE, "ab") as log:
        try:
            store.update_meta(version, root, state="training", pid=os.getpid())
            # the inputs stay in the version's folder: what it was trained from, file by file
            workspace = folder / INPUTS
            fingerprint, copied = snapshot(workspace)
            from bot.nlu_admin.training_hook import data_fingerprint

            # the editor's own digest too: its page can say whether the data changed since
            store.update_meta(version, root, fingerprint=fingerprint, files=copied, inputs=INPUTS,
                              editor_fingerprint=data_fingerprint())
            # Rasa's cache keys on component configuration, not on our components' code or the
            # dictionaries' content: train from scratch (as bot.nlu.training does)
            env = {**evaluation.rasa_env(), "RASA_MAX_CACHE_SIZE": "0"}
            evaluation.run_logged([rasa, "train", "--config", "config.yml", "--domain", "domain.yml", "--data",
                                   *training.TRAINING_DATA, "--out", str(folder), "--fixed-model-name", "model"],
                                  workspace, log, env)
            shutil.rmtree(workspace / ".rasa", ignore_errors=True)  # Rasa's (empty) cache folder
            if not (folder / store.MODEL_FILE).is_file():
                raise store.ModelError("训练结束了，但没有产生模型文件", 500)
            store.update_meta(version, root, state="evaluating", train_seconds=round(time.monotonic() - started, 1),
                              model_id=store.model_id(folder / store.MODEL_FILE))
            evaluation.evaluate(version, root, log)
        except (subprocess.CalledProcessError, store.ModelError, OSError) as exc:
            error = exc if isinstance(exc, store.ModelError) else store.ModelError(
                f"训练失败：{_failure(exc)}（详见训练日志）", 500)
            store.update_meta(version, root, state="failed", error=str(error), pid=None)
            logger.error("version %s failed: %s", version, error)
            raise error from exc
    return store.update_meta(version, root, state="ready", pid=None)


def _failure(exc: Exception) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        step = "评估" if "test" in exc.cmd else "训练"
        return f"{step}进程退出码 {exc.returncode}"
    return str(exc)


def progress(log_path: Path) -> Optional[Dict[str, int]]:
    """The last epoch Rasa reported in the log: ``{"epoch", "epochs"}`` (None before the first)."""
    tail = _tail_bytes(log_path, 65536)
    found = None
    for match in _EPOCH.finditer(tail):
        found = match
    if found is None:
        return None
    return {"epoch": int(found.group(1)), "epochs": int(found.group(2))}


def log_tail(log_path: Path, lines: int = 80) -> List[str]:
    """The log's last lines as a person reads them: progress bars collapsed to their latest state,
    colours removed, personal numbers masked."""
    shown: List[str] = []
    for line in _tail_bytes(log_path, 256 * 1024).split("\n"):
        last = _ANSI.sub("", line.rstrip("\r").split("\r")[-1]).rstrip()
        if last:
            shown.append(mask_pii(last[:500]))
    return shown[-lines:]


def _tail_bytes(path: Path, size: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def evaluate(version: str, root: Optional[Path] = None) -> Dict[str, Any]:
    """Evaluate ``version`` again (after the held-out set changed, or an adopted model): like training, one
    heavy run at a time. Its meta.json."""
    fd = _try_lock(root)
    if fd is None:
        raise _busy(root)
    try:
        return evaluation.evaluate(store.check_name(version), root)
    finally:
        os.close(fd)


def status(root: Optional[Path] = None) -> Dict[str, Any]:
    """The latest run: ``{"running", "version", "by", "started", "state", "progress", "error", "macro_f1"}``."""
    is_running = running(root)
    info = store.read_json(store.versions_dir(root) / STATUS_FILE)
    info = info if isinstance(info, dict) else {}
    answer: Dict[str, Any] = {"running": is_running, "version": info.get("version"), "by": info.get("by"),
                              "started": info.get("started"), "state": None, "progress": None, "error": None,
                              "macro_f1": None}
    version = info.get("version")
    if not version:
        return answer
    try:
        meta = store.read_meta(version, root)
    except store.ModelError:
        return answer
    state = meta.get("state")
    if state in RUNNING_STATES and not is_running:
        state = "interrupted"  # the process ended without saying how (killed, machine restarted)
    answer.update(state=state, error=meta.get("error"), macro_f1=meta.get("macro_f1"),
                  progress=progress(store.version_dir(version, root) / store.LOG_FILE))
    return answer


def state_of(meta: Dict[str, Any], root: Optional[Path] = None) -> str:
    """A version's state as shown: a run that stopped without finishing is ``interrupted``."""
    state = str(meta.get("state") or "ready")
    if state in RUNNING_STATES:
        latest = store.read_json(store.versions_dir(root) / STATUS_FILE)
        if not (isinstance(latest, dict) and latest.get("version") == meta.get("version") and running(root)):
            return "interrupted"
    return state


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
