"""Evaluating a version on the held-out set with Rasa's own ``rasa test nlu``.

The held-out set stays where the NLU gate test reads it, ``tests/nlu/holdout.yml`` (``MODEL_HOLDOUT``
points elsewhere): one file, so the console's figures and ``make test``'s gate measure the same thing.
Rasa writes ``intent_report.json`` (per intent precision, recall, F1, support; macro avg) and
``intent_confusion_matrix.png``; both are kept in the version's folder.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Dict, Optional

from bot.config import PROJECT_ROOT
from bot.models import store

logger = logging.getLogger(__name__)

HOLDOUT_ENV = "MODEL_HOLDOUT"
DEFAULT_HOLDOUT = PROJECT_ROOT / "tests" / "nlu" / "holdout.yml"
SUMMARY_ROWS = ("macro avg", "weighted avg", "micro avg", "accuracy")
NICENESS = 10  # training and evaluation yield the processor to the assistant that is serving


def holdout_file() -> Path:
    value = os.environ.get(HOLDOUT_ENV, "")
    return Path(value) if value else DEFAULT_HOLDOUT


def rasa_env() -> Dict[str, str]:
    """Rasa subprocesses import the project's components (config.yml) and log through its filters."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH"))
                                                          if p),
            "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


def _nice() -> None:  # in the child, before exec
    os.nice(NICENESS)


def run_logged(command: list, cwd: Path, log: IO[bytes], env: Optional[Dict[str, str]] = None) -> None:
    """Run a Rasa command niced, its output appended to ``log``; CalledProcessError when it fails."""
    log.write(f"\n$ {' '.join(command)}\n".encode())
    log.flush()
    subprocess.run(command, cwd=cwd, env=env or rasa_env(), stdout=log, stderr=subprocess.STDOUT, check=True,
                   preexec_fn=_nice)  # os.nice only: nothing in the child takes a lock


def summarize(report: Dict[str, Any]) -> Dict[str, Any]:
    """macro-F1, accuracy and per-intent figures from Rasa's intent_report.json."""
    intents = {name: {"precision": round(float(v["precision"]), 4), "recall": round(float(v["recall"]), 4),
                      "f1": round(float(v["f1-score"]), 4), "support": int(v["support"])}
               for name, v in report.items() if name not in SUMMARY_ROWS and isinstance(v, dict) and "f1-score" in v}
    macro = report.get("macro avg") or {}
    accuracy = report.get("accuracy")
    return {"macro_f1": round(float(macro.get("f1-score", 0.0)), 4),
            "accuracy": round(float(accuracy), 4) if isinstance(accuracy, (int, float)) else None,
            "intent_f1": dict(sorted(intents.items()))}


def evaluate(version: str, root: Optional[Path] = None, log: Optional[IO[bytes]] = None) -> Dict[str, Any]:
    """Run ``rasa test nlu`` for ``version`` on the held-out set, keep the report and the confusion matrix
    in its folder and the figures in its meta.json; the updated meta."""
    folder = store.version_dir(version, root)
    model = folder / store.MODEL_FILE
    if not model.is_file():
        raise store.ModelError(f"版本 {version} 没有模型文件", 409)
    holdout = holdout_file()
    if not holdout.is_file():
        raise store.ModelError(f"留出集 {holdout} 不存在", 409)
    started = time.monotonic()
    rasa = str(Path(sys.executable).parent / "rasa")
    own_log = log is None
    handle = log if log is not None else open(folder / store.LOG_FILE, "ab")  # noqa: SIM115 - closed below
    try:
        with tempfile.TemporaryDirectory(prefix="model-eval-") as out:
            run_logged([rasa, "test", "nlu", "--nlu", str(holdout), "--model", str(model), "--out", out],
                       PROJECT_ROOT, handle)
            report_path = Path(out) / "intent_report.json"
            report = store.read_json(report_path)
            if not isinstance(report, dict):
                raise store.ModelError("评估没有产生 intent_report.json", 500)
            shutil.copyfile(report_path, folder / "intent_report.json")
            matrix = Path(out) / "intent_confusion_matrix.png"
            if matrix.is_file():
                shutil.copyfile(matrix, folder / store.CONFUSION_FILE)
    finally:
        if own_log:
            handle.close()
    figures = summarize(report)
    meta = store.update_meta(version, root, **figures, holdout=_relative(holdout),
                             holdout_sha256=hashlib.sha256(holdout.read_bytes()).hexdigest(),
                             evaluated=store.now().isoformat(), eval_seconds=round(time.monotonic() - started, 1))
    logger.info("version %s: held-out intent macro-F1 %.3f", version, figures["macro_f1"])
    return meta


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
