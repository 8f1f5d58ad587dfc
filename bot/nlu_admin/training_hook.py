"""Where the model lifecycle plugs into the NLU editor: starting a training run from the editor's page.

Training, evaluation and activation are built apart (issue #9, "Model lifecycle"). That code calls
:func:`register_trainer` once at start-up with an object that has ``status() -> dict`` (shown on the
page as it is: running or not, progress, the active model…) and ``start(actor) -> dict`` (starts a
run in the background and answers at once). Until then the page says training is not connected and
``POST /admin/api/nlu/train`` answers 501.

:func:`data_fingerprint` is what a model should record as "trained from": the digest of every file
the editor writes (hand-kept and generated NLU files, the jieba words, the typo table).
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, Optional, Protocol

from bot.nlu_admin import files


class Trainer(Protocol):
    def status(self) -> Dict[str, Any]: ...

    def start(self, actor: str) -> Dict[str, Any]: ...


_trainer: Optional[Trainer] = None


def register_trainer(trainer: Optional[Trainer]) -> None:
    """Connect (or with None disconnect) the model lifecycle's trainer."""
    global _trainer
    _trainer = trainer


def current_trainer() -> Optional[Trainer]:
    return _trainer


def data_fingerprint() -> str:
    root = files.data_root()
    paths = [*files.hand_kept_files(), *files.generated_files(), *sorted(files.words_file().parent.glob("*.txt")),
             files.corrections_file()]
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode("utf-8"))
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
