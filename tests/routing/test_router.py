"""``route()`` in process: confidence, triage, alternatives, reload when ACTIVE changes; the threshold rule."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.routing import router, store
from bot.routing.data import read_labelled
from bot.routing.train import choose_threshold, train
from tests.routing import synthetic


def test_threshold_is_the_lowest_confidence_that_keeps_the_target() -> None:
    confidence = [0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, True, True, True, False, False]
    assert choose_threshold(confidence, correct, 0.9) == 0.7  # 5/5 right at ≥ 0.7; 5/6 at 0.6
    assert choose_threshold(confidence, correct, 0.7) == 0.5  # 5/7 = 0.714
    assert choose_threshold([0.9, 0.8], [False, True], 0.9) == 1.0  # never reached: everything triaged
    # equal confidences are accepted together: 0.8 would take both, one of which is wrong
    assert choose_threshold([0.9, 0.8, 0.8], [True, True, False], 0.9) == 0.9


def test_route_triage_and_reload(tmp_path: Path) -> None:
    path = synthetic.write(tmp_path / "train.csv", synthetic.rows(160, seed=5))
    data = read_labelled(path, "诉求内容", "承办部门")
    root = tmp_path / "models"
    with pytest.raises(store.StoreError):
        router.route("油烟", root=root)
    first = train(data, "department", root=root)
    result = router.route("我家楼下那个烧烤店油烟特别大，每天晚上熏得窗户都不敢开，投诉了好几次也没人管", root=root)
    assert result.label == "生态环境局" and not result.triage and result.confidence >= first.meta["threshold"]
    assert len(result.alternatives) == 2 and all(p <= result.confidence for _l, p in result.alternatives)
    assert result.model == f"department/{first.version}"
    assert router.route("？？？", root=root).triage  # no words: the desk decides
    assert router.route("", root=root).triage

    second = train(data, "department", root=root)
    assert router.route("油烟很大", root=root).model.endswith(first.version)
    store.activate("department", second.version, root)
    time.sleep(1.1)  # ACTIVE is checked at most every second
    assert router.route("油烟很大", root=root).model.endswith(second.version)
