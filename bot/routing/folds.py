"""Cross-validation folds that do not leak: messages of one group are never split between training and test.

The confidence threshold and the temperature are chosen on messages the model did not see. That is
only honest when the unseen messages are as new as tomorrow's are: a labelled history holds the
same matter in many messages (one building site, one bus line, the sentences an operator types
every day), and with plain stratified folds the model has always seen the matter already. On the
sample data plain folds said 98% right and the held-out file said 75%; a threshold chosen on them
sent 3% to triage and the rest were right 79% of the time instead of 90%.

So folds are grouped (``StratifiedGroupKFold``):

* by a **group column** when the file has one (``--group-col``: the 诉求分类 or scenario of a
  message, its source, the caller): every group is unseen in its test fold;
* otherwise by **near-duplicate clusters**: messages whose character-4-gram TF-IDF vectors have
  cosine similarity ≥ :data:`NEAR_DUPLICATE` are linked and a connected component is a group
  (repeated submissions, copy-paste, one operator's template). This catches repeats, not the same
  matter in other words, so without a group column the threshold can still be optimistic.

A group that is too big to leave out (more than a fold's share of the file) makes the clustering
stricter; when nothing else works the folds are plain stratified and the training summary says so.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

logger = logging.getLogger(__name__)

MAX_FOLDS = 5
NEAR_DUPLICATE = 0.5  # cosine similarity of character-4-gram TF-IDF vectors
SEED = 20261127
Split = Tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Folds:
    splits: List[Split]
    how: str  # "group-column" | "near-duplicates" | "stratified"
    groups: int  # distinct groups (messages when stratified)

    def describe(self) -> str:
        if self.how == "group-column":
            return f"{len(self.splits)} 折，按分组列（{self.groups} 组）"
        if self.how == "near-duplicates":
            return f"{len(self.splits)} 折，按近似重复的消息分组（{self.groups} 组）"
        return f"{len(self.splits)} 折（没有分组）"


def near_duplicate_groups(cleaned: Sequence[str], similarity: float = NEAR_DUPLICATE) -> np.ndarray:
    """A group number per message: connected components of the "nearly the same text" graph."""
    from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import radius_neighbors_graph

    try:
        vectors = TfidfVectorizer(analyzer="char", ngram_range=(4, 4), sublinear_tf=True,
                                  dtype=np.float32).fit_transform(list(cleaned))
    except ValueError:  # every message shorter than 4 characters: nothing is a near-duplicate
        return np.arange(len(cleaned))
    graph = radius_neighbors_graph(vectors, radius=1.0 - similarity, metric="cosine")
    _count, labels = connected_components(graph, directed=False)
    result: np.ndarray = labels
    return result


def make_folds(labels: Sequence[str], cleaned: Sequence[str], groups: Optional[Sequence[str]] = None) -> Folds:
    """Grouped, stratified folds; ``groups`` from the file's group column (empty cells: own group)."""
    y = np.asarray(labels, dtype=object)
    smallest = int(min(np.unique(y, return_counts=True)[1]))
    k = int(max(2, min(MAX_FOLDS, smallest)))
    if groups is not None:
        ids = np.asarray([g if g else f"\x00{i}" for i, g in enumerate(groups)], dtype=object)
        folds = _grouped(y, ids, k, "group-column")
        if folds is not None:
            return folds
        logger.info("the group column leaves too few groups for %d folds: near-duplicate clusters instead", k)
    for similarity in (NEAR_DUPLICATE, 0.6, 0.7, 0.8, 0.9):
        found = _grouped(y, near_duplicate_groups(cleaned, similarity), k, "near-duplicates")
        if found is not None:
            return found
    return _stratified(y, k)


def _grouped(y: np.ndarray, ids: np.ndarray, k: int, how: str) -> Optional[Folds]:
    """StratifiedGroupKFold, or None when a group is bigger than a fold or a training fold loses a class."""
    import warnings

    from sklearn.model_selection import StratifiedGroupKFold

    names, codes = np.unique(ids.astype(str), return_inverse=True)
    if len(names) < k or np.bincount(codes).max() > len(y) / k:
        return None
    classes = set(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the least populated class has only n members": said in the summary
        splits = list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=SEED).split(y, y, codes))
    if any(set(y[train]) != classes for train, _test in splits):
        return None
    return Folds([(np.asarray(a), np.asarray(b)) for a, b in splits], how, len(names))


def _stratified(y: np.ndarray, k: int) -> Folds:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    splits: List[Any] = list(splitter.split(y, y))
    return Folds([(np.asarray(a), np.asarray(b)) for a, b in splits], "stratified", len(y))
