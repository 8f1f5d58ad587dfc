"""Training, the triage threshold, and evaluation (router beside the baseline).

**Training** (:func:`train`): the messages are cleaned once (:func:`bot.routing.features.clean`),
then

1. *k*-fold stratified cross-validation (k = 5, fewer when the smallest class has fewer
   messages) gives every training message a probability from a router that did not see it;
   the baseline is cross-validated on the same folds;
2. the **triage threshold** is the lowest confidence at which the cross-validated messages the
   router would accept (confidence ≥ threshold) are still right at least ``target`` of the time
   (default 90%): below it, a work order goes to the desk's manual triage queue instead of a
   guess. On unseen messages, not on the training messages themselves (the router's training
   confidence is close to 1 for all of them);
3. router and baseline are fitted on all messages and stored with the figures
   (:mod:`bot.routing.store`).

**Evaluation** (:func:`evaluate`) on another labelled file: macro-F1 (over the classes the file
has), accuracy, per-class precision/recall/F1/support, and the same figures of the stored
baseline, so every evaluation says how much better the router is.
"""
from __future__ import annotations

import getpass
import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.routing import features, store
from bot.routing.data import Dataset

logger = logging.getLogger(__name__)

TARGET_ACCURACY = 0.9
MAX_FOLDS = 5
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _silent(_stage: str, _done: int, _total: int) -> None:
    return None


def choose_threshold(confidence: Sequence[float], correct: Sequence[bool], target: float = TARGET_ACCURACY) -> float:
    """The lowest confidence such that messages at or above it are right ≥ ``target`` of the time.

    Messages are taken from the most confident down; the threshold is the confidence of the last
    one at which the accepted messages' accuracy still reaches the target. When even the most
    confident are below the target, the threshold is 1.0 (every message goes to triage)."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 1.0
    order = np.argsort(-conf, kind="stable")
    ranked = conf[order]
    running = np.cumsum(ok[order]) / np.arange(1, conf.size + 1)
    # a cut can only fall after the last of equal confidences (they are all accepted or none)
    block_end = np.append(ranked[:-1] > ranked[1:], True)
    meets = np.nonzero((running >= target) & block_end)[0]
    if meets.size == 0:
        return 1.0
    return float(ranked[int(meets.max())])


def _folds(labels: Sequence[str]) -> Any:
    from sklearn.model_selection import StratifiedKFold

    smallest = min(np.unique(np.asarray(labels), return_counts=True)[1])
    k = int(max(2, min(MAX_FOLDS, smallest)))
    return StratifiedKFold(n_splits=k, shuffle=True, random_state=20261127)


def cross_validate(data: Dataset, cleaned: Sequence[str], progress: Progress = _silent) -> Dict[str, Any]:
    """Out-of-fold probabilities of the router and predictions of the baseline."""
    import warnings

    labels = np.asarray(data.labels)
    classes = sorted(set(data.labels))
    col = {c: i for i, c in enumerate(classes)}
    proba = np.zeros((len(labels), len(classes)))
    base_pred = np.empty(len(labels), dtype=object)
    x_clean = np.asarray(cleaned, dtype=object)
    x_raw = np.asarray(data.texts, dtype=object)
    splitter = _folds(data.labels)
    total = splitter.get_n_splits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a class smaller than the number of folds: said in the summary
        for done, (train_idx, test_idx) in enumerate(splitter.split(x_clean, labels), 1):
            model = features.router_pipeline().fit(x_clean[train_idx], labels[train_idx])
            fold_proba = model.predict_proba(x_clean[test_idx])
            for j, c in enumerate(model.classes_):
                proba[test_idx, col[c]] = fold_proba[:, j]
            base_pred[test_idx] = features.baseline_pipeline().fit(x_raw[train_idx], labels[train_idx]).predict(
                x_raw[test_idx])
            progress("交叉验证", done, total)
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    return {"classes": classes, "proba": proba, "predicted": predicted, "baseline": base_pred, "folds": total}


def scores(truth: Sequence[str], predicted: Sequence[str]) -> Dict[str, Any]:
    """macro-F1 over the classes ``truth`` has, accuracy, per-class figures, n."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = sorted(set(truth))
    p, r, f, s = precision_recall_fscore_support(list(truth), list(predicted), labels=labels, zero_division=0)
    return {
        "macro_f1": round(float(np.mean(f)), 4) if labels else 0.0,
        "accuracy": round(float(accuracy_score(list(truth), list(predicted))), 4) if len(truth) else 0.0,
        "per_class": {label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                              "f1": round(float(f[i]), 4), "support": int(s[i])} for i, label in enumerate(labels)},
        "n": len(truth),
    }


