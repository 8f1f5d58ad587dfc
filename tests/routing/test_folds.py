"""Grouped cross-validation folds (bot/routing/folds.py): a group is never split between training and
test, every training fold keeps every class, near-duplicates stay together without a group column.

Bad input tried: empty group cells, one group holding most of the file, a class with three messages,
messages shorter than the 4-character shingles, exact duplicates."""
from __future__ import annotations

import numpy as np

from bot.routing.folds import make_folds, near_duplicate_groups
from tests.routing import synthetic


def test_a_group_column_keeps_each_group_on_one_side() -> None:
    rows = synthetic.grouped_rows(200, seed=4)
    labels = [r[2] for r in rows]
    groups = [r[3] for r in rows]
    groups[:5] = [""] * 5  # empty cells: each message its own group
    folds = make_folds(labels, [r[0] for r in rows], groups)
    assert folds.how == "group-column" and len(folds.splits) == 5
    assert folds.groups == len(set(groups) - {""}) + 5
    tested = np.concatenate([test for _train, test in folds.splits])
    assert sorted(tested) == list(range(200))  # every message is tested exactly once
    for train, test in folds.splits:
        assert not {groups[i] for i in train if groups[i]} & {groups[i] for i in test if groups[i]}
        assert {labels[i] for i in train} == set(labels)


def test_without_groups_near_duplicates_stay_together() -> None:
    rows = synthetic.rows(120, seed=8)
    texts = [r[0] for r in rows]
    texts[10] = texts[3]  # a message sent twice
    texts[11] = texts[3].replace("您好", "你好")  # and once more, nearly the same
    labels = [r[2] for r in rows]
    labels[10] = labels[11] = labels[3]
    groups = near_duplicate_groups(texts)
    assert groups[3] == groups[10] == groups[11]
    folds = make_folds(labels, texts)
    assert folds.how == "near-duplicates"
    for train, _test in folds.splits:
        assert (3 in train) == (10 in train) == (11 in train)
    # shorter than a shingle: nothing to compare, each its own group
    assert list(near_duplicate_groups(["好", "停水", "路灯"])) == [0, 1, 2]


def test_a_group_too_big_to_leave_out_falls_back_to_near_duplicates() -> None:
    rows = synthetic.grouped_rows(100, seed=9)
    groups = ["一大组"] * 80 + [r[3] for r in rows[80:]]
    folds = make_folds([r[2] for r in rows], [r[0] for r in rows], groups)
    assert folds.how in ("near-duplicates", "stratified") and "折" in folds.describe()


def test_a_small_class_means_fewer_folds() -> None:
    labels = ["城管"] * 30 + ["民政"] * 3
    texts = [f"第{i}条消息，路灯坏了很久没人修，晚上看不见路，{i * 7}号" for i in range(33)]
    folds = make_folds(labels, texts)
    assert len(folds.splits) == 3
    for train, _test in folds.splits:
        assert {labels[i] for i in train} == {"城管", "民政"}
