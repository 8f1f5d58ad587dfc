"""Each item's whole guide as a document, and a second scorer over those documents.

The resolver's first scorer reads an item's names, aliases and keywords: what a resident calls
the matter. A covered question also asks about what the guide says — 照片, 面签, 冷静期,
股东会决议 — and a question near an item but outside it asks about what the guide does not
say (余额, 月供, 继承). So every item has a *guide text*: its situations, materials, steps,
conditions, time-limit and fee notes. It is used in two ways:

* the resolver asks whether the top item's guide explains the asking words (see
  ``Resolver.features``);
* :class:`DocumentIndex` ranks every item by the TF-IDF cosine of character 1–2-grams between
  the question and the item's whole document (names, keywords, category and guide text), an
  independent second opinion that does not depend on jieba's word boundaries.

Both are plain, immutable and shared by threads; nothing here learns from questions.
"""
from __future__ import annotations

import logging
import re
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

logger = logging.getLogger(__name__)

# punctuation, digits and Latin letters carry no matter; question phrases would make every
# question alike ("怎么办", "需要什么")
_NOISE = re.compile(r"[^\u4e00-\u9fff]+")
_QUESTION_PHRASES = re.compile(
    "怎么办|咋办|怎么样|怎么弄|怎么|怎样|如何|什么|请问|是否|能不能|可不可以|哪些|哪个|哪里|需要|可以|吗|呢|吧|啊|的|了")


def guide_text(item: object) -> str:
    """The words of an item's guide beyond its names: situations, materials, steps, notes.

    Reads ORM rows or views alike (attribute names of bot/registry/models.py); call inside the
    session that loaded them."""
    parts: List[str] = [str(getattr(item, name, "") or "") for name in (
        "conditions", "limit_note", "fee", "fee_basis", "situation_question", "online_depth")]
    for situation in getattr(item, "situations", None) or []:
        parts += [situation.name, getattr(situation, "description", "") or "", getattr(situation, "fee", "") or ""]
        parts += list(getattr(situation, "keywords", None) or [])
    for material in getattr(item, "materials", None) or []:
        parts += [material.name, getattr(material, "note", "") or ""]
    for step in getattr(item, "steps", None) or []:
        parts += [step.name, getattr(step, "description", "") or ""]
    return "。".join(p for p in parts if p)


def clean(text: str) -> str:
    """The text without question phrases, digits, Latin letters and punctuation."""
    return _NOISE.sub(" ", _QUESTION_PHRASES.sub(" ", text or ""))


class DocumentIndex:
    """TF-IDF over character 1–2-grams of each item's whole document; ``scores(text)`` gives
    the cosine of a question with every item (0..1), in the order of ``codes``."""

    def __init__(self, documents: Iterable[Tuple[str, str]]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        pairs = [(code, clean(doc)) for code, doc in documents]
        self.codes: Tuple[str, ...] = tuple(code for code, _doc in pairs)
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True)
        if not pairs:
            self._matrix = None
            return
        self._matrix = self._vectorizer.fit_transform([doc for _code, doc in pairs])

    def scores(self, text: str) -> Dict[str, float]:
        if self._matrix is None:
            return {}
        vector = self._vectorizer.transform([clean(text)])
        sims = np.asarray((self._matrix @ vector.T).todense()).ravel()
        return {code: float(s) for code, s in zip(self.codes, sims, strict=True)}


def document(names: Sequence[str], keywords: Sequence[str], category: str, guide: str) -> str:
    """An item's whole document: what it is called (names weigh twice) and what its guide says."""
    called = "。".join(names)
    return "。".join([called, called, "。".join(keywords), category, guide])


__all__ = ["DocumentIndex", "clean", "document", "guide_text"]
