"""Clashes and near-duplicates between intents' examples.

Both compare examples by :func:`bot.nlu_admin.annotations.text_key` (the assistant's normalisation,
then no spaces or punctuation, lower case), so "居住證怎麼辦？" and "居住证怎么办" are the same.

* A **clash**: the same key already belongs to another intent. The model cannot learn two answers
  to one sentence, so the change is refused and the other intent and its example are named.
* A **near-duplicate**: RapidFuzz's ``fuzz.ratio`` (normalised Indel similarity:
  2 × matching characters / (length a + length b), 0–100) against another intent's examples is
  :data:`NEAR_THRESHOLD` or more. At 80, two ten-character sentences differ by about two characters
  — "是这样" / "不是这样" (85.7) or "需要" / "不需要" (80). Measured on the 997 hand-kept examples
  of 2026-11: 3 cross-intent pairs reach 80, all 肯定/否定 pairs an administrator should look at
  twice; "[生育津贴]怎么申领" / "[生育津贴]在哪申领" (75) does not. Flagged, not refused: such
  pairs can be right, but the administrator should see them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rapidfuzz import fuzz, process

from bot.nlu.textnorm import Normalizer
from bot.nlu_admin.annotations import read_example, text_key

NEAR_THRESHOLD = 80.0
NEAR_LIMIT = 5


@dataclass(frozen=True)
class Similar:
    intent: str
    example: str
    score: float

    def as_dict(self) -> Dict[str, Any]:
        return {"intent": self.intent, "example": self.example, "score": round(self.score, 1)}


@lru_cache(maxsize=16384)
def _key(example: str, norm: Normalizer) -> str:
    return text_key(read_example(example).plain, norm)


class ExampleIndex:
    """Every example's key, built once per change (a thousand examples take a few milliseconds)."""

    def __init__(self, examples: Iterable[Tuple[str, str]], norm: Normalizer) -> None:
        self.norm = norm
        self.entries: List[Tuple[str, str, str]] = []  # (intent, example, key)
        self.by_key: Dict[str, List[Tuple[str, str]]] = {}
        for intent, example in examples:
            key = _key(example, norm)
            self.entries.append((intent, example, key))
            self.by_key.setdefault(key, []).append((intent, example))

    def key(self, plain: str) -> str:
        return text_key(plain, self.norm)

    def same(self, key: str, skip: Optional[Tuple[str, str]] = None) -> List[Tuple[str, str]]:
        """(intent, example) pairs with exactly this key, ``skip`` left out (the example being edited)."""
        return [pair for pair in self.by_key.get(key, []) if pair != skip]

    def near(self, key: str, intent: str, limit: int = NEAR_LIMIT,
             threshold: float = NEAR_THRESHOLD) -> List[Similar]:
        """Other intents' examples at ``threshold`` or above, most similar first (exact clashes left out)."""
        others = [(i, e, k) for i, e, k in self.entries if i != intent and k != key]
        if not key or not others:
            return []
        hits = process.extract(key, [k for _, _, k in others], scorer=fuzz.ratio, score_cutoff=threshold,
                               limit=limit)
        return [Similar(others[pos][0], others[pos][1], float(score)) for _, score, pos in hits]
