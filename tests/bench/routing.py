"""``make bench-routing``: the 12345 router beside the baseline on the held-out set, same run.

Trains both on ``data/routing/train.csv`` (folds grouped by its 场景 column; into a temporary
models directory, the project's ``models/routing`` is not touched), evaluates on
``data/routing/holdout.csv`` for each label column (承办部门 → department, 诉求类型 → type) and
prints macro-F1 and accuracy of router and baseline (TF-IDF character 1–3-grams + linear SVM),
the router's triage share and the accuracy of the messages it does not send to triage (at the
stored threshold, and at the threshold the held-out file would have needed for the target),
training time (cross-validation included), and the latency of one ``route()`` call p50/p95 over
the held-out messages (normalising, features, probabilities; the model already loaded).

``--samples N`` also draws N more samples of the same kind (``make_sample.py --seed 1..N``) and
prints the department figures for each: one sample of 287 held-out messages is noisy. A report,
never a test.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data" / "routing"
LABELS = [("承办部门", "department"), ("诉求类型", "type")]
HEADER = (f"{'label':<12}{'n':>5}  {'router F1':>9} {'acc':>6}  {'baseline F1':>11} {'acc':>6}  {'ΔF1':>6}  "
          f"{'triage':>6} {'acc≥t':>6}  {'needed':>6}  {'train s':>7}  {'p50 ms':>6} {'p95 ms':>6}")


def measure(data_dir: Path, column: str, name: str, root: Path, latency: bool = True) -> Dict[str, Any]:
    from bot.routing.data import read_labelled
    from bot.routing.router import load
    from bot.routing.train import evaluate, train

    data = read_labelled(data_dir / "train.csv", "诉求内容", column, group_col="场景")
    held = read_labelled(data_dir / "holdout.csv", "诉求内容", column, min_classes=1)
    started = time.perf_counter()
    version = train(data, name, root=root, label_col=column, text_col="诉求内容", group_col="场景", activate=True)
    result = evaluate(version, held)
    result["seconds"] = time.perf_counter() - started
    times: List[float] = []
    if latency:
        router = load(name, root)
        router.route("预热")
        for text in held.texts:
            t0 = time.perf_counter()
            router.route(text)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
    result["p50"] = statistics.median(times) if times else float("nan")
    result["p95"] = times[int(0.95 * (len(times) - 1))] if times else float("nan")
    return result


def line(label: str, r: Dict[str, Any]) -> str:
    base, triage = r["baseline"], r["triage"]
    return (f"{label:<12}{r['n']:>5}  {r['macro_f1']:>9.3f} {r['accuracy']:>6.3f}  "
            f"{base['macro_f1']:>11.3f} {base['accuracy']:>6.3f}  {r['macro_f1'] - base['macro_f1']:>+6.3f}  "
            f"{triage['triage_share']:>6.1%} {triage['accepted_accuracy']:>6.1%}  "
            f"{triage['for_target']['triage_share']:>6.1%}  {r['seconds']:>7.1f}  {r['p50']:>6.2f} {r['p95']:>6.2f}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=0, help="also N more samples of the sample data (department)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if not (DATA / "train.csv").exists() or not (DATA / "holdout.csv").exists():
        print(f"没有数据：需要 {DATA / 'train.csv'} 和 {DATA / 'holdout.csv'}", file=sys.stderr)
        return 1
    print("12345 router benchmark — train train.csv (folds by 场景), held-out holdout.csv; "
          "triage/acc≥t at the stored threshold, needed = triage share the held-out file needed for 90%")
    print(HEADER)
    with tempfile.TemporaryDirectory() as tmp:
        for column, name in LABELS:
            print(line(name, measure(DATA, column, name, Path(tmp) / "committed")), flush=True)
        deltas = []
        for seed in range(1, args.samples + 1):
            sample = Path(tmp) / f"sample{seed}"
            sample.mkdir()
            subprocess.run([sys.executable, str(DATA / "make_sample.py"), "--seed", str(seed), "--out", str(sample)],
                           check=True, capture_output=True)
            r = measure(sample, "承办部门", "department", Path(tmp) / f"models{seed}", latency=False)
            deltas.append(r["macro_f1"] - r["baseline"]["macro_f1"])
            print(line(f"dept seed{seed}", r), flush=True)
        if deltas:
            print(f"department ΔF1 over {len(deltas)} more samples: mean {statistics.mean(deltas):+.3f}, "
                  f"min {min(deltas):+.3f}, max {max(deltas):+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
