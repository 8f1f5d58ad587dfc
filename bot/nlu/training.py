"""Train the Rasa model only when its inputs changed.

The inputs are hashed (content, not timestamps), so a fresh clone, a touched file or a
regenerated-but-identical vocabulary never causes a retrain; any real change does.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
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
    """Returns True when a model was trained."""
    stamp = MODEL_DIR / f"{MODEL_NAME}.sha256"
    current = fingerprint(input_files())
    if not force and model_path().exists() and stamp.exists() and stamp.read_text().strip() == current:
        logger.info("model is up to date (%s)", current[:12])
        return False
    MODEL_DIR.mkdir(exist_ok=True)
    command = [str(Path(sys.executable).parent / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
               "--data", *TRAINING_DATA, "--out", str(MODEL_DIR), "--fixed-model-name", MODEL_NAME]
    logger.info("training: %s", " ".join(command))
    # Rasa's training cache keys on component config, not on our normaliser's code or the
    # dictionary files' content, so it could reuse stale outputs: train from scratch.
    env = {**os.environ, "RASA_MAX_CACHE_SIZE": "0"}
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, env=env)
    stamp.write_text(current + "\n")
    return True
