"""Training, the temperature and the triage threshold, and evaluation (router beside the baseline).

**Training** (:func:`train`): the messages are cleaned once (:func:`bot.routing.features.clean`),
then

1. grouped, stratified *k*-fold cross-validation (:mod:`bot.routing.folds`; k = 5, fewer when
   the smallest class has fewer messages) gives every training message the SVM scores of a model
   that saw neither it nor its group; the baseline is cross-validated on the same folds;
2. the **temperature** of the softmax that turns scores into probabilities is the one that fits
   those unseen messages best (log-loss), so a confidence of 0.8 means about 8 in 10 right on
   new messages;
3. the **triage threshold** is the lowest confidence at which the cross-validated messages the
   router would accept (confidence ≥ threshold) are still right at least ``target`` of the time
   (default 90%): below it, a work order goes to the desk's manual triage queue instead of a guess;
4. router and baseline are fitted on all messages and stored with the figures
   (:mod:`bot.routing.store`).

**Evaluation** (:func:`evaluate`) on another labelled file: macro-F1 (over the classes the file
has), accuracy, per-class precision/recall/F1/support, the same figures of the stored baseline,
and the triage share and accepted accuracy at the stored threshold.
"""
from __future__ import annotations

import getpass
import logging
import math
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from bot.routing import features, store
from bot.routing.data import Dataset
from bot.routing.folds import Folds, make_folds

logger = logging.getLogger(__name__)

TARGET_ACCURACY = 0.9
ALL_TO_TRIAGE = 1.01  # the threshold when even the most confident messages miss the target: above any probability
UNSEEN = -1e3  # the score of a class a fold's model never saw (it can never be its answer)
Progress = Callable[[str, int, int], None]  # (stage, done, total)
Floats = Union[Sequence[float], np.ndarray]
Flags = Union[Sequence[bool], np.ndarray]


def silent(_stage: str, _done: int, _total: int) -> None:
    """No progress reports."""
    return None


def choose_threshold(confidence: Floats, correct: Flags, target: float = TARGET_ACCURACY) -> float:
    """The lowest confidence such that messages at or above it are right ≥ ``target`` of the time.

    Messages are taken from the most confident down; the threshold is the confidence of the last
    one at which the accepted messages' accuracy still reaches the target. When even the most
    confident are below the target, the threshold is :data:`ALL_TO_TRIAGE` (every message goes to
    triage, however sure)."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return ALL_TO_TRIAGE
    order = np.argsort(-conf, kind="stable")
    ranked = conf[order]
    running = np.cumsum(ok[order]) / np.arange(1, conf.size + 1)
    # a cut can only fall after the last of equal confidences (they are all accepted or none)
    block_end = np.append(ranked[:-1] > ranked[1:], True)
    meets = np.nonzero((running >= target) & block_end)[0]
    if meets.size == 0:
        return ALL_TO_TRIAGE
    return float(ranked[int(meets.max())])


def stored_threshold(threshold: float) -> float:
    """4 decimals, rounded down (rounding 0.99996 up to 1.0 would send messages of 0.99998 to triage)."""
    if threshold >= ALL_TO_TRIAGE:
        return ALL_TO_TRIAGE
    return math.floor(threshold * 10_000) / 10_000


def accepts(confidence: float, threshold: float) -> bool:
    """Whether the router decides (True) or the work order goes to manual triage."""
    return confidence >= threshold


def fit_temperature(values: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the lowest log-loss of the true classes (column indices ``truth``)."""
    from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]

    rows = np.arange(len(truth))

    def loss(t: float) -> float:
        p = features.softmax(values, t)[rows, truth]
        return float(-np.log(np.clip(p, 1e-12, 1.0)).mean())

    found = minimize_scalar(loss, bounds=(0.05, 100.0), method="bounded")
    return float(found.x)


