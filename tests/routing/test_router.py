"""``route()`` in process: confidence, triage, alternatives, reload when ACTIVE or the threshold changes;
the threshold and temperature rules.

Bad input tried: an empty message, one of punctuation only, one of digits only, a 10,000-character
message, a model stored by an older version of the features, a truncated model file."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from bot.routing import router, store
from bot.routing.data import read_labelled
from bot.routing.train import ALL_TO_TRIAGE, choose_threshold, fit_temperature, stored_threshold, train
from tests.routing import synthetic

SMOKE = "我家楼下那个烧烤店油烟特别大，每天晚上熏得窗户都不敢开，投诉了好几次也没人管"


def test_threshold_is_the_lowest_confidence_that_keeps_the_target() -> None:
    confidence = [0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, True, True, True, False, False]
    assert choose_threshold(confidence, correct, 0.9) == 0.7  # 5/5 right at ≥ 0.7; 5/6 at 0.6
    assert choose_threshold(confidence, correct, 0.7) == 0.5  # 5/7 = 0.714
    # never reached: a threshold above any probability, so even a certain message is triaged
    assert choose_threshold([0.9, 0.8], [False, True], 0.9) == ALL_TO_TRIAGE > 1.0
    assert choose_threshold([], [], 0.9) == ALL_TO_TRIAGE
    # equal confidences are accepted together: 0.8 would take both, one of which is wrong
    assert choose_threshold([0.9, 0.8, 0.8], [True, True, False], 0.9) == 0.9
    # stored rounded down, so the message that set it is still accepted
    assert stored_threshold(0.99996) == 0.9999 and stored_threshold(0.12345) == 0.1234
    assert stored_threshold(1.0) == 1.0 and stored_threshold(ALL_TO_TRIAGE) == ALL_TO_TRIAGE


def test_temperature_follows_how_often_the_scores_are_right() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 300)
    scores = rng.normal(0, 0.3, (300, 3))
    scores[np.arange(300), truth] += 1.0  # the true class scores higher: right nearly always
    sure = fit_temperature(scores, truth)
    wrong = truth.copy()
    wrong[:120] = (wrong[:120] + 1) % 3  # the same scores, but 40% of the answers are other classes
    unsure = fit_temperature(scores, wrong)
    assert sure > 3 * unsure and 0.05 <= unsure < sure <= 100


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    data = read_labelled(synthetic.write(root / "train.csv", synthetic.rows(160, seed=5)), "诉求内容", "承办部门")
    train(data, "department", root=root)
    return root


def test_route_decides_a_clear_message_and_triages_one_without_words(trained: Path) -> None:
    first = store.active("department", trained)
    result = router.route(SMOKE, root=trained)
    assert result.label == "生态环境局" and not result.triage and result.confidence >= first.meta["threshold"]
    assert result.confidence > 0.5
    assert len(result.alternatives) == 2 and all(p <= result.confidence for _l, p in result.alternatives)
    assert result.model == f"department/{first.version}"
    assert router.route("？？？", root=trained).triage  # no words: the desk decides
    assert router.route("", root=trained).triage
    assert router.route("13812345678 2026-11-27", root=trained).triage  # digits only
    long = router.route("油烟" + "很大" * 5_000, root=trained)
    assert long.label == "生态环境局"


def test_a_new_version_is_used_after_activate(trained: Path, tmp_path: Path) -> None:
    root = tmp_path / "models"
    data = read_labelled(synthetic.write(tmp_path / "t.csv", synthetic.rows(120, seed=6)), "诉求内容", "承办部门")
    with pytest.raises(store.StoreError):
        router.route("油烟", root=root)
    first = train(data, "department", root=root)
    second = train(data, "department", root=root)
    assert router.route("油烟很大", root=root).model.endswith(first.version)
    store.activate("department", second.version, root)
    time.sleep(1.1)  # ACTIVE is checked at most every second
    assert router.route("油烟很大", root=root).model.endswith(second.version)
    assert not router.route(SMOKE, root=root).triage
    store.set_threshold(store.active("department", root), ALL_TO_TRIAGE, {"file": "tuning.csv"})  # routing tune
    time.sleep(1.1)
    assert router.route(SMOKE, root=root).triage  # the running router took the new threshold


def test_an_old_or_broken_model_is_a_store_error_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "models"
    data = read_labelled(synthetic.write(tmp_path / "t.csv", synthetic.rows(100, seed=7)), "诉求内容", "承办部门")
    version = train(data, "department", root=root)
    meta = json.loads((version.path / store.META_FILE).read_text(encoding="utf-8"))
    meta["features"]["version"] = 1  # trained by the previous router (jieba words, CalibratedClassifierCV)
    (version.path / store.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(store.StoreError, match="旧版程序训练"):
        router.route(SMOKE, root=root)
    newer = train(data, "department", root=root, activate=True)
    (newer.path / store.ROUTER_FILE).write_bytes((newer.path / store.ROUTER_FILE).read_bytes()[:100])
    with pytest.raises(store.StoreError, match="读不了"):
        store.load_router(store.active("department", root))
