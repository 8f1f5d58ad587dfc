"""Fitting the search's channel weight (ALPHA) and the answer threshold on a labelled set, and
measuring a set with them (the held-out gate uses :func:`evaluate`).

A labelled case is ``{q: question, entry: the right entry's question | null}``; ``null`` means the
FAQ must not answer (a service matter the FAQ does not hold, or chatter). For a threshold *t*
a case is *answered* when the best score ≥ *t*; an answer is *wrong* when the case has no right
entry or the best entry is not it. The fit keeps wrong answers ≤ ``max_wrong`` of the answered
cases and, among those settings, answers the most cases correctly (ties: the higher threshold).
Scores are measured over the sample FAQ (data/faq/*.csv) with the registry seed's names.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.config import PROJECT_ROOT, get_settings
from bot.faq.search import THRESHOLD_FILE, FaqIndex, Tuning
from bot.faq.store import FaqView, question_key

SAMPLE_FILES = (PROJECT_ROOT / "data" / "faq" / "general.csv", PROJECT_ROOT / "data" / "faq" / "registry.generated.csv")
ALPHAS = tuple(round(i / 10, 1) for i in range(11))


@dataclass(frozen=True)
class Case:
    q: str
    entry: Optional[str]
    kind: str = ""


def load_cases(path: Path) -> List[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Case(str(c["q"]), c.get("entry"), str(c.get("kind", ""))) for c in data]


def seed_names() -> Dict[str, str]:
    from bot.registry.seed import load_seed

    _locations, items = load_seed(get_settings().registry_dir)
    return {name: item["code"] for item in items for name in [item["name"], *item.get("aliases", [])]}


def sample_entries(files: Sequence[Path] = SAMPLE_FILES) -> List[FaqView]:
    """The sample FAQ as entries (ids in file order), without a database."""
    from datetime import datetime, timezone

    from bot.faq.sheet import Columns, read_file
    from bot.faq.store import check_fields, parse_keywords

    now = datetime(2026, 10, 15, tzinfo=timezone.utc)
    out: List[FaqView] = []
    for path in files:
        for row in read_file(path, Columns("问题", "答案", "部门", "关键词")):
            fields = check_fields(row.question, row.answer, row.department, row.keywords)
            out.append(FaqView(len(out) + 1, fields.question, fields.answer, fields.department,
                               parse_keywords(fields.keywords), fields.source, now, now))
    return out


def sample_index() -> FaqIndex:
    return FaqIndex(sample_entries(), seed_names(), Tuning())


def _scored(index: FaqIndex, cases: Sequence[Case], alpha: float) -> List[Tuple[float, bool, bool]]:
    """(best score, right entry is best, has a right entry) per case."""
    keys = {question_key(e.question) for e in index.entries}
    out = []
    for case in cases:
        if case.entry is not None and question_key(case.entry) not in keys:
            raise ValueError(f"labelled entry not in the FAQ: {case.entry!r} (for {case.q!r})")
        hits = index.search(case.q, top=1, alpha=alpha)
        score = hits[0].score if hits else 0.0
        right = bool(hits) and case.entry is not None and question_key(hits[0].question) == question_key(case.entry)
        out.append((score, right, case.entry is not None))
    return out


def measure(scored: Sequence[Tuple[float, bool, bool]], threshold: float) -> Dict[str, Any]:
    answered = [(s, r, p) for s, r, p in scored if s >= threshold]
    wrong = sum(1 for _s, r, _p in answered if not r)
    positives = sum(1 for *_x, p in scored if p)
    return {"cases": len(scored), "positives": positives, "negatives": len(scored) - positives,
            "answered": len(answered), "right": len(answered) - wrong, "wrong": wrong,
            "wrong_rate": round(wrong / len(answered), 4) if answered else 0.0,
            "coverage": round((len(answered) - wrong) / positives, 4) if positives else 0.0,
            "top1_positives": round(sum(1 for _s, r, p in scored if p and r) / positives, 4) if positives else 0.0,
            "negatives_answered": sum(1 for s, _r, p in scored if s >= threshold and not p)}


def evaluate(cases: Sequence[Case], tuning: Tuning, index: Optional[FaqIndex] = None) -> Dict[str, Any]:
    index = index or sample_index()
    return measure(_scored(index, cases, tuning.alpha), tuning.threshold)


def tune(path: Path, max_wrong: float = 0.05, write: bool = True, out: Path = THRESHOLD_FILE) -> Dict[str, Any]:
    cases = load_cases(path)
    index = sample_index()
    best: Optional[Tuple[Tuple[int, float], float, float, Dict[str, Any]]] = None
    per_alpha = {}
    for alpha in ALPHAS:
        scored = _scored(index, cases, alpha)
        candidates = sorted({round(s, 4) for s, _r, _p in scored if s > 0} | {1.01})
        chosen = None
        for t in candidates:
            m = measure(scored, t)
            if m["answered"] and m["wrong_rate"] <= max_wrong:
                key = (m["right"], t)
                if chosen is None or key > chosen[0]:
                    chosen = (key, t, m)
        if chosen is None:
            continue
        per_alpha[str(alpha)] = {"threshold": chosen[1], "right": chosen[2]["right"],
                                 "wrong_rate": chosen[2]["wrong_rate"], "top1_positives": chosen[2]["top1_positives"]}
        if best is None or (chosen[0][0], chosen[2]["top1_positives"]) > (best[0][0], best[3]["top1_positives"]):
            best = (chosen[0], alpha, chosen[1], chosen[2])
    if best is None:
        raise ValueError("no threshold keeps wrong answers within the limit")
    _key, alpha, threshold, metrics = best
    result = {"alpha": alpha, "threshold": threshold, "max_wrong": max_wrong,
              "tuned_on": str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path),
              "date": date.today().isoformat(), "measured": metrics, "per_alpha": per_alpha}
    if write:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result
