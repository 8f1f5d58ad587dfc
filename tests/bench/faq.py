"""``make bench-faq``: FAQ retrieval quality and latency, ours beside a plain baseline, same run.

The knowledge base (2,000+ entries, in a temporary SQLite database through the real importer):
the 30 hand-written general entries (data/faq/general.csv) plus every entry
:mod:`bot.faq.sample` generates from the registry seed with ``aspects="all"`` — none is
written for the benchmark.

Queries whose right entry is known, never the entry's own wording:

* **keyword** — a resident's name for the matter (an alias from the registry, not the entry's
  name) and one aspect word: "港澳证 邮寄";
* **paraphrase** — the same in a colloquial sentence written here, not the entry's template:
  "港澳证办好了能寄给我吗";
* **hand-written** — the positive questions of tests/faq/tuning.yml and holdout.yml.

Ours: :func:`bot.faq.search.search` on the live index (words + synonyms + character 2-grams).
Baseline: bm25s over default-jieba words of each question, nothing else. Latency is per query,
analysis included; top-1 / top-3 are the share of queries whose right entry is first / in the
first three. A report, never a test.
"""
from __future__ import annotations

import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import bm25s
import jieba
import numpy as np

from bot.config import PROJECT_ROOT, get_settings
from bot.faq.sample import generate
from bot.faq.store import question_key
from tests.support.database import fresh_database

# aspect → (entry question for item name n, keyword query, paraphrase) ; a = the resident's name for it
ASPECTS: Dict[str, Tuple[Callable[[str], str], str, str]] = {
    "appointment": (lambda n: f"{n}是否需要提前预约？", "{a} 预约", "{a}能直接过去还是得先约"),
    "consult": (lambda n: f"{n}的咨询电话是多少？", "{a} 电话", "{a}有不懂的打哪个号码问"),
    "visits": (lambda n: f"{n}最多需要到现场几次？", "{a} 跑几次", "{a}要去现场几回"),
    "delivery": (lambda n: f"{n}的办理结果能否快递送达？", "{a} 邮寄", "{a}办好了能寄给我吗"),
    "fee": (lambda n: f"{n}收费吗？", "{a} 费用", "{a}要花钱吗"),
    "time": (lambda n: f"{n}的办理时限是多久？", "{a} 时限", "{a}多少天能办下来"),
    "materials": (lambda n: f"办理{n}需要准备哪些材料？", "{a} 材料", "{a}要带哪些东西去"),
    "steps": (lambda n: f"{n}的办理流程是怎样的？", "{a} 流程", "{a}分几步走"),
    "basis": (lambda n: f"{n}的设定依据是什么？", "{a} 法规依据", "{a}是按哪条规定办的"),
    "agency": (lambda n: f"{n}由哪个部门实施？", "{a} 部门", "{a}归哪个单位管"),
    "conditions": (lambda n: f"{n}的申请条件是什么？", "{a} 条件", "{a}得满足啥要求"),
    "online": (lambda n: f"{n}可以在网上办理吗？", "{a} 网上办", "{a}在手机上能弄不"),
    "complaint": (lambda n: f"对{n}的办理有意见向哪里投诉？", "{a} 投诉", "{a}办得不好去哪反映"),
}


def knowledge_base() -> List[List[str]]:
    from bot.faq.sheet import Columns, read_file

    rows = [[r.question, r.answer, r.department, r.keywords] for r in
            read_file(PROJECT_ROOT / "data" / "faq" / "general.csv", Columns("问题", "答案", "部门", "关键词"))]
    rows += [[q, a, d, ""] for _aspect, (q, a, d) in generate(get_settings().registry_dir, "all")]
    return rows


