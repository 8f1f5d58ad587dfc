"""``python -m bot routing ensure``: a fresh machine gets working routers from the shipped sample data.

For each shipped model (``department`` from 承办部门, ``type`` from 诉求类型 of
``data/routing/train.csv``, grouped by its 场景 column) a new version is trained and activated when

* the name has no active version, or
* the active version is a sample model (trained by ``ensure``, or by anyone from the sample file)
  and was trained on other sample data (another fingerprint) or by an older version of the
  features (it could not be loaded any more).

A version an administrator trained from the city's own history is never replaced: a city's
router is its own business. When such a version is too old to load, ``ensure`` says so (the
administrator retrains it) and leaves it. Nothing changed → nothing is trained; the check reads the sample file
and two ``meta.json`` files, well under a second.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from bot.config import PROJECT_ROOT
from bot.routing import store
from bot.routing.train import Progress, silent

logger = logging.getLogger(__name__)

SAMPLE_FILE = PROJECT_ROOT / "data" / "routing" / "train.csv"
TEXT_COL = "诉求内容"
GROUP_COL = "场景"
MODELS: Tuple[Tuple[str, str], ...] = (("department", "承办部门"), ("type", "诉求类型"))
BY = "ensure"  # meta "by" of the versions this module trains


@dataclass(frozen=True)
class Outcome:
    name: str
    action: str  # "current" | "trained" | "kept"
    version: str
    reason: str  # for the operator, in Chinese


def ensure(root: Optional[Path] = None, sample: Path = SAMPLE_FILE, progress: Progress = silent) -> List[Outcome]:
    """Train and activate the sample models that are missing or stale; say what was done per model."""
    from bot.routing.data import read_labelled
    from bot.routing.features import VERSION
    from bot.routing.train import train

    outcomes: List[Outcome] = []
    for name, label_col in MODELS:
        data = read_labelled(sample, TEXT_COL, label_col, group_col=GROUP_COL)
        current: Optional[store.Version]
        try:
            current = store.active(name, root)
        except store.StoreError:
            current = None
        if current is not None:
            trained_with = current.meta.get("features", {}).get("version", 1)
            same_data = current.meta.get("data", {}).get("fingerprint") == data.fingerprint
            if not _is_sample(current, sample):
                why = ("启用的是管理员训练的版本，不替换" if trained_with == VERSION else
                       "启用的是管理员训练的版本，但它是旧版程序训练的、已不能使用：请用本市数据重新训练")
                outcomes.append(Outcome(name, "kept", current.version, why))
                continue
            if same_data and trained_with == VERSION:
                outcomes.append(Outcome(name, "current", current.version, "示例数据没有变化"))
                continue
            reason = "示例数据变了" if not same_data else "特征版本变了"
        else:
            reason = "还没有启用的版本"
        logger.info("routing ensure: training %s (%s)", name, reason)
        version = train(data, name, root=root, label_col=label_col, text_col=TEXT_COL, group_col=GROUP_COL,
                        progress=progress, activate=True, by=BY)
        outcomes.append(Outcome(name, "trained", version.version, reason))
    return outcomes


def _is_sample(version: store.Version, sample: Path) -> bool:
    """Trained by ``ensure``, or by someone from the shipped sample file itself."""
    if version.meta.get("by") == BY:
        return True
    trained_on = version.meta.get("data", {}).get("file") or ""
    try:
        return bool(trained_on) and Path(trained_on).resolve() == sample.resolve()
    except OSError:
        return False
