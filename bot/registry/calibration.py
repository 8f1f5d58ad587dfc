"""Calibrated confidence for the resolver: P(the best candidate is the matter asked).

A logistic regression over a handful of explainable features of the resolver's verdict (how
clearly the item is named, how much of the asking clause it explains, the margin to the
runner-up, unexplained and unknown words, a kind of handling the item does not do). It is
fitted on a labelled tuning set of hotline questions (never the held-out gate set) by
``python -m bot registry calibrate``, and stored as a few numbers in
``data/lexicon/resolver_calibration.json`` so anyone can read what drives a decision.
The commit threshold is the lowest probability at which the tuning set's wrong answers stay
under ``target_wrong``.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

logger = logging.getLogger(__name__)

FEATURES = ("score", "naming", "cover", "margin", "focus_unexplained", "focus_unknown", "variant_mismatch", "length")


@dataclass(frozen=True)
class Calibration:
    coef: Tuple[float, ...]
    intercept: float
    commit_at: float
    fitted_on: str = ""

    def probability(self, features: Dict[str, float]) -> float:
        z = self.intercept + sum(w * float(features.get(name, 0.0))
                                 for w, name in zip(self.coef, FEATURES, strict=False))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), "coef": [round(c, 4) for c in self.coef],
                           "intercept": round(self.intercept, 4), "commit_at": round(self.commit_at, 4),
                           "fitted_on": self.fitted_on}, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def load(cls, path: Path) -> Calibration | None:
        if not path.exists():
            logger.warning("no resolver calibration at %s: plain score thresholds are used", path)
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data.get("features") or []) != list(FEATURES):
            logger.warning("resolver calibration %s was fitted on other features; ignored", path)
            return None
        return cls(tuple(float(c) for c in data["coef"]), float(data["intercept"]), float(data["commit_at"]),
                   str(data.get("fitted_on") or ""))


def fit(rows: Sequence[Tuple[Dict[str, float], bool]], target_wrong: float, fitted_on: str,
        covered: int, total: int) -> Tuple[Calibration, Dict[str, float]]:
    """Fit on (features, best-candidate-is-right) rows; pick the commit threshold.

    ``covered`` and ``total`` count the tuning questions (with an item / all), so the threshold
    is chosen on the same rates the gate reports: wrong commits over all questions, and
    right commits over the covered ones.
    """
    from sklearn.linear_model import LogisticRegression

    x = [[r[0].get(name, 0.0) for name in FEATURES] for r in rows]
    y = [1 if r[1] else 0 for r in rows]
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x, y)
    probabilities = model.predict_proba(x)[:, 1]
    best = (1.0, 0.0, 0.0)
    for threshold in sorted({round(float(p), 4) for p in probabilities}):
        right = sum(1 for p, ok in zip(probabilities, y, strict=True) if p >= threshold and ok)
        wrong = sum(1 for p, ok in zip(probabilities, y, strict=True) if p >= threshold and not ok)
        if wrong / max(total, 1) <= target_wrong:
            best = (threshold, right / max(covered, 1), wrong / max(total, 1))
            break
    calibration = Calibration(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]), best[0], fitted_on)
    return calibration, {"commit_at": best[0], "found": best[1], "wrong": best[2]}


__all__: List[str] = ["FEATURES", "Calibration", "fit"]
