"""Calibrated confidence for the resolver: P(the best candidate is the matter asked).

A logistic regression over a handful of explainable features of the resolver's verdict, each
weight kept to the direction the feature should move the confidence (``SIGNS``; a weight the fit
has no use for is 0, which the stored file shows):

* ``naming`` — how clearly the question names the item (1.0 a name or alias as written);
* ``cover`` — the share of the question's content words the item's names and keywords explain;
* ``margin`` — how far the runner-up is behind;
* ``guide_unexplained`` — the share of the *asking* clause's words that not even the item's whole
  guide (situations, materials, steps, conditions) explains: "养老金涨多少", "公租房租金怎么算";
* ``doc_sim`` / ``doc_margin`` — the second scorer's opinion (TF-IDF over each item's whole
  document, bot/registry/documents.py): how alike the question and the item are, and how far
  ahead of every other item;
* ``example_score`` / ``example_none`` / ``example_top`` / ``example_margin`` — the third opinion, a
  classifier trained on residents' labelled questions (bot/registry/examples.py): its score for the
  best item, for "no item answers this", whether its own first choice is the same item, and how far
  that item's score is ahead of every other class;
* ``nearest_margin`` — how much closer the question is to the closest labelled question about the
  item than to the closest one labelled none: "公积金贷款的利率是多少" names the loan item with every
  word, and is a near copy of a question its guide does not answer.

It is fitted on a labelled tuning set of hotline questions (never the held-out gate set) by
``python -m bot registry calibrate`` and stored as a few numbers in
``data/lexicon/resolver_calibration.json`` so anyone can read what drives a decision. The commit
threshold is chosen on *cross-validated* probabilities (each question scored by a model that did
not see it), as the lowest at which the tuning set's wrong commits stay under ``target_wrong``:
the in-sample fit would promise more than a new question gets.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Sequence, Tuple

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

FEATURES = ("naming", "cover", "margin", "guide_unexplained", "doc_sim", "doc_margin",
            "example_score", "example_none", "example_top", "example_margin", "nearest_margin")
REGULARISATION = 1.0  # sklearn's C; tried 0.3–3 on the tuning set, the figures barely move
# the direction each feature may move the confidence (see ``_signed_logistic``)
SIGNS = {"naming": 1, "cover": 1, "margin": 1, "guide_unexplained": -1, "doc_sim": 1, "doc_margin": 1,
         "example_score": 1, "example_none": -1, "example_top": 1, "example_margin": 1, "nearest_margin": 1}
FOLDS = 5
REPEATS = 5  # cross-validation repeated over shuffles: a tuning set of ~170 questions is noisy


@dataclass(frozen=True)
class Calibration:
    coef: Tuple[float, ...]
    intercept: float
    commit_at: float
    fitted_on: str = ""

    def probability(self, features: Dict[str, float]) -> float:
        z = self.intercept + sum(w * float(features.get(name, 0.0))
                                 for w, name in zip(self.coef, FEATURES, strict=False))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_json(self, figures: Dict[str, float] | None = None) -> str:
        data: Dict[str, object] = {
            "features": list(FEATURES), "coef": [round(c, 4) for c in self.coef],
            "intercept": round(self.intercept, 4), "commit_at": round(self.commit_at, 4),
            "fitted_on": self.fitted_on}
        if figures:
            data["cross_validated"] = {k: round(v, 4) for k, v in figures.items()}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

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

    ``rows`` are the questions whose verdict the calibration decides (a named best candidate
    that does the kind of handling asked). ``covered`` and ``total`` count all tuning questions
    (with an item / all), so the threshold is chosen on the rates the gate reports: wrong
    commits over all questions, and right commits over the covered ones.
    """
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    x = np.array([[r[0].get(name, 0.0) for name in FEATURES] for r in rows], dtype=float)
    y = np.array([1.0 if r[1] else 0.0 for r in rows])
    if len(set(y.tolist())) < 2 or min(int(y.sum()), int(len(y) - y.sum())) < FOLDS:
        raise ValueError("the tuning set needs at least a few right and a few wrong best candidates")
    held_out = np.zeros(len(y))
    for seed in range(REPEATS):
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y):
            coef, intercept = _signed_logistic(x[train], y[train])
            held_out[test] += 1.0 / (1.0 + np.exp(-(x[test] @ coef + intercept)))
    held_out /= REPEATS
    threshold, found, wrong = 1.0, 0.0, 0.0
    for candidate in sorted({round(float(p), 4) for p in held_out}):
        commits = held_out >= candidate
        n_wrong = int((commits & (y == 0)).sum())
        if n_wrong / max(total, 1) <= target_wrong:
            threshold = candidate
            found = int((commits & (y == 1)).sum()) / max(covered, 1)
            wrong = n_wrong / max(total, 1)
            break
    coef, intercept = _signed_logistic(x, y)
    calibration = Calibration(tuple(float(c) for c in coef), float(intercept), threshold, fitted_on)
    return calibration, {"commit_at": threshold, "found": found, "wrong": wrong}


def _signed_logistic(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, float]:
    """L2-regularised logistic regression (sklearn's objective at ``C``) whose weights keep the
    sign ``SIGNS`` gives each feature. Unconstrained, correlated features trade weights: the fit
    gave the item's own score a negative weight and leaned on its lead over the others, so a
    question every class scores low ("租赁车驾驶人备案在哪里办", like nothing residents asked) came
    out confident. With the signs, more naming, cover or agreement never lowers the confidence."""
    import numpy as np
    from scipy.optimize import minimize  # type: ignore[import-untyped]
    from scipy.special import expit  # type: ignore[import-untyped]

    d = x.shape[1]

    def objective(theta: np.ndarray) -> Tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = x @ w + b
        p = expit(z)
        loss = float(np.logaddexp(0.0, z).sum() - y @ z) + 0.5 * float(w @ w) / REGULARISATION
        return loss, np.append(x.T @ (p - y) + w / REGULARISATION, (p - y).sum())

    bounds = [(0.0, None) if SIGNS[name] > 0 else (None, 0.0) for name in FEATURES] + [(None, None)]
    result = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x[:d], float(result.x[d])


__all__: List[str] = ["FEATURES", "Calibration", "fit"]
