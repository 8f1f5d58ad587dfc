"""The held-out gate: tests/faq/holdout.yml (never used for tuning) scored with the tuned ALPHA
and threshold over the sample FAQ. Prints wrong answers, coverage and top-1."""
from __future__ import annotations

from bot.config import PROJECT_ROOT
from bot.faq.search import load_tuning
from bot.faq.tune import evaluate, load_cases

MAX_WRONG = 0.10  # wrong answers among answered questions (the tuning target is 5%; the set is small)
MIN_COVERAGE = 0.40  # questions with a right entry that are answered with it


def test_holdout_gate() -> None:
    tuning = load_tuning()
    result = evaluate(load_cases(PROJECT_ROOT / "tests" / "faq" / "holdout.yml"), tuning)
    print(f"\nFAQ held-out (alpha {tuning.alpha}, threshold {tuning.threshold}): {result['cases']} questions, "
          f"{result['answered']} answered, {result['wrong']} wrong ({result['wrong_rate']:.1%}), coverage "
          f"{result['coverage']:.1%}, top-1 {result['top1_positives']:.1%}, "
          f"{result['negatives_answered']} of {result['negatives']} must-not questions answered")
    assert result["wrong_rate"] <= MAX_WRONG
    assert result["negatives_answered"] == 0
    assert result["coverage"] >= MIN_COVERAGE
