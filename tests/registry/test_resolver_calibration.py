"""The calibrated confidence (bot/registry/calibration.py): fitted on labelled rows, threshold from
cross-validated probabilities, stored as readable numbers.

Bad input: a tuning set with only right (or only wrong) answers, too few rows, a stored file of
other features, extreme feature values."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from bot.registry.calibration import FEATURES, Calibration, fit


def _rows(n: int, seed: int = 7) -> List[Tuple[Dict[str, float], bool]]:
    """Right answers are well named and well explained; wrong ones less so, with overlap."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        right = i % 2 == 0
        base = 0.7 if right else 0.45
        features = {name: min(1.0, max(0.0, rng.gauss(base, 0.15))) for name in FEATURES}
        features["guide_unexplained"] = min(1.0, max(0.0, rng.gauss(0.15 if right else 0.5, 0.15)))
        rows.append((features, right))
    return rows


def test_threshold_keeps_wrong_commits_under_the_target_on_held_out_folds() -> None:
    rows = _rows(200)
    calibration, figures = fit(rows, target_wrong=0.04, fitted_on="synthetic", covered=100, total=200)
    assert figures["wrong"] <= 0.04 and figures["found"] > 0.3
    assert 0.0 < calibration.commit_at <= 1.0
    # the stored model agrees with the figures' direction: unexplained words lower the confidence
    coef = dict(zip(FEATURES, calibration.coef, strict=True))
    assert coef["guide_unexplained"] < 0 < coef["naming"]


@pytest.mark.parametrize("rows", [
    [(dict.fromkeys(FEATURES, 0.9), True)] * 30,
    [(dict.fromkeys(FEATURES, 0.1), False)] * 30,
    _rows(6),
])
def test_a_tuning_set_without_both_outcomes_is_refused(rows: List[Tuple[Dict[str, float], bool]]) -> None:
    with pytest.raises(ValueError):
        fit(rows, target_wrong=0.04, fitted_on="bad", covered=len(rows), total=len(rows))


def test_stored_calibration_round_trips_and_other_features_are_ignored(tmp_path: Path) -> None:
    calibration = Calibration(tuple(float(i) for i in range(len(FEATURES))), -1.5, 0.7, "dev.yml")
    path = tmp_path / "cal.json"
    path.write_text(calibration.to_json({"found": 0.75, "wrong": 0.035}), encoding="utf-8")
    loaded = Calibration.load(path)
    assert loaded == calibration
    assert json.loads(path.read_text(encoding="utf-8"))["cross_validated"]["found"] == 0.75
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = ["score", "naming"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert Calibration.load(path) is None
    assert Calibration.load(tmp_path / "missing.json") is None


def test_probability_is_bounded_for_extreme_features() -> None:
    calibration = Calibration(tuple(100.0 for _ in FEATURES), 0.0, 0.7)
    assert calibration.probability(dict.fromkeys(FEATURES, 1000000000.0)) == pytest.approx(1.0)
    assert calibration.probability(dict.fromkeys(FEATURES, -1000000000.0)) == pytest.approx(0.0)
    assert 0.0 < calibration.probability({}) < 1.0


def test_the_shipped_calibration_matches_the_resolver_features() -> None:
    from bot.config import get_settings
    from bot.registry.live import CALIBRATION_FILE

    loaded = Calibration.load(get_settings().lexicon_dir / CALIBRATION_FILE)
    assert loaded is not None and loaded.fitted_on.startswith("dev.yml + questions/"), (
        "fitted on the tuning set and the labelled questions, never the gate set")
    assert "holdout" not in loaded.fitted_on


def test_each_weight_keeps_its_sign_and_is_sklearns_fit_when_no_sign_binds() -> None:
    """The weights are a logistic regression's (sklearn's objective at the same C) with each feature
    kept to the direction ``SIGNS`` gives it: a feature that would take a weight of the wrong sign
    (here ``naming``, made to run against the outcome, as correlated features do) gets none."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from bot.registry.calibration import REGULARISATION, SIGNS, _signed_logistic

    rows = _rows(300, seed=11)
    x = np.array([[r[0][name] for name in FEATURES] for r in rows])
    y = np.array([1.0 if r[1] else 0.0 for r in rows])
    for j, name in enumerate(FEATURES):  # every feature turned to its own direction: no sign binds
        if np.corrcoef(x[:, j], y)[0, 1] * SIGNS[name] < 0:
            x[:, j] = 1.0 - x[:, j]
    coef, intercept = _signed_logistic(x, y)
    reference = LogisticRegression(C=REGULARISATION, max_iter=5000).fit(x, y)
    assert np.allclose(coef, reference.coef_[0], atol=2e-3) and abs(intercept - reference.intercept_[0]) < 2e-3
    x[:, FEATURES.index("naming")] = 1.0 - x[:, FEATURES.index("naming")]  # now it runs against the outcome
    coef, _ = _signed_logistic(x, y)
    assert LogisticRegression(C=REGULARISATION, max_iter=5000).fit(x, y).coef_[0][FEATURES.index("naming")] < 0
    assert coef[FEATURES.index("naming")] == 0.0
    assert all(c * SIGNS[name] >= 0 for c, name in zip(coef, FEATURES, strict=True))