def queries() -> Dict[str, List[Tuple[str, str]]]:
    from bot.faq.tune import load_cases
    from bot.registry.seed import load_seed

    rng = random.Random(20261127)
    _locations, items = load_seed(get_settings().registry_dir)
    out: Dict[str, List[Tuple[str, str]]] = {"keyword": [], "paraphrase": [], "hand-written": []}
    for item in items:
        aliases = [a for a in item.get("aliases", []) if a != item["name"]] or [item["name"]]
        for question, keyword, paraphrase in ASPECTS.values():
            out["keyword"].append((keyword.format(a=rng.choice(aliases)), question(item["name"])))
            out["paraphrase"].append((paraphrase.format(a=rng.choice(aliases)), question(item["name"])))
    for name in ("tuning.yml", "holdout.yml"):
        out["hand-written"] += [(c.q, c.entry) for c in load_cases(PROJECT_ROOT / "tests" / "faq" / name)
                                if c.entry is not None]
    return out


class Baseline:
    """Plain BM25 over default-jieba words of each question (no dictionary, synonyms or n-grams)."""

    def __init__(self, questions: Sequence[str]) -> None:
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        self.questions = list(questions)
        self.bm25 = bm25s.BM25(method="lucene")
        self.bm25.index([self._words(q) or [""] for q in self.questions], show_progress=False)

    def _words(self, text: str) -> List[str]:
        return [w for w in self.tokenizer.lcut(text) if w.strip()]

    def search(self, query: str, top: int = 3) -> List[str]:
        words = [w for w in self._words(query) if w in self.bm25.vocab_dict]
        if not words:
            return []
        scores = self.bm25.get_scores(words)
        order = np.argsort(-scores, kind="stable")[:top]
        return [self.questions[i] for i in order if scores[i] > 0]


def _measure(search: Callable[[str], List[str]], cases: Sequence[Tuple[str, str]]) -> Dict[str, float]:
    top1 = top3 = 0
    times: List[float] = []
    for query, right in cases:
        started = time.perf_counter()
        found = search(query)
        times.append((time.perf_counter() - started) * 1000)
        keys = [question_key(q) for q in found[:3]]
        top1 += bool(keys) and keys[0] == question_key(right)
        top3 += question_key(right) in keys
    times.sort()
    return {"n": len(cases), "top1": top1 / len(cases), "top3": top3 / len(cases),
            "p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    from bot.audit.log import cli_actor
    from bot.faq.search import live_faq, search
    from bot.faq.store import import_rows, sheet_rows

    rows = knowledge_base()
    cases = queries()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(Path(tmp) / "faq-bench.db", seed=True):
        started = time.perf_counter()
        report = import_rows(sheet_rows([{"question": q, "answer": a, "department": d, "keywords": k}
                                         for q, a, d, k in rows]), cli_actor())
        imported = time.perf_counter() - started
        started = time.perf_counter()
        index = live_faq().index()
        built = time.perf_counter() - started
        known = {question_key(e.question) for e in index.entries}
        missing = [r for group in cases.values() for _q, r in group if question_key(r) not in known]
        assert not missing, missing[:3]
        baseline = Baseline([e.question for e in index.entries])
        search("预热")  # warm-up (first call loads the normaliser)
        baseline.search("预热")
        print(f"FAQ benchmark — {len(index.entries)} entries ({report.added} imported in {imported:.1f}s, "
              f"index built in {built:.1f}s), alpha={index.tuning.alpha}")
        print(f"{'queries':<14}{'n':>5}  {'ours top-1':>10} {'top-3':>7} {'p50 ms':>7} {'p95 ms':>7}  "
              f"{'baseline top-1':>14} {'top-3':>7} {'p50 ms':>7} {'p95 ms':>7}")
        everything: List[Tuple[str, str]] = []
        for name, group in cases.items():
            everything += group
            _line(name, _measure(lambda q: [h.question for h in search(q, 3)], group),
                  _measure(baseline.search, group))
        _line("all", _measure(lambda q: [h.question for h in search(q, 3)], everything),
              _measure(baseline.search, everything))
    return 0


def _line(name: str, ours: Dict[str, float], base: Dict[str, float]) -> None:
    print(f"{name:<14}{int(ours['n']):>5}  {ours['top1']:>10.1%} {ours['top3']:>7.1%} {ours['p50']:>7.2f} "
          f"{ours['p95']:>7.2f}  {base['top1']:>14.1%} {base['top3']:>7.1%} {base['p50']:>7.2f} {base['p95']:>7.2f}")


if __name__ == "__main__":
    sys.exit(main())
