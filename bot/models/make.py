"""What ``make model`` (``python -m bot nlu train``) does now that models are versions.

* A plain ``models/assistant.tar.gz`` from before versions becomes the first version (and is evaluated,
  so the next one is gated against it).
* The inputs' fingerprint is compared with the active version's: equal, nothing to do (a fresh clone,
  a touched file or a regenerated-but-identical vocabulary never retrains).
* Otherwise a version with these inputs is trained (or one already trained from them is reused) and
  activated through the gate. On a fresh machine that first version is simply active. A version the
  gate refuses stays trained but inactive, and the command fails saying so: a developer whose change
  costs more than 2 points of macro-F1 decides with ``python -m bot model activate V --force --reason``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from bot.audit.log import cli_actor
from bot.models import lifecycle, store, trainer

logger = logging.getLogger(__name__)


def ensure_trained(force: bool = False, root: Optional[Path] = None) -> bool:
    """Make the active version match the inputs; True when a version was trained. ModelError when the
    gate refused the new version or training failed."""
    actor = cli_actor()
    adopted = store.adopt_legacy(actor, root)
    if adopted:
        print(f"已把原有模型登记为第一个版本 {adopted}，正在用留出集评估……", flush=True)
        _evaluate(adopted, root)
    current = trainer.current_fingerprint()
    active = store.active_version(root)
    if not force and active and store.read_meta(active, root).get("fingerprint") == current:
        logger.info("model version %s is up to date (%s)", active, current[:12])
        return False
    trained = False
    version = None if force else _trained_from(current, root)
    if version is None:
        print("训练数据或配置有变化，开始训练新版本……", flush=True)
        version = str(trainer.train(actor, root)["version"])
        trained = True
    result = lifecycle.activate(version, actor, "cli", root=root)
    if result["changed"]:
        print(f"已启用模型版本 {version}", flush=True)
    return trained


def _trained_from(fingerprint: str, root: Optional[Path]) -> Optional[str]:
    """The newest ready version trained from exactly these inputs (trained in the console, say)."""
    for version in store.all_versions(root):
        meta = store.read_meta(version, root)
        if meta.get("fingerprint") == fingerprint and trainer.state_of(meta, root) == "ready":
            return version
    return None


def _evaluate(version: str, root: Optional[Path]) -> None:
    try:
        trainer.evaluate(version, root)
    except store.ModelError as exc:  # busy, or the evaluation failed: the version stays usable
        print(f"{exc} 稍后可用 python -m bot model evaluate {version} 再评估。", flush=True)
