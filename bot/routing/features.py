"""Text → features for the router, and the two pipelines (the router's and the baseline's).

**Text.** A 12345 message is long (100–500 characters, several sentences), colloquial, and full of
addresses, dates, times, phone and house numbers that say nothing about who handles it. Each
message is normalised with the project normaliser (:class:`bot.nlu.textnorm.Normalizer`: full/half
width, 繁→简, emoji, typos, pinyin), capped at :data:`MAX_CHARS` characters (the complaint is
stated in the first sentences; a 10,000-character paste must not cost 10,000 characters of
work), lower-cased, and every run of digits becomes one ``0`` ("3号楼2单元" and "12号楼5单元"
are the same words then).

**Features** (one sparse matrix, TF-IDF with sublinear term frequency so a word repeated in a
long rant does not outweigh the rest, L2-normalised per block):

* **words** — jieba (precise mode) with the project dictionary ``data/jieba/*.txt`` (district,
  street and service names stay one word), punctuation and a few function words dropped;
* **characters** — character 1–3-grams of the cleaned text: colloquial spellings and words jieba
  splits differently.

Tried and dropped on the sample data (5-fold CV on train.csv, then the held-out file): word
bigrams, character 2–4-grams, a separate block for the message's opening
(:func:`opening_words`), logistic regression (C 1–100) — none beat this pair, and logistic
regression was 0.05–0.08 macro-F1 lower on the held-out file.

**Classifier.** A linear SVM with ``class_weight="balanced"`` (classes are skewed: a department
with 25 messages counts as much in macro-F1 as one with 120, and the weighting keeps the big ones
from swallowing the small ones), wrapped in ``CalibratedClassifierCV`` (sigmoid, 3 inner folds)
for probabilities. The threshold below which a message goes to manual triage is chosen on
cross-validated probabilities (:mod:`bot.routing.train`), so it is the calibration on unseen
messages that counts.

**Baseline** (what every evaluation is compared with): TF-IDF over character 1–3-grams of the raw
text and a linear SVM, scikit-learn defaults, trained on the same file.
"""
from __future__ import annotations

import itertools
import re
import threading
from functools import lru_cache
from typing import Any, List, Sequence

from bot.config import get_settings
from bot.nlu.textnorm import Normalizer, load_corrections, load_words

MAX_CHARS = 2000  # characters of a message that are read (the rest is ignored)
OPENING_CHARS = 80  # the opening block: what the matter is, said first
_DIGITS = re.compile(r"\d+")
_RUN = re.compile(r"[^\W_]+")  # a run of letters/digits/CJK between punctuation and spaces
_WORDLIKE = re.compile(r"[^\W_]")
FUNCTION_WORDS = frozenset(
    "的 了 是 我 你 他 她 它 我们 你们 他们 在 和 与 及 就 都 也 还 又 很 太 吧 吗 呢 啊 呀 哦 嘛 么 "
    "这 那 这个 那个 这些 那些 有 没 被 把 给 让 对 从 到 向 为 以 而 但 并 或 等 之 其 此 该 "
    "一个 一下 一些 已经 现在 时候 然后 因为 所以 如果 但是 而且 还是 可以 希望 请 麻烦 谢谢 您 0".split())
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    settings = get_settings()
    return Normalizer(words=load_words(settings.jieba_dir),
                      corrections=load_corrections(settings.lexicon_dir / "corrections.tsv"), max_chars=MAX_CHARS)


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import logging

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for path in sorted(get_settings().jieba_dir.glob("*.txt")):
        tokenizer.load_userdict(str(path))
    return tokenizer


def clean(text: str) -> str:
    """The message as the features see it: normalised, capped, lower case, digit runs → ``0``."""
    text = (text or "")[: MAX_CHARS * 2]
    return _DIGITS.sub("0", _normalizer()(text).lower())


def words(text: str) -> List[str]:
    """jieba words of a cleaned text, without punctuation and function words."""
    with _lock:  # jieba's Tokenizer is not safe to call from two threads at once
        cut = _tokenizer().lcut(text, HMM=True)
    return [w for w in (t.strip() for t in cut) if w and w not in FUNCTION_WORDS and _WORDLIKE.search(w)]


def word_grams(text: str) -> List[str]:
    """Word unigrams and bigrams (the analyzer of the word block)."""
    ws = words(text)
    return ws + [f"{a} {b}" for a, b in itertools.pairwise(ws)]


def opening_words(text: str) -> List[str]:
    """Words of the message's opening (the analyzer of the opening block)."""
    return words(text[:OPENING_CHARS])


def char_grams(text: str) -> List[str]:
    """Character 1–3-grams inside runs of letters, never across punctuation or spaces."""
    grams: List[str] = []
    for match in _RUN.finditer(text):
        run = match.group(0)
        for n in (1, 2, 3):
            grams += [run[i:i + n] for i in range(len(run) - n + 1)]
    return grams


def clean_all(texts: Sequence[str]) -> List[str]:
    return [clean(t) for t in texts]


def router_pipeline() -> Any:
    """Cleaned text → label; ``predict_proba`` gives the calibrated confidence."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True, dtype=_float32())),
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=_float32())),
    ])
    classifier = CalibratedClassifierCV(LinearSVC(class_weight="balanced"), method="sigmoid", cv=3)
    return Pipeline([("features", features), ("classifier", classifier)])


def baseline_pipeline() -> Any:
    """The comparison: TF-IDF character 1–3-grams of the raw text + a linear SVM, library defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline([("features", TfidfVectorizer(analyzer="char", ngram_range=(1, 3))),
                     ("classifier", LinearSVC())])


def _float32() -> Any:
    import numpy as np

    return np.float32
