"""``make bench-routing``: the 12345 router beside the baseline on the held-out set, same run.

Trains both on ``data/routing/train.csv`` (into a temporary models directory; the project's
``models/routing`` is not touched), evaluates on ``data/routing/holdout.csv`` for each label
column (承办部门 → department, 诉求类型 → type) and prints macro-F1 and accuracy of router and
baseline (TF-IDF character 1–3-grams + linear SVM), the router's triage share and the accuracy
of the messages it does not send to triage, training time (cross-validation included), and the
latency of one ``route()`` call p50/p95 over the held-out messages (normalising, words, features,
probabilities; the model already loaded). A report, never a test.
"""
from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

from bot.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data" / "routing"
LABELS = [("承办部门", "department"), ("诉求类型", "type")]


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    from bot.routing.data import read_labelled
    from bot.routing.router import load
    from bot.routing.train import evaluate, train

    train_file, holdout_file = DATA / "train.csv", DATA / "holdout.csv"
    if not train_file.exists() or not holdout_file.exists():
        print(f"没有数据：需要 {train_file} 和 {holdout_file}", file=sys.stderr)
        return 1
    print(f"12345 router benchmark — train {train_file.name}, held-out {holdout_file.name}")
    print(f"{'label':<10}{'n':>5}  {'router F1':>9} {'acc':>6}  {'baseline F1':>11} {'acc':>6}  "
          f"{'ΔF1':>6}  {'triage':>6} {'acc≥t':>6}  {'train s':>7}  {'p50 ms':>6} {'p95 ms':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for column, name in LABELS:
            data = read_labelled(train_file, "诉求内容", column)
            held = read_labelled(holdout_file, "诉求内容", column, min_classes=1)
            started = time.perf_counter()
            version = train(data, name, root=root, label_col=column, text_col="诉求内容")
            seconds = time.perf_counter() - started
            result = evaluate(version, held)
            router = load(name, root)
            router.route("预热")
            times: List[float] = []
            for text in held.texts:
                t0 = time.perf_counter()
                router.route(text)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            base, triage = result["baseline"], result["triage"]
            print(f"{name:<10}{result['n']:>5}  {result['macro_f1']:>9.3f} {result['accuracy']:>6.3f}  "
                  f"{base['macro_f1']:>11.3f} {base['accuracy']:>6.3f}  "
                  f"{result['macro_f1'] - base['macro_f1']:>+6.3f}  "
                  f"{triage['triage_share']:>6.1%} {triage['accepted_accuracy']:>6.1%}  {seconds:>7.1f}  "
                  f"{statistics.median(times):>6.2f} {p95:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
