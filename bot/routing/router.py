"""Routing one message: ``route(text, name="department") -> Routing``.

The active version of each model name (``models/routing/<name>/ACTIVE``) is loaded once per
process and reloaded when ``ACTIVE`` or that version's ``meta.json`` changes (checked at most every
second, :class:`bot.live.Refreshing`), so ``python -m bot routing activate`` and ``routing tune`` take
effect in a running server without a restart.

``Routing.triage`` is true when the confidence is below the model's threshold (chosen at training,
:mod:`bot.routing.train`) or the message has no words: the work order then goes to the desk's
manual triage queue and ``label`` is only the router's best guess, shown to the person triaging.
A name with no trained model raises :class:`bot.routing.store.StoreError` (the caller triages).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from bot.live import Refreshing
from bot.routing import features, store
from bot.routing.train import accepts

ALTERNATIVES = 3


@dataclass(frozen=True)
class Routing:
    label: str  # the class with the highest probability (the best guess even when triaged)
    confidence: float  # its calibrated probability
    triage: bool  # below the model's threshold (or no words): manual triage instead of this guess
    alternatives: Tuple[Tuple[str, float], ...]  # the next most probable classes, with probabilities
    model: str = ""  # "name/version" that decided

    def as_dict(self) -> Dict[str, Any]:
        return {"label": self.label, "confidence": round(self.confidence, 4), "triage": self.triage,
                "alternatives": [[label, round(p, 4)] for label, p in self.alternatives], "model": self.model}


class LoadedRouter:
    def __init__(self, version: store.Version) -> None:
        self.version = version
        self.model = store.load_router(version)
        self.classes: List[str] = [str(c) for c in self.model.classes_]
        self.threshold = float(version.meta.get("threshold", 0.0))

    def route(self, text: str) -> Routing:
        cleaned = features.clean(text)
        proba = self.model.predict_proba(np.asarray([cleaned], dtype=object))[0]
        order = np.argsort(-proba, kind="stable")
        best = int(order[0])
        confidence = float(proba[best])
        empty = not features.has_words(cleaned)
        return Routing(
            label=self.classes[best], confidence=confidence, triage=empty or not accepts(confidence, self.threshold),
            alternatives=tuple((self.classes[int(i)], float(proba[int(i)])) for i in order[1:ALTERNATIVES]),
            model=f"{self.version.name}/{self.version.version}")


_holders: Dict[Tuple[str, str], Refreshing[LoadedRouter]] = {}
_lock = threading.Lock()


def _holder(name: str, root: Optional[Path]) -> Refreshing[LoadedRouter]:
    key = (name, str(store.root_dir(root)))
    with _lock:
        holder = _holders.get(key)
        if holder is None:
            def fingerprint() -> str:  # the active version, and its meta (``routing tune`` moves the threshold)
                version = store.active_version(name, root) or ""
                try:
                    changed = (store.root_dir(root) / name / version / store.META_FILE).stat().st_mtime_ns
                except OSError:
                    changed = 0
                return f"{version}:{changed}"

            def load() -> LoadedRouter:
                return LoadedRouter(store.active(name, root))

            holder = Refreshing(fingerprint, load, ttl=1.0, name=f"routing model {name}")
            _holders[key] = holder
        return holder


def load(name: str = "department", root: Optional[Path] = None) -> LoadedRouter:
    return _holder(name, root).get()


def route(text: str, name: str = "department", root: Optional[Path] = None) -> Routing:
    """The message type or handling department of a message, with confidence and the triage flag."""
    return load(name, root).route(text)
