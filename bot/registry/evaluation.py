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
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.registry.calibration import Calibration, fit
from bot.registry.examples import NONE, ExampleModel, names_by_code, question_files
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
    """A set's questions (``{questions: [...]}`` or a plain list; a directory: every file in it)."""
    if path.is_dir() or not path.suffix:
        return [q for p in question_files(path) for q in load_questions(p)]
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = data.get("questions") if isinstance(data, dict) else data
    out = []
    for row in rows or []:
        if not isinstance(row, dict) or not str(row.get("text") or "").strip():
            logger.warning("%s: a question without text is skipped: %r", path, row)
            continue
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
              fitted_on: str, labelled: Sequence[Question] = (), folds: int = 5,
              model: Callable[..., ExampleModel] = ExampleModel) -> Tuple[Calibration, Dict[str, float]]:
    """Fit the calibration on a tuning set (the resolver's own calibration is not used).

    ``labelled`` are the questions the resolver's example model learns from
    (``data/registry/questions``): they join the tuning rows, each scored by a model fitted
    without its fold, so the calibration never sees a probability of a question it learnt."""
    normalize = nlu_normalizer()
    rows = _rows(resolver, questions, normalize)
    full = resolver.examples
    if labelled:
        names = names_by_code(resolver.records.values())
        pairs = [(normalize(q.text), q.expect or NONE) for q in labelled]
        try:
            for fold in range(folds):
                resolver.examples = model([p for i, p in enumerate(pairs) if i % folds != fold], names)
                rows += _rows(resolver, [q for i, q in enumerate(labelled) if i % folds == fold], normalize)
        finally:
            resolver.examples = full
    every = [*questions, *labelled]
    covered = sum(1 for q in every if q.expect is not None)
    return fit(rows, target_wrong, fitted_on, covered, len(every))


def _rows(resolver: Resolver, questions: Sequence[Question],
          normalize: Callable[[str], str]) -> List[Tuple[Dict[str, float], bool]]:
    rows = []
    for q in questions:
        resolution, features = _features(resolver, normalize(q.text))
        if features is None or any(features.get(k) for k in ("variant_mismatch", "indistinct", "unrecognised")):
            continue  # never committed: the calibration does not decide these
        best = resolution.candidates[0].code if resolution.candidates else None
        rows.append((features, q.expect is not None and best == q.expect))
    return rows


def _features(resolver: Resolver, text: str) -> Tuple[Resolution, Optional[Dict[str, float]]]:
    """The verdict and what its confidence was computed from (``None`` when the resolver decided
    without one: nothing named and nothing described, or no candidate at all)."""
    resolution = resolver.resolve(text)
    if not resolution.candidates:
        return resolution, None
    return resolution, resolution.features
