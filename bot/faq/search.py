"""Finding the FAQ entry a resident's question is about.

Two BM25 channels (bm25s, Lucene variant), each over every live entry's question and keywords:

* **words** — jieba (search mode) with the project dictionary (``data/jieba/*.txt``) plus every
  registry item's name and alias, function words dropped; a registry name or alias in the text also
  adds the item's *synonym token* (``§`` + item code), so "提公积金" and "住房公积金提取" meet;
* **characters** — character 2-grams, which carry terse keyword queries, words jieba splits
  differently, and typos of one character.

Each channel's score is made comparable across queries by dividing by the query's attainable
score: the sum, over the query's distinct tokens, of the best contribution that token makes to any
entry (a token no entry has counts as much as a word used by one entry only, so out-of-scope
words pull the score down). So a channel's score is in [0, 1] — 1 when one entry is the best match
for every query token. The two are combined linearly, ``ALPHA·words + (1−ALPHA)·chars``; ALPHA and
the answer threshold are fitted by ``python -m bot faq tune`` on tests/faq/tuning.yml and kept in
``data/faq/threshold.json``.

The index is cached per process and rebuilt when the FAQ's (or the registry's) fingerprint
changes, checked at most once a second, like :class:`bot.registry.live.LiveRegistry`.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

import numpy as np

from bot.config import PROJECT_ROOT, get_settings
from bot.db import session_scope
from bot.faq.store import FaqView, live_entries
from bot.faq.store import fingerprint as faq_fingerprint
from bot.live import PerDatabase, Refreshing
from bot.nlu.textnorm import Normalizer, load_corrections, load_words
from bot.registry.resolver import _tokenizer

# bm25s imports JAX for top-k when it is installed (TensorFlow brings it in): 0.4 s, and threads that
# make any later fork of the process unsafe. Scores come from bm25s's own numpy code either way, so
# JAX is kept out unless something else loaded it first.
_BLOCK_JAX = "jax" not in sys.modules
if _BLOCK_JAX:
    sys.modules["jax"] = None  # type: ignore[assignment]
try:
    import bm25s  # type: ignore[import-untyped]
finally:
    if _BLOCK_JAX:
        del sys.modules["jax"]

logger = logging.getLogger(__name__)

THRESHOLD_FILE = PROJECT_ROOT / "data" / "faq" / "threshold.json"
DEFAULT_ALPHA = 0.5  # used until `python -m bot faq tune` has written the data file
DEFAULT_THRESHOLD = 0.6
SYNONYM_PREFIX = "§"

# Function words only: what a question asks about (材料, 多久, 费用, 预约 …) stays, since FAQ
# entries about one matter differ exactly there.
FUNCTION_WORDS: FrozenSet[str] = frozenset("""
的 了 吗 呢 吧 啊 呀 哦 嘛 么 着 过 呗 哈 诶 地 得 之
我 我们 我家 俺 咱 你 您 你们 他 她 它 他们 她们 自己 本人 大家
请问 问一下 问下 问问 想问 想咨询 咨询 您好 你好 谢谢 麻烦 一下 下 请
是 是不是 有 有没有 没有 在 和 与 及 或 或者 也 都 就 还 还是 又 再 把 被 给 让 对 从 向 跟 同 为 为了 关于
这 那 这个 那个 这样 那样 个 一个 些 一些 怎么 怎样 怎么样 如何 咋 啥 什么 哪 哪些 哪个
怎么办 咋办 怎么弄 咋弄 怎么处理 能不能 可不可以 是否 可以 能 要 吧
""".split())
# question phrases dropped before character 2-grams ("怎么办" must not make two questions alike)
_QUESTION_PHRASES = re.compile(
    "怎么办|咋办|怎么样|怎么弄|怎么|怎样|如何|什么|请问|是否|能不能|可不可以|哪些|哪个|吗|呢|吧|啊")
SYNONYMS_FILE = PROJECT_ROOT / "data" / "faq" / "synonyms.tsv"
ASPECT_PREFIX = "@"


def load_synonyms(path: Path = SYNONYMS_FILE) -> Dict[str, Tuple[str, ...]]:
    """Canonical word → the ways residents say it (data/faq/synonyms.tsv)."""
    table: Dict[str, Tuple[str, ...]] = {}
    if not path.exists():
        return table
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            canonical, words = line.split("\t", 1)
            table[canonical.strip()] = tuple(dict.fromkeys([canonical.strip(), *words.split()]))
    return table
_SPLIT = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_WORDLIKE = re.compile(r"[0-9a-z\u4e00-\u9fff]")


@dataclass(frozen=True)
class Hit:
    id: int
    question: str
    answer: str
    department: str
    updated: datetime
    score: float
    source: str = "常见问题库"

    def as_dict(self) -> Dict[str, object]:
        """The shape ``python -m bot faq search --json`` prints."""
        return {"id": self.id, "question": self.question, "answer": self.answer, "department": self.department,
                "score": round(self.score, 4)}


@dataclass(frozen=True)
class Tuning:
    alpha: float = DEFAULT_ALPHA
    threshold: float = DEFAULT_THRESHOLD


def load_tuning(path: Path = THRESHOLD_FILE) -> Tuning:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Tuning(float(data["alpha"]), float(data["threshold"]))
    except (OSError, ValueError, KeyError, TypeError):
        logger.warning("FAQ threshold file %s missing or unreadable: defaults used", path)
        return Tuning()


def format_answer(hit: Hit) -> str:
    """The resident's answer: the entry's answer, then its source and update date."""
    department = f"，{hit.department}" if hit.department else ""
    return f"{hit.answer}\n（来源：{hit.source or '常见问题库'}{department}；更新于 {hit.updated:%Y-%m-%d}）"


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    settings = get_settings()
    return Normalizer(words=load_words(settings.jieba_dir),
                      corrections=load_corrections(settings.lexicon_dir / "corrections.tsv"))


def normalise(text: str) -> str:
    return _normalizer()(text or "").lower()


class Analyzer:
    """Text → word tokens and character 2-grams (the same for entries and queries)."""

    def __init__(self, names: Dict[str, str]) -> None:
        """``names``: registry name or alias → item code (the synonyms)."""
        settings = get_settings()
        self.tokenizer = _tokenizer(tuple(sorted(str(p) for p in settings.jieba_dir.glob("*.txt"))))
        self._lock = threading.Lock()
        with self._lock:
            for name in names:
                if len(name) >= 2 and self.tokenizer.FREQ.get(name, 0) == 0:
                    self.tokenizer.add_word(name, freq=2000)
        self.names = {k.lower(): v for k, v in names.items() if len(k) >= 2}
        ordered = sorted(self.names, key=len, reverse=True)
        self._names_re = re.compile("|".join(re.escape(n) for n in ordered)) if ordered else None
        self.synonyms = {w: canonical for canonical, words in load_synonyms().items() for w in words}
        said = sorted(self.synonyms, key=len, reverse=True)
        self._synonyms_re = re.compile("|".join(re.escape(w) for w in said)) if said else None

    def words(self, text: str) -> List[str]:
        text = text.lower()
        out = [t for t in (w.strip() for w in self.tokenizer.cut_for_search(text, HMM=True))
               if t and t not in FUNCTION_WORDS and _WORDLIKE.search(t)]
        if self._names_re is not None:
            out += [SYNONYM_PREFIX + self.names[m.group(0)] for m in self._names_re.finditer(text)]
        if self._synonyms_re is not None:
            out += [ASPECT_PREFIX + self.synonyms[m.group(0)] for m in self._synonyms_re.finditer(text)]
        return out

    @staticmethod
    def chars(text: str) -> List[str]:
        grams: List[str] = []
        for run in _SPLIT.split(_QUESTION_PHRASES.sub(" ", text.lower())):
            if len(run) == 1:
                grams.append(run)
            grams += [run[i:i + 2] for i in range(len(run) - 1)]
        return grams


class _Channel:
    """One bm25s index plus each token's best contribution (the normaliser)."""

    def __init__(self, corpus: Sequence[List[str]]) -> None:
        self.bm25 = bm25s.BM25(method="lucene")
        self.bm25.index([list(doc) or [""] for doc in corpus], show_progress=False)
        vocab: Dict[str, int] = self.bm25.vocab_dict
        scores = self.bm25.scores
        data, indptr = np.asarray(scores["data"]), np.asarray(scores["indptr"])
        self.best: Dict[str, float] = {}
        single: List[float] = []
        for token, i in vocab.items():
            if token == "" or i + 1 >= len(indptr) or indptr[i + 1] <= indptr[i]:
                continue
            segment = data[indptr[i]:indptr[i + 1]]
            self.best[token] = float(segment.max())
            if len(segment) == 1:
                single.append(float(segment[0]))
        # a token no entry has weighs as much as a typical word that one entry alone uses
        self.unknown = float(np.median(single)) if single else (max(self.best.values()) if self.best else 1.0)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        distinct = list(dict.fromkeys(tokens))
        n = int(self.bm25.scores["num_docs"])
        if not distinct:
            return np.zeros(n, dtype=np.float32)
        known = [t for t in distinct if t in self.best]
        attainable = sum(self.best[t] for t in known) + self.unknown * (len(distinct) - len(known))
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.minimum(self.bm25.get_scores(known) / attainable, 1.0)