def cross_validate(data: Dataset, cleaned: Sequence[str], folds: Folds,
                   progress: Progress = silent) -> Dict[str, Any]:
    """Out-of-fold SVM scores of the router (one column per class) and predictions of the baseline.
    (Folds on two threads were slower: the vectorisers hold the GIL.)"""
    import warnings

    labels = np.asarray(data.labels, dtype=object)
    classes = sorted(set(data.labels))
    col = {c: i for i, c in enumerate(classes)}
    values = np.full((len(labels), len(classes)), UNSEEN)
    base_pred = np.empty(len(labels), dtype=object)
    x_clean = np.asarray(cleaned, dtype=object)
    x_raw = np.asarray(data.texts, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # liblinear convergence on tiny folds: the figures show it
        for done, (train_idx, test_idx) in enumerate(folds.splits, 1):
            model = features.router_pipeline().fit(x_clean[train_idx], labels[train_idx])
            fold = features.decision_scores(model, x_clean[test_idx])
            for j, c in enumerate(model.classes_):
                values[test_idx, col[c]] = fold[:, j]
            base_pred[test_idx] = features.baseline_pipeline().fit(x_raw[train_idx], labels[train_idx]).predict(
                x_raw[test_idx])
            progress("交叉验证", done, len(folds.splits))
    truth = np.asarray([col[c] for c in labels])
    return {"classes": classes, "values": values, "truth": truth, "baseline": base_pred}


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


def triage_figures(confidence: Floats, correct: Flags, threshold: float) -> Dict[str, float]:
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    accepted = conf >= threshold
    return {"threshold": round(threshold, 4),
            "triage_share": round(float(1 - accepted.mean()), 4) if conf.size else 0.0,
            "accepted_accuracy": round(float(ok[accepted].mean()), 4) if accepted.any() else 0.0}


def _clean(texts: Sequence[str], progress: Progress) -> List[str]:
    cleaned: List[str] = []
    for i, text in enumerate(texts, 1):
        cleaned.append(features.clean(text))
        if i % 200 == 0 or i == len(texts):
            progress("规范化文本", i, len(texts))
    return cleaned


def train(data: Dataset, name: str, *, root: Optional[Path] = None, target: float = TARGET_ACCURACY,
          label_col: str = "", text_col: str = "", group_col: str = "", progress: Progress = silent,
          activate: Optional[bool] = None, by: Optional[str] = None) -> store.Version:
    """Cross-validate, calibrate, choose the threshold, fit router and baseline on everything, store a version.

    ``activate``: None activates the new version only when ``name`` has no active one. ``by``: who
    trained it (default ``cli:<user>``; ``routing ensure`` marks its own versions)."""
    import joblib  # type: ignore[import-untyped]

    store.check_name(name)
    started = time.perf_counter()
    cleaned = _clean(data.texts, progress)
    progress("分组", 0, 1)
    folds = make_folds(data.labels, cleaned, data.groups)
    progress("分组", 1, 1)
    cv = cross_validate(data, cleaned, folds, progress)
    temperature = fit_temperature(cv["values"], cv["truth"])
    proba = features.softmax(cv["values"], temperature)
    confidence = proba.max(axis=1)
    predicted = np.asarray(cv["classes"], dtype=object)[proba.argmax(axis=1)]
    correct = predicted == np.asarray(data.labels, dtype=object)
    threshold = stored_threshold(choose_threshold(confidence, correct, target))
    cv_scores = scores(data.labels, list(predicted))
    base_scores = scores(data.labels, list(cv["baseline"]))
    progress("训练", 0, 2)
    pipeline = features.router_pipeline().fit(np.asarray(cleaned, dtype=object), np.asarray(data.labels))
    router = features.Router(pipeline, temperature)
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
        "by": by or _who(),
        "data": {"file": data.source, "fingerprint": data.fingerprint, "n": len(data.texts),
                 "text_col": text_col, "label_col": label_col, "group_col": group_col, "counts": data.counts,
                 "skipped_empty": data.skipped_empty, "skipped_formula": data.skipped_formula,
                 "capped": data.capped},
        "classes": [str(c) for c in router.classes_],
        "threshold": threshold,
        "target_accuracy": target,
        "temperature": round(temperature, 4),
        "cv": {"folds": len(folds.splits), "grouped_by": folds.how, "groups": folds.groups,
               "describe": folds.describe(), "macro_f1": cv_scores["macro_f1"], "accuracy": cv_scores["accuracy"],
               "per_class": cv_scores["per_class"], **triage_figures(confidence, correct, threshold)},
        "baseline": {"model": "TF-IDF char 1-3-gram + LinearSVC", "cv_macro_f1": base_scores["macro_f1"],
                     "cv_accuracy": base_scores["accuracy"]},
        "features": {"version": features.VERSION, "max_chars": features.MAX_CHARS,
                     "unigram_weight": features.UNIGRAM_WEIGHT, "C": features.C},
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
    """The stored router and baseline (:class:`bot.routing.store.StoreError` when unusable)."""
    return store.load_router(version), store.load_baseline(version)


def _predict(router: Any, data: Dataset, progress: Progress) -> Tuple[np.ndarray, np.ndarray]:
    """(predicted label, confidence) per message of ``data``."""
    proba = router.predict_proba(np.asarray(_clean(data.texts, progress), dtype=object))
    return np.asarray(router.classes_, dtype=object)[proba.argmax(axis=1)], proba.max(axis=1)


def evaluate(version: store.Version, data: Dataset, progress: Progress = silent) -> Dict[str, Any]:
    """Router and stored baseline on ``data``: the ``routing eval --json`` figures plus triage figures:
    at the stored threshold, and (``for_target``) at the threshold this file would have needed."""
    router, baseline = load_pipelines(version)
    predicted, confidence = _predict(router, data, progress)
    base_predicted = baseline.predict(np.asarray(data.texts, dtype=object))
    ours = scores(data.labels, list(predicted))
    base = scores(data.labels, list(base_predicted))
    correct = predicted == np.asarray(data.labels, dtype=object)
    target = float(version.meta.get("target_accuracy", TARGET_ACCURACY))
    needed = stored_threshold(choose_threshold(confidence, correct, target))
    return {
        "macro_f1": ours["macro_f1"], "accuracy": ours["accuracy"], "per_class": ours["per_class"],
        "baseline": {"macro_f1": base["macro_f1"], "accuracy": base["accuracy"]}, "n": ours["n"],
        "triage": {**triage_figures(confidence, correct, float(version.meta.get("threshold", 0.0))),
                   "for_target": {"target_accuracy": target, **triage_figures(confidence, correct, needed)}},
    }


def tune(version: store.Version, data: Dataset, target: Optional[float] = None,
         progress: Progress = silent) -> Dict[str, Any]:
    """Choose the version's threshold again on a labelled file it was not trained on (a tuning split:
    the latest month of closed work orders, say) and store it; the figures before and after."""
    router = store.load_router(version)
    predicted, confidence = _predict(router, data, progress)
    correct = predicted == np.asarray(data.labels, dtype=object)
    target = float(target if target is not None else version.meta.get("target_accuracy", TARGET_ACCURACY))
    before = triage_figures(confidence, correct, float(version.meta.get("threshold", 0.0)))
    threshold = stored_threshold(choose_threshold(confidence, correct, target))
    after = triage_figures(confidence, correct, threshold)
    store.set_threshold(version, threshold, {"file": data.source, "fingerprint": data.fingerprint,
                                             "n": len(data.texts), "target_accuracy": target, **after})
    return {"before": before, "after": after, "target_accuracy": target, "n": len(data.texts)}