def triage_figures(confidence: Sequence[float], correct: Sequence[bool], threshold: float) -> Dict[str, float]:
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    accepted = conf >= threshold
    return {"threshold": round(threshold, 4),
            "triage_share": round(float(1 - accepted.mean()), 4) if conf.size else 0.0,
            "accepted_accuracy": round(float(ok[accepted].mean()), 4) if accepted.any() else 0.0}


def train(data: Dataset, name: str, *, root: Optional[Path] = None, target: float = TARGET_ACCURACY,
          label_col: str = "", text_col: str = "", progress: Progress = _silent,
          activate: Optional[bool] = None) -> store.Version:
    """Cross-validate, choose the threshold, fit router and baseline on everything, store a new version.

    ``activate``: None activates the new version only when ``name`` has no active one."""
    import joblib  # type: ignore[import-untyped]

    store.check_name(name)
    started = time.perf_counter()
    cleaned: List[str] = []
    for i, text in enumerate(data.texts, 1):
        cleaned.append(features.clean(text))
        if i % 50 == 0 or i == len(data.texts):
            progress("规范化文本", i, len(data.texts))
    cv = cross_validate(data, cleaned, progress)
    confidence = cv["proba"].max(axis=1)
    correct = cv["predicted"] == np.asarray(data.labels, dtype=object)
    threshold = choose_threshold(confidence, correct, target)
    cv_scores = scores(data.labels, cv["predicted"])
    base_scores = scores(data.labels, cv["baseline"])
    progress("训练", 0, 2)
    router = features.router_pipeline().fit(np.asarray(cleaned, dtype=object), np.asarray(data.labels))
    progress("训练", 1, 2)
    baseline = features.baseline_pipeline().fit(np.asarray(data.texts, dtype=object), np.asarray(data.labels))
    progress("训练", 2, 2)
    seconds = time.perf_counter() - started

    path = store.new_version_dir(name, root)
    path.mkdir(parents=True)
    joblib.dump(router, path / store.ROUTER_FILE, compress=3)
    joblib.dump(baseline, path / store.BASELINE_FILE, compress=3)
    meta = {
        "name": name,
        "version": path.name,
        "created": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "by": _who(),
        "data": {"file": data.source, "fingerprint": data.fingerprint, "n": len(data.texts),
                 "text_col": text_col, "label_col": label_col, "counts": data.counts,
                 "skipped_empty": data.skipped_empty, "skipped_formula": data.skipped_formula,
                 "capped": data.capped},
        "classes": [str(c) for c in router.classes_],
        "threshold": round(threshold, 4),
        "target_accuracy": target,
        "cv": {"folds": cv["folds"], "macro_f1": cv_scores["macro_f1"], "accuracy": cv_scores["accuracy"],
               "per_class": cv_scores["per_class"], **triage_figures(confidence, correct, threshold)},
        "baseline": {"model": "TF-IDF char 1-3-gram + LinearSVC", "cv_macro_f1": base_scores["macro_f1"],
                     "cv_accuracy": base_scores["accuracy"]},
        "features": {"max_chars": features.MAX_CHARS, "opening_chars": features.OPENING_CHARS},
        "train_seconds": round(seconds, 2),
    }
    store.write_meta(path, meta)
    if activate or (activate is None and store.active_version(name, root) is None):
        store.activate(name, path.name, root)
    return store.resolve(f"{name}/{path.name}", root)


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a container: still a record
        return "cli:unknown"


def load_pipelines(version: store.Version) -> Tuple[Any, Any]:
    import joblib

    return joblib.load(version.path / store.ROUTER_FILE), joblib.load(version.path / store.BASELINE_FILE)


def evaluate(version: store.Version, data: Dataset, progress: Progress = _silent) -> Dict[str, Any]:
    """Router and stored baseline on ``data``: the ``routing eval --json`` figures plus triage figures."""
    router, baseline = load_pipelines(version)
    cleaned = []
    for i, text in enumerate(data.texts, 1):
        cleaned.append(features.clean(text))
        if i % 50 == 0 or i == len(data.texts):
            progress("规范化文本", i, len(data.texts))
    proba = router.predict_proba(np.asarray(cleaned, dtype=object))
    predicted = np.asarray(router.classes_, dtype=object)[proba.argmax(axis=1)]
    base_predicted = baseline.predict(np.asarray(data.texts, dtype=object))
    ours = scores(data.labels, list(predicted))
    base = scores(data.labels, list(base_predicted))
    correct = predicted == np.asarray(data.labels, dtype=object)
    return {
        "macro_f1": ours["macro_f1"], "accuracy": ours["accuracy"], "per_class": ours["per_class"],
        "baseline": {"macro_f1": base["macro_f1"], "accuracy": base["accuracy"]}, "n": ours["n"],
        "triage": triage_figures(proba.max(axis=1), list(correct), float(version.meta.get("threshold", 0.0))),
    }