class FaqIndex:
    """An immutable index over a snapshot of live entries; safe to share between threads."""

    def __init__(self, entries: Sequence[FaqView], names: Optional[Dict[str, str]] = None,
                 tuning: Optional[Tuning] = None) -> None:
        self.entries = list(entries)
        self.tuning = tuning or load_tuning()
        self.analyzer = Analyzer(names or {})
        texts = [normalise(" ".join([e.question, *e.keywords])) for e in self.entries]
        self.words = _Channel([self.analyzer.words(t) for t in texts]) if self.entries else None
        self.chars = _Channel([self.analyzer.chars(t) for t in texts]) if self.entries else None

    def channel_scores(self, query: str) -> Tuple[np.ndarray, np.ndarray]:
        text = normalise(query)
        if self.words is None or self.chars is None or not text:
            empty = np.zeros(len(self.entries), dtype=np.float32)
            return empty, empty
        return self.words.scores(self.analyzer.words(text)), self.chars.scores(self.analyzer.chars(text))

    def search(self, query: str, top: int = 3, alpha: Optional[float] = None) -> List[Hit]:
        if not self.entries or top <= 0:
            return []
        words, chars = self.channel_scores(query)
        a = self.tuning.alpha if alpha is None else alpha
        combined = a * words + (1.0 - a) * chars
        k = min(top, len(self.entries))
        candidates = np.argpartition(-combined, k - 1)[:k] if k < len(self.entries) else np.arange(len(self.entries))
        order = sorted((int(i) for i in candidates), key=lambda i: (-float(combined[i]), self.entries[i].id))
        return [_hit(self.entries[i], float(combined[i])) for i in order if combined[i] > 0]

    def best_answer(self, query: str) -> Optional[Hit]:
        hits = self.search(query, top=1)
        return hits[0] if hits and hits[0].score >= self.tuning.threshold else None


