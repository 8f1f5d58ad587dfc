"""How well the resolver picks "the right item or none" on a labelled question set.

A set is YAML: ``questions: [{text, expect: CODE|none, kind}]`` (tests/registry/hotline/).
Figures, as the gate reports them: *wrong* = commits to another item than the label (or to
any item when the label is none), over all questions; *found* = commits to the labelled item,
over the questions the registry covers.

Each question is first normalised as the NLU pipeline does before the resolver sees a message
(bot/nlu/textnorm.py: full width, 繁→简, the typo table), so "公积金取錢需要帶什麼證件" is
measured as the resolver meets it in a conversation.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import yaml

from bot.registry.calibration import Calibration, fit
from bot.registry.resolver import Resolution, Resolver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    text: str
    expect: Optional[str]  # item code, None when no item answers it
    kind: str = ""


@dataclass
class Report:
    total: int = 0
    covered: int = 0
    right: int = 0
    wrong: int = 0
    chose: int = 0
    offered: int = 0  # covered questions whose item was among the offered buttons
    declined: int = 0
    failures: List[Dict[str, object]] = field(default_factory=list)

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.total if self.total else 0.0

    @property
    def found_rate(self) -> float:
        return self.right / self.covered if self.covered else 0.0

    def as_dict(self) -> Dict[str, object]:
        return {"total": self.total, "covered": self.covered, "right": self.right, "wrong": self.wrong,
                "chose": self.chose, "offered": self.offered, "declined": self.declined,
                "wrong_rate": round(self.wrong_rate, 4), "found_rate": round(self.found_rate, 4),
                "failures": self.failures}


def load_questions(path: Path) -> List[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for row in data.get("questions") or []:
        expect = row.get("expect")
        out.append(Question(str(row["text"]), None if expect in (None, "none") else str(expect),
                            str(row.get("kind") or "")))
    return out


@lru_cache(maxsize=1)
def nlu_normalizer() -> Callable[[str], str]:
    """The normalisation the NLU pipeline applies before RegistryEntities (config.yml)."""
    from bot.config import get_settings
    from bot.nlu.textnorm import Normalizer, load_corrections, load_words

    settings = get_settings()
    return Normalizer(words=load_words(settings.jieba_dir),
                      corrections=load_corrections(settings.lexicon_dir / "corrections.tsv"))


def evaluate(resolver: Resolver, questions: List[Question]) -> Report:
    report = Report()
    normalize = nlu_normalizer()
    for q in questions:
        resolution = resolver.resolve(normalize(q.text))
        report.total += 1
        report.covered += q.expect is not None
        got = resolution.item.code if resolution.item else None
        if got is not None and got == q.expect:
            report.right += 1
            continue
        if got is not None:
            report.wrong += 1
        elif resolution.outcome == "choose":
            report.chose += 1
            report.offered += q.expect in [c.code for c in resolution.candidates]
        else:
            report.declined += 1
        if got is not None or q.expect is not None:
            report.failures.append({"text": q.text, "expect": q.expect, "outcome": resolution.outcome, "got": got,
                                    "candidates": [c.code for c in resolution.candidates[:3]]})
    return report


def calibrate(resolver: Resolver, questions: List[Question], target_wrong: float,
              fitted_on: str) -> Tuple[Calibration, Dict[str, float]]:
    """Fit the calibration on a tuning set (the resolver's own calibration is not used)."""
    rows = []
    normalize = nlu_normalizer()
    for q in questions:
        resolution, features = _features(resolver, normalize(q.text))
        if features is None or features.get("variant_mismatch"):
            continue  # never committed: the calibration does not decide these
        best = resolution.candidates[0].code if resolution.candidates else None
        rows.append((features, q.expect is not None and best == q.expect))
    covered = sum(1 for q in questions if q.expect is not None)
    return fit(rows, target_wrong, fitted_on, covered, len(questions))


def _features(resolver: Resolver, text: str) -> Tuple[Resolution, Optional[Dict[str, float]]]:
    resolution = resolver.resolve(text)
    if not resolution.candidates or max(c.naming for c in resolution.candidates) == 0.0:
        return resolution, None  # nothing named: the calibration never decides these
    return resolution, resolution.features
