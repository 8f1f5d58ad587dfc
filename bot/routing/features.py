"""Text → features for the router, the router model itself, and the baseline it is compared with.

**Text.** A 12345 message is long (100–500 characters, several sentences), colloquial, and mostly
not about the matter: greetings, who and where the caller is, dates, what they already tried, how
they feel. Each message is normalised with the project normaliser (:class:`bot.nlu.textnorm.Normalizer`:
full/half width, 繁→简, emoji, typos, pinyin), capped at :data:`MAX_CHARS` characters (a
10,000-character paste must not cost 10,000 characters of work), lower-cased, and every run of
digits becomes one ``0`` (house numbers, dates and phone numbers say nothing about who handles a
matter; "3号楼2单元" and "12号楼5单元" are then the same characters).

**Features**: two TF-IDF blocks over the characters of each run of letters (never across
punctuation or spaces), sublinear term frequency (a word repeated in a long rant does not outweigh
the rest), each block L2-normalised on its own:

* **single characters** (weight :data:`UNIGRAM_WEIGHT`) — 狗、水、油、医: they carry over to
  phrasings and matters the training file does not have, which is most of what a new message is;
* **character 2–3-grams** — 物业、路灯、油烟、拖欠工: the words and short phrases.

In one block (the baseline's way) the thousands of 2–3-grams drown the single characters; in two
blocks the single characters keep a fixed share. On the sample data (README.md beside this file)
this was the largest single gain; jieba words (alone, as a third block, or blended), character
4-grams, chi² feature selection, dropping sentences repeated across departments, a block for the
opening sentences, class-concentration term weights, complement naive Bayes (alone and blended),
NB-SVM and logistic regression were tried and did not do better on held-out messages.

**Classifier**: a linear SVM (``C`` :data:`C`) with ``class_weight="balanced"``: departments are
skewed, and macro-F1 (what a desk feels: a small department matters as much as a big one) falls
when the big classes swallow the small ones. It reads the whole message and each of its sentences
(:class:`bot.routing.model.SentenceSVM`).

**Confidence**: :class:`Router` turns the SVM scores into probabilities with a softmax at a
temperature fitted on cross-validated scores of messages the model did not see
(:mod:`bot.routing.train`), so a confidence means "how often a message scored like this is right"
for unseen messages, not for the training set (where everything scores near certain).

**Baseline** (what every evaluation is compared with): TF-IDF over character 1–3-grams of the raw
text and a linear SVM, scikit-learn defaults, trained on the same file.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, List, Sequence

import numpy as np

from bot.config import get_settings
from bot.nlu.textnorm import Normalizer, load_corrections, load_words

VERSION = 3  # of the features and the model (3: sentences, model.py); a change makes `routing ensure` retrain
MAX_CHARS = 2000  # characters of a message that are read (the rest is ignored)
UNIGRAM_WEIGHT = 0.8  # share of the single-character block beside the 2–3-gram block
C = 0.7  # SVM regularisation (lower: smoother; 0.5–1 were alike on the sample data)
_DIGITS = re.compile(r"\d+")
_RUN = re.compile(r"[^\W_]+")  # a run of letters/digits/CJK between punctuation and spaces


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    settings = get_settings()
    return Normalizer(words=load_words(settings.jieba_dir),
                      corrections=load_corrections(settings.lexicon_dir / "corrections.tsv"), max_chars=MAX_CHARS)


def clean(text: str) -> str:
    """The message as the features see it: normalised, capped, lower case, digit runs → ``0``."""
    text = (text or "")[: MAX_CHARS * 2]
    return _DIGITS.sub("0", _normalizer()(text).lower())


def clean_all(texts: Sequence[str]) -> List[str]:
    return [clean(t) for t in texts]


def has_words(cleaned: str) -> bool:
    """False for a message of punctuation, emoji or digits only: nothing to route on."""
    return any(ch.isalpha() for ch in cleaned)


def char_unigrams(text: str) -> List[str]:
    """Single characters inside runs of letters (the analyzer of the first block)."""
    return [ch for match in _RUN.finditer(text) for ch in match.group(0)]


def char_bigrams_trigrams(text: str) -> List[str]:
    """Character 2- and 3-grams inside runs of letters, never across punctuation or spaces."""
    grams: List[str] = []
    for match in _RUN.finditer(text):
        run = match.group(0)
        for n in (2, 3):
            grams += [run[i:i + n] for i in range(len(run) - n + 1)]
    return grams


def router_pipeline() -> Any:
    """Cleaned text → SVM scores per class (``decision_function``), whole message and sentences
    (:class:`bot.routing.model.SentenceSVM`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from bot.routing.model import SentenceSVM

    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer=char_unigrams, sublinear_tf=True, dtype=np.float32)),
        ("grams", TfidfVectorizer(analyzer=char_bigrams_trigrams, sublinear_tf=True, dtype=np.float32)),
    ], transformer_weights={"chars": UNIGRAM_WEIGHT, "grams": 1.0})
    return SentenceSVM(features=features, C=C)


def baseline_pipeline() -> Any:
    """The comparison: TF-IDF character 1–3-grams of the raw text + a linear SVM, library defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline([("features", TfidfVectorizer(analyzer="char", ngram_range=(1, 3))),
                     ("classifier", LinearSVC(random_state=0))])


def decision_scores(pipeline: Any, cleaned: Sequence[str]) -> np.ndarray:
    """SVM scores, one column per class (two columns for two classes: ±half the binary score)."""
    raw = np.asarray(pipeline.decision_function(np.asarray(cleaned, dtype=object)), dtype=float)
    if raw.ndim == 1:
        raw = np.column_stack([-raw / 2, raw / 2])
    return raw


def softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    z = values * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


class Router:
    """The fitted pipeline and the temperature that turns its scores into probabilities."""

    def __init__(self, pipeline: Any, temperature: float) -> None:
        self.pipeline = pipeline
        self.temperature = float(temperature)
        self.classes_ = np.asarray(pipeline.classes_)

    def predict_proba(self, cleaned: Sequence[str]) -> np.ndarray:
        return softmax(decision_scores(self.pipeline, cleaned), self.temperature)

    def predict(self, cleaned: Sequence[str]) -> np.ndarray:
        result: np.ndarray = self.classes_[self.predict_proba(cleaned).argmax(axis=1)]
        return result