def _hit(entry: FaqView, score: float) -> Hit:
    return Hit(entry.id, entry.question, entry.answer, entry.department, entry.updated_at, score, entry.source)


# -- the live index of a process -------------------------------------------------------------
def registry_names(url: Optional[str] = None) -> Dict[str, str]:
    """Every registry item's name and aliases → its code (empty when the registry is empty)."""
    from bot.registry.repository import RegistryRepository
    from bot.registry.resolver import records_from_items

    with session_scope(url) as session:
        records = records_from_items(RegistryRepository(session).items())
    return {name: r.code for r in records for name in r.names}


def _fingerprint(url: Optional[str] = None) -> str:
    from bot.registry.repository import RegistryRepository

    with session_scope(url) as session:
        return f"{faq_fingerprint(session)}|{RegistryRepository(session).fingerprint()}"


def load_index(url: Optional[str] = None) -> FaqIndex:
    with session_scope(url) as session:
        entries = live_entries(session)
    return FaqIndex(entries, registry_names(url))


class LiveFaq(Refreshing[FaqIndex]):
    """One per process and database: the index, rebuilt when the FAQ's fingerprint changes."""

    def __init__(self, ttl: float = 1.0, fingerprint: Callable[[], str] = _fingerprint,
                 load: Callable[[], FaqIndex] = load_index) -> None:
        super().__init__(fingerprint, load, ttl, name="FAQ index")

    def index(self) -> FaqIndex:
        return self.get()


# the live FAQ index of the configured database (created on first use, never at import)
live_faq = PerDatabase(lambda url: LiveFaq(fingerprint=lambda: _fingerprint(url), load=lambda: load_index(url)))


def search(query: str, top: int = 3) -> List[Hit]:
    """The ``top`` entries for ``query``, best first, with their combined score in [0, 1]."""
    return live_faq().index().search(query, top)


def best_answer(query: str) -> Optional[Hit]:
    """The best entry when its score reaches the tuned threshold, else None (then clarify).

    Call it only when no service intent fits; answer with :func:`format_answer` (the entry's
    answer, its source and department, and its update date).
    """
    return live_faq().index().best_answer(query)


__all__ = ["FUNCTION_WORDS", "FaqIndex", "Hit", "LiveFaq", "Tuning", "best_answer", "format_answer",
           "live_faq", "load_tuning", "normalise", "search"]
