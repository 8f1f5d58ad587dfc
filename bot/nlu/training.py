"""Train the Rasa model only when its inputs changed.

The inputs are hashed (content, not timestamps), so a fresh clone, a touched file or a
regenerated-but-identical vocabulary never causes a retrain; any real change does. The same
fingerprint identifies the data a model version was trained from (bot.models).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Iterable, List, Set

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

MODEL_DIR = PROJECT_ROOT / "models"
MODEL_NAME = "assistant"
TRAINING_DATA = ["data/nlu", "data/rules.yml", "data/stories.yml"]
INPUT_GLOBS = ["config.yml", "domain.yml", "data/nlu/**/*.yml", "data/rules.yml", "data/stories.yml",
               "data/jieba/*.txt", "data/lexicon/*", "bot/nlu/*.py", "requirements.txt"]


def input_files(root: Path = PROJECT_ROOT) -> List[Path]:
    files: Set[Path] = set()
    for pattern in INPUT_GLOBS:
        files.update(p for p in root.glob(pattern) if p.is_file())
    return sorted(files)


def fingerprint(files: Iterable[Path], root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def model_path() -> Path:
    return MODEL_DIR / f"{MODEL_NAME}.tar.gz"


def train_if_changed(force: bool = False) -> bool:
    """Returns True when a model was trained. Models are versions now (issue #9): the inputs'
    fingerprint is compared with the active version's, a new version is trained, evaluated and
    activated through the gate (bot.models.make); ``models/assistant.tar.gz`` is the link to the
    active version. Raises bot.models.store.ModelError when the gate refuses the new version."""
    from bot.models.make import ensure_trained

    return ensure_trained(force=force)
