"""A third opinion for the resolver: a classifier trained on residents' questions labelled by item.

The first scorer (bot/registry/resolver.py) reads what an item is *called*; the second
(bot/registry/documents.py) what its guide *says*. Neither knows how residents *ask*: "刚生了娃要上
户口" names no item, and "公积金余额怎么查" names one whose guide does not answer it. The city
keeps labelled questions for that in ``data/registry/questions/*.yml`` (the hotline sets' format:
``{text, expect: CODE|none, kind}``; never the held-out gate set). A TF-IDF character 1–3-gram
logistic regression learns from them, from every item's names and keywords (so an item with no
questions yet still has examples), and from the questions labelled none (a class of its own, so
"a matter next to this item that its guide does not answer" has a score too).

A TF-IDF character 1–3-gram linear SVM (one-vs-rest, classes balanced) gives each item and none a
score (its decision value, about -1.5..1.5; positive means "this one"). On the tuning set it ranks
the labelled item first for 92 of 96 covered questions, as often as a logistic regression, but
fits in a second instead of a minute: it is refitted whenever the question files or the items'
names change. Plain character n-grams (``char``) rather than word-bounded ones (``char_wb``): a
Chinese question has no spaces, and across the tuning questions (out of fold) they found more at
the same share of wrong answers; 1–4 and 2–4 grams and adding jieba words did not. The asking
words are kept (see ``_words``): without them the same tuning questions found fewer.

The resolver's calibrated confidence uses five of its numbers: the score of its best candidate,
the score of none, whether the model's own first choice is the same item, how far that item's score
is ahead of every other class, and ``nearest_margin``: how much closer the question is to the
closest labelled question *about that item* than to the closest question labelled *none*. The last
one sees what a linear score blurs: "公积金贷款的利率是多少" is a near copy of a question labelled
none, though every word of it names the loan item. Shared read-only by threads.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

logger = logging.getLogger(__name__)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: several times faster
NONE = "none"  # the class of questions no item answers
REGULARISATION = 1.0  # sklearn's C: 0.3 and 1 tried on the tuning set (1 finds more none questions)
NAME_REPEAT = 2  # an item's names and aliases count as this many examples each
_NOT_WORDS = re.compile(r"[\W\d_a-zA-Z]+")  # punctuation, emoji, digits, Latin letters


def load_labelled(paths: Iterable[Path]) -> List[Tuple[str, str]]:
    """``(text, code or "none")`` from question files (a list, or ``{questions: [...]}``)."""
    pairs: List[Tuple[str, str]] = []
    for path in paths:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or []
        rows = data.get("questions", []) if isinstance(data, dict) else data
        for row in rows or []:
            if not isinstance(row, dict) or not str(row.get("text") or "").strip():
                continue
            expect = row.get("expect")
            pairs.append((str(row["text"]).strip(), NONE if expect in (None, "", NONE) else str(expect)))
    return pairs


def question_files(directory: Path) -> List[Path]:
    return sorted(directory.glob("*.yml")) + sorted(directory.glob("*.yaml")) if directory.is_dir() else []


class ExampleModel:
    """Scores over item codes and ``none`` for a question."""

    def __init__(self, questions: Sequence[Tuple[str, str]], names: Mapping[str, Sequence[str]]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        known = set(names)
        pairs = [(t, c) for t, c in questions if c == NONE or c in known]
        dropped = len(questions) - len(pairs)
        if dropped:
            logger.info("%d labelled questions name items no longer in the registry; not used", dropped)
        asked = len(pairs)  # the questions come first, the items' names after them
        for code, item_names in names.items():
            pairs += [(n, code) for n in item_names for _ in range(NAME_REPEAT)]
        self.questions = len(questions) - dropped
        self._clean = _words
        self._last: Tuple[str, Dict[str, float]] = ("\0", {})
        self._last_nearest: Tuple[str, Dict[str, float]] = ("\0", {})
        self._asked = None  # the labelled questions' vectors, for the nearest one of each class
        self._asked_labels: List[str] = []
        self._classes: Tuple[str, ...] = tuple(sorted({c for _t, c in pairs}))
        self._model = None
        if len(self._classes) < 2:
            return
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        x = self._vectorizer.fit_transform([_words(t) for t, _c in pairs])
        # random_state: the solver shuffles; a fixed seed makes the same files give the same answers
        self._model = LinearSVC(C=REGULARISATION, class_weight="balanced", random_state=0).fit(
            x, [c for _t, c in pairs])
        self._classes = tuple(str(c) for c in self._model.classes_)
        self._asked = x[:asked]  # rows are L2-normalised: a dot product is the cosine similarity
        self._asked_labels = [c for _t, c in pairs[:asked]]

    def scores(self, text: str) -> Dict[str, float]:
        """Each class's decision value; a registry of one item scores it 1.0. The last question's
        scores are kept (the resolver asks twice per question: to order, then to weigh)."""
        cached_text, cached = self._last
        if cached_text == text:
            return cached
        if self._model is None:
            found = dict.fromkeys(self._classes, 1.0)
        else:
            values = self._model.decision_function(self._vectorizer.transform([self._clean(text)]))[0]
            if len(self._classes) == 2:  # a binary SVM gives one value: the second class's
                values = [-float(values), float(values)]
            found = {c: float(v) for c, v in zip(self._classes, values, strict=True)}
        self._last = (text, found)  # one tuple, replaced whole: safe for threads sharing the model
        return found

    def nearest(self, text: str) -> Dict[str, float]:
        """Each class's closest labelled question (cosine similarity, 0..1); the last question's kept."""
        cached_text, cached = self._last_nearest
        if cached_text == text:
            return cached
        found: Dict[str, float] = {}
        if self._asked is not None and self._asked.shape[0]:
            sims = (self._asked @ self._vectorizer.transform([self._clean(text)]).T).toarray().ravel()
            for label, sim in zip(self._asked_labels, sims, strict=True):
                if sim > found.get(label, -1.0):
                    found[label] = float(sim)
        self._last_nearest = (text, found)
        return found

    def features(self, text: str, best: str) -> Dict[str, float]:
        """``example_score``: the resolver's best item's score; ``example_none``: none's;
        ``example_top``: 1 when the model's own first choice is the same item; ``example_margin``:
        its score minus the best other class's; ``nearest_margin``: the closest labelled question
        about the item minus the closest labelled none (-1..1)."""
        s = self.scores(text)
        top = max(s.items(), key=lambda kv: kv[1])[0] if s else ""
        near = self.nearest(text)
        others = [v for c, v in s.items() if c != best]
        return {"example_score": _bounded(s.get(best, -1.0)), "example_none": _bounded(s.get(NONE, -1.0)),
                "example_top": 1.0 if top == best else 0.0,
                "example_margin": _bounded(s.get(best, -1.0) - max(others, default=-1.0)),
                "nearest_margin": near.get(best, 0.0) - near.get(NONE, 0.0)}


def _words(text: str) -> str:
    """The question's characters without punctuation, emoji, digits and Latin letters. The asking
    words stay (unlike the guide documents' ``clean``): "利率是多少", "到哪一步了", "为什么被退回" are
    how residents ask what a guide leaves out, and the questions labelled none teach exactly that."""
    return _NOT_WORDS.sub(" ", text or "")


def _bounded(value: float) -> float:
    """A message like no question at all scores far below -1 for every class; the calibration is a
    straight line fitted on questions, so it sees such values as -1.5 at most (and +1.5 at least)."""
    return max(-1.5, min(1.5, value))


def names_by_code(records: Iterable[object]) -> Dict[str, List[str]]:
    """Every item's names, aliases and keywords (resolver records)."""
    return {r.code: [*r.names, *r.keywords] for r in records}  # type: ignore[attr-defined]


_built: Dict[Tuple[object, ...], ExampleModel] = {}  # the last model, by what it was fitted from
_built_lock = threading.Lock()


def build(records: Iterable[object], directory: Path,
          normalize: Optional[Callable[[str], str]] = None) -> ExampleModel:
    """The model of the registry's items from the question files in ``directory``.

    Fitting takes a second or two, and the resolver is rebuilt on every registry edit (a guide's
    text, an opening hour …) inside a turn: the last model is kept while the question files and the
    items' names and keywords are the same."""
    names = names_by_code(records)
    files = question_files(directory)
    key = (tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files),
           tuple(sorted((code, tuple(n)) for code, n in names.items())), normalize)
    with _built_lock:
        if key in _built:
            return _built[key]
    pairs = load_labelled(files)
    if normalize is not None:
        pairs = [(normalize(t), c) for t, c in pairs]
    model = ExampleModel(pairs, names)
    with _built_lock:
        _built.clear()
        _built[key] = model
    return model


__all__ = ["NONE", "ExampleModel", "build", "load_labelled", "names_by_code", "question_files"]
