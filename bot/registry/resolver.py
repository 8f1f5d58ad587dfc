"""Which registry item a question is about — or honestly none.

A question is about an item when (1) it names the item (a name or alias, or a word that only
this item's names use) and (2) the item explains the question's *content words*: the words
left after question, aspect and place words are removed, weighted by how rare they are
(jieba's IDF table). "如何申请最低生活保障救助" names 最低生活保障申请 and leaves nothing
unexplained; "灾害后居民饮食该注意些什么" shares only 居民 with 城乡居民养老保险, so most of its
weight (灾害, 饮食) is unexplained and the resolver declines. A word that tells two neighbours
apart (初次 / 换证, 贷款 / 提取) counts for the item that has it and against the one that
does not, because it is unexplained there. Words every guide answers (多久, 手机上, 寄到家, 老家
… ``data/lexicon/aspects.tsv``) and amounts ("两万多") are not content words; a document named
as the thing to bring ("要带结婚证吗") names no matter.

Whether to answer is then decided on the clause that asks: a kind of handling it names that
the item does not do (补领, 延续, 变更, 查询 … ``data/lexicon/variants.tsv``) rules the item out;
otherwise a calibrated probability (bot/registry/calibration.py) weighs how clearly the item is
named, how much it explains, the runner-up's distance, the asking words that not even the item's
whole guide explains ("养老金**涨**多少"), and a second scorer over each item's whole document
(bot/registry/documents.py).

Three outcomes: ``commit`` (one item, answer it), ``choose`` (2–3 real candidates), ``decline``
(a matter the guide does not hold), plus ``none`` when the message names no matter at all
("那要多久？"), so the dialogue keeps its context. The constants below and the calibration are
tuned on ``tests/registry/hotline/dev.yml`` and gated on the held-out set.

Everything here is pure and works on plain immutable records, so the index can be shared by
threads and rebuilt when the registry changes.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from rapidfuzz import fuzz, process

from bot.registry.calibration import Calibration
from bot.registry.documents import DocumentIndex, document, guide_text
from bot.registry.examples import NONE, ExampleModel
from bot.registry.homophones import Homophones
from bot.registry.words import (
    AMOUNT,
    ASKING,
    FUNCTION_CHARS,
    PUNCT,
    STOP_WORDS,
    idf_table,
    is_cjk,
    load_aspects,
    load_variants,
    only_brought,
    tokenizer,
)

logger = logging.getLogger(__name__)

# --- scoring constants (tuned on the dev set; see module docstring) ------------------------
NAME_WEIGHT = 0.45  # share of the score from naming the item
COVER_WEIGHT = 0.55  # share from explaining the question's content words
COMMIT_AT = 0.70  # score from which one item is answered without asking
COMMIT_MARGIN = 0.08  # ... when the runner-up is at least this far behind
CHOOSE_AT = 0.55  # score from which an item is offered as a candidate
CHOOSE_WINDOW = 0.10  # candidates within this distance of the best are offered together
CHOOSE_P = 0.35  # calibrated confidence from which the best candidate is offered as a button
FUZZY_NAME = 85  # rapidfuzz partial_ratio for a mistyped name (3+ characters)
SINGLE_CHAR_WEIGHT = 0.5  # single characters (查, 补, 换) count for half
CONTEXT_WEIGHT = 0.4  # words outside the clause that asks ("护照办好了，签证在哪办") count less
UNKNOWN_WEIGHT = 0.5  # words no item and no kind of handling uses ("老娘", "听说") count for a third
VARIANT_PENALTY = 0.2  # the question asks for a kind of handling (补领, 注销 …) the item does not do
SAID = 0.8  # naming from which a name counts as said: as written (1.0), all its words in another order (0.9),
#            or its one word that no other item's names use (0.8: 护照 of 普通护照)
TIE = 0.05  # naming this close and cover as high: the question does not tell two items apart ...
EXAMPLE_TIE = 0.6  # ... unless the labelled questions' scores of the two are this far apart (0.3–1 and no
#                    such exception tried on the tuning questions, out of fold: 0.3–0.6 found the most)
WEAKLY_NAMED = 0.5  # naming below this (a word of a name, no name said), residents' questions scoring the
MOSTLY = 0.5  # item 0 or less, and its whole guide leaving this share of the asking words unexplained:
#               nothing says it is this item (not committed, not offered)
EXAMPLE_WEIGHT = 0.8  # the order of candidates adds this × the labelled questions' score (0.2–1 tried on the
#                       tuning questions, out of fold, with 3,800 of them: 0.8–1 found the most at the same wrong)

@dataclass(frozen=True)
class ItemRecord:
    """The parts of an item the resolver and the decline message need; immutable, thread-safe."""

    code: str
    name: str
    names: Tuple[str, ...]  # name and aliases
    keywords: Tuple[str, ...]  # item keywords, situation names and situation keywords
    category: str
    agency: str
    consult_phone: str
    guide: str = ""  # situations, materials, steps, conditions (bot/registry/documents.py)


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float
    naming: float  # 0..1, how clearly the question names the item
    cover: float  # 0..1, share of the content weight the item explains
    via: str  # the name, alias or word that named it ("" when none)

    def as_dict(self) -> Dict[str, object]:
        return {"code": self.code, "name": self.name, "score": round(self.score, 3),
                "naming": round(self.naming, 3), "cover": round(self.cover, 3), "via": self.via}


@dataclass(frozen=True)
class Resolution:
    outcome: str  # commit | choose | decline | none
    candidates: Tuple[Candidate, ...] = ()
    terms: Tuple[str, ...] = ()  # the question's content words
    unexplained: Tuple[str, ...] = ()  # content words the best candidate does not explain
    agency: str = ""  # the department that handles the topic, when the question makes it clear
    agency_phone: str = ""
    confidence: float = 0.0  # calibrated probability that the best candidate is the matter asked
    features: Optional[Dict[str, float]] = None  # what the confidence was computed from

    @property
    def item(self) -> Optional[Candidate]:
        return self.candidates[0] if self.outcome == "commit" and self.candidates else None

    def as_dict(self) -> Dict[str, object]:
        return {"outcome": self.outcome, "confidence": round(self.confidence, 3),
                "candidates": [c.as_dict() for c in self.candidates],
                "terms": list(self.terms), "unexplained": list(self.unexplained),
                "agency": self.agency, "agency_phone": self.agency_phone}


@dataclass
class _Profile:
    record: ItemRecord
    strings: Tuple[str, ...]  # every name, alias and keyword
    name_words: Tuple[Tuple[str, FrozenSet[str]], ...] = ()  # each name with its content words
    name_tokens: FrozenSet[str] = field(default_factory=frozenset)
    tokens: FrozenSet[str] = field(default_factory=frozenset)


class Resolver:
    """An index of every item's names and words; ``resolve(text)`` scores a question against it."""

    def __init__(self, records: Sequence[ItemRecord], dictionaries: Iterable[Path] = (),
                 places: Iterable[str] = (), variants: Optional[Dict[str, Tuple[str, ...]]] = None,
                 calibration: Optional[Calibration] = None, aspects: Iterable[str] = (),
                 examples: Optional[ExampleModel] = None) -> None:
        self.records = {r.code: r for r in records}
        self.examples = examples  # residents' labelled questions (bot/registry/examples.py)
        self._aspects = frozenset(aspects)
        self.calibration = calibration
        self._variants = variants or {}
        self._places = frozenset(places)
        self._tokenizer = tokenizer(tuple(str(p) for p in dictionaries))
        self._idf, self._median_idf = idf_table()
        self._profiles = [self._profile(r) for r in records]
        owners: Dict[str, set] = {}
        for profile in self._profiles:
            for word in profile.name_tokens:
                owners.setdefault(word, set()).add(profile.record.code)
        self._name_owners = {w: len(codes) for w, codes in owners.items()}
        self._vocabulary = frozenset(t for p in self._profiles for t in p.tokens)
        self._variant_words = {w: kind for kind, words in self._variants.items() for w in words}
        self._covers = {p.record.code: self._variants_of(p) for p in self._profiles}
        self._names = [(n, p) for p in self._profiles for n in p.record.names if len(n) >= 3]
        self._name_weights = {w: self._name_weight(w) for p in self._profiles for w in p.name_tokens}
        self._explainers: Dict[str, FrozenSet[str]] = {}
        self._present_for: Tuple[str, FrozenSet[str]] = ("", frozenset())
        self._all_names = [(n, p.record.code) for p in self._profiles for n in p.record.names if len(n) >= 2]
        self._exact_for: Tuple[str, Dict[str, str]] = ("", {})
        self._brought_names = sorted({n for n, _code in self._all_names}, key=len, reverse=True)
        self._homophones = Homophones((n for r in records for n in r.names),
                                      lambda w: self._tokenizer.FREQ.get(w, 0) > 0)
        self._documents = DocumentIndex(
            (r.code, document(r.names, r.keywords, r.category, r.guide)) for r in records)

    def _present(self, text: str, terms: Sequence[str]) -> FrozenSet[str]:
        """The name words a question says (as a word, or inside the text when 2+ characters)."""
        cached_text, cached = self._present_for
        if cached_text == text:
            return cached
        said = set(terms)
        present = frozenset(w for w in self._name_weights if w in said or (len(w) >= 2 and w in text))
        self._present_for = (text, present)
        return present

    # -- building -------------------------------------------------------------------------
    def _profile(self, record: ItemRecord) -> _Profile:
        name_words = tuple((n, frozenset(self.content_words(n, keep_short=True))) for n in record.names)
        name_tokens = {t for _n, words in name_words for t in words}
        words = {t for k in record.keywords for t in self.content_words(k, keep_short=True)}
        words |= {k for k in record.keywords if len(k) >= 2}
        # the category ("社保医保") is shared by a dozen items: it explains no word of a question,
        # or 医保 would count as explained for 失业保险金申领
        strings = tuple(dict.fromkeys((*record.names, *record.keywords)))
        return _Profile(record, strings, name_words, frozenset(name_tokens), frozenset(name_tokens | words))

    def content_words(self, text: str, keep_short: bool = False) -> List[str]:
        """The words of a text that can say which matter it is about. ``keep_short`` reads a name
        or keyword of the registry: its single characters and aspect words stay."""
        out = []
        for token in self._tokenizer.lcut(text or "", HMM=False):
            token = token.strip()
            if (not token or token in STOP_WORDS or (not keep_short and token in self._aspects) or token in self._places
                    or PUNCT.match(token) or AMOUNT.match(token)):
                continue
            if all(ch in FUNCTION_CHARS for ch in token):
                continue
            if not keep_short and len(token) == 1 and not is_cjk(token):
                continue
            out.append(token)
        return out

    def weight(self, token: str) -> float:
        w = self._idf.get(token, self._median_idf)
        if len(token) == 1:
            w *= SINGLE_CHAR_WEIGHT
        if token not in self._vocabulary and self._variant_of(token) is None:
            w *= UNKNOWN_WEIGHT
        return w

    def _variant_of(self, token: str) -> Optional[str]:
        kind = self._variant_words.get(token)
        if kind is None and len(token) >= 3:
            kind = next((k for w, k in self._variant_words.items() if len(w) >= 2 and w in token), None)
        return kind

    def _variants_of(self, profile: _Profile) -> FrozenSet[str]:
        """The kinds of handling an item does, read from its own names, keywords and situations."""
        kinds = {kind for kind, words in self._variants.items()
                 if any(w in s for w in words for s in profile.strings)}
        if not kinds & {"换领", "补领", "延续", "变更", "注销", "转移", "查询", "审验"}:
            kinds.add("首次")  # an item with one kind of handling is the plain first application
        return frozenset(kinds)

    def _asked_variants(self, text: str) -> FrozenSet[str]:
        """The kinds of handling the asking clauses name: "合同到期公司不续签了，领失业金要先登记吗"
        asks about 失业金, not about anything 到期."""
        asking = self._asking(text)
        kinds = {k for k in (self._variant_of(t) for t in self.content_words(asking)) if k}
        kinds |= {k for w, k in self._variant_words.items() if len(w) >= 2 and w in asking}
        return frozenset(kinds)

    # -- scoring --------------------------------------------------------------------------
    def _explains(self, profile: _Profile, token: str) -> bool:
        return profile.record.code in self._explained_by(token)

    def _explained_by(self, token: str) -> FrozenSet[str]:
        """The items that explain a word; remembered, since residents reuse few words."""
        found = self._explainers.get(token)
        if found is None:
            found = frozenset(p.record.code for p in self._profiles if self._explains_uncached(p, token))
            if len(self._explainers) > 50_000:
                self._explainers.clear()
            self._explainers[token] = found
        return found

    @staticmethod
    def _explains_uncached(profile: _Profile, token: str) -> bool:
        if token in profile.tokens:
            return True
        if len(token) == 1:
            return any(token in s for s in profile.strings)
        # a compound word ("贷款额度") is explained by a word of the item inside it ("贷款")
        return any(token in s for s in profile.strings) or any(len(t) >= 2 and t in token for t in profile.tokens)

    def _naming(self, profile: _Profile, text: str, present: FrozenSet[str]) -> Tuple[float, str]:
        """1.0 for a name said as written; 0.9 when every word of a name is there in another
        order ("社会保障卡如何申领或者补换"); otherwise 0.8 × the largest share (by weight) of
        one name's words that the question says, each word weighted by its rarity and divided by
        the number of items whose names use it, so a shared word ("居民", "换证") names little."""
        exact = self._exact(text).get(profile.record.code)
        if exact:
            return 1.0, exact
        if not profile.name_tokens & present:
            return 0.0, ""
        whole = [n for n, words in profile.name_words  # two words or more: one shared word ("户口") names little
                 if len(words) >= 2 and words <= present]
        if whole:
            return 0.9, max(whole, key=len)
        best, via = 0.0, ""
        for _name, words in profile.name_words:
            if not words:
                continue
            shared = [w for w in words if w in present]
            # said words count divided by their owners, the name's words whole: a name whose one
            # word is shared ("上户口": 户口) is not named by that word alone
            share = sum(self._name_weights[w] for w in shared) / sum(self.weight(w) for w in words)
            if 0.8 * share > best:
                best, via = 0.8 * share, "".join(shared)
        return best, via

    def _exact(self, text: str) -> Dict[str, str]:
        """Item code → the longest of its names said as written (one pass over all names)."""
        cached_text, cached = self._exact_for
        if cached_text == text:
            return cached
        found: Dict[str, str] = {}
        for name, code in self._all_names:
            if name in text and len(name) > len(found.get(code, "")):
                found[code] = name
        self._exact_for = (text, found)
        return found

    def _name_weight(self, word: str) -> float:
        """A name word counts by its rarity and by how few items' names use it."""
        return self.weight(word) / self._name_owners.get(word, 1)

    def _asking(self, text: str) -> str:
        """The clauses that ask; the whole text when no clause (or only one) asks. When the asking
        clauses name nothing ("…个体户登记在手机上就能办，是真的吗？"), the clause before them
        that does is what they ask about."""
        clauses = [c for c in re.split(r"(?<=[，,。.？?！!；;])", text) if c.strip()]
        asking = [i for i, c in enumerate(clauses) if ASKING.search(c)]
        if not asking or len(clauses) <= 1:
            return text
        if not any(self.content_words(clauses[i]) for i in asking):
            said = next((i for i in range(asking[0] - 1, -1, -1) if self.content_words(clauses[i])), None)
            asking = ([said] if said is not None else []) + asking
        return "".join(clauses[i] for i in asking)

    def _focus(self, text: str) -> FrozenSet[str]:
        """The words of the clauses that ask; all words when no clause asks."""
        return frozenset(self.content_words(self._asking(text)))

    def _term_weight(self, token: str, focus: FrozenSet[str]) -> float:
        return self.weight(token) * (1.0 if token in focus else CONTEXT_WEIGHT)

    def _total(self, terms: Sequence[str], focus: FrozenSet[str]) -> float:
        return sum(self._term_weight(t, focus) for t in terms)

    def _naming_text(self, text: str) -> str:
        """The text with every document named as the thing to bring blanked out: "结婚证要带上吗"
        names no matter (the words still count as what the question is about)."""
        for name in self._brought_names:
            if name in text and only_brought(name, text):
                text = text.replace(name, "，")
        return text

    def _candidate(self, profile: _Profile, named: Tuple[str, Sequence[str]], terms: Sequence[str], total: float,
                   focus: FrozenSet[str], asked: FrozenSet[str]) -> Candidate:
        naming, via = self._naming(profile, named[0], self._present(*named))
        explained = sum(self._term_weight(t, focus) for t in terms if self._explains(profile, t))
        cover = explained / total if total else 0.0
        score = NAME_WEIGHT * naming + COVER_WEIGHT * cover
        if asked - self._covers[profile.record.code]:
            score -= VARIANT_PENALTY
        return Candidate(profile.record.code, profile.record.name, score, naming, cover, via)

    def resolve(self, text: str, hints: Sequence[str] = ()) -> Resolution:
        """Score every item; ``hints`` are item codes an entity extractor proposed (a small bonus)."""
        text = self._homophones.correct((text or "").strip())  # "居柱证" is 居住证
        terms = self.content_words(text)
        if not terms:
            return Resolution("none")
        focus = self._focus(text)
        total = self._total(terms, focus)
        asked = self._asked_variants(text)
        named_text = self._naming_text(text)
        named = (named_text, terms if named_text == text else self.content_words(named_text))
        scored = [self._candidate(p, named, terms, total, focus, asked) for p in self._profiles]
        if max((c.naming for c in scored), default=0.0) < 0.9:  # only when no name was said as such
            fuzzy = self._fuzzy_names(text)
            scored = [_with_fuzzy(c, fuzzy.get(c.code)) for c in scored]
        scored = [_boost(c) if c.code in hints else c for c in scored]
        scored = [c for c in scored if c.naming > 0 or c.cover > 0]
        learnt = self.examples.scores(text) if self.examples is not None else {}
        scored.sort(key=lambda c: (-(c.score + EXAMPLE_WEIGHT * learnt.get(c.code, 0.0)), -c.naming, c.code))
        if not scored or max(c.naming for c in scored) == 0.0:
            # nothing named: "那要多久" or a matter with no item ("灾害后饮食")
            # words no item explains at all ("麻婆豆腐") are a matter outside the guide, too
            outcome = "decline" if not scored or self._is_a_matter(terms, scored, focus) else "none"
            described = None
            if outcome == "decline":
                described = self._described(text, named, terms, total, focus, asked, scored)
            return described or Resolution(outcome, tuple(scored[:3]), tuple(terms), tuple(terms))
        best = scored[0]
        unexplained = tuple(t for t in terms if not self._explains(self._by_code(best.code), t))
        close = [c for c in scored if c.score >= CHOOSE_AT and best.score - c.score <= CHOOSE_WINDOW]
        features = self.features(scored, terms, focus, text, asked)
        confidence = self.calibration.probability(features) if self.calibration else best.score
        if self._commits(scored, features, confidence):
            return Resolution("commit", (best, *scored[1:3]), tuple(terms), unexplained, confidence=confidence,
                              features=features)
        # an item the question never names, or does not resemble at all, is no offer
        offered = confidence >= CHOOSE_P and best.naming > 0 and not features["unrecognised"]
        if features["variant_mismatch"]:
            # the best does not do the kind of handling asked ("优待证丢了怎么补"): its guide is not
            # offered as if it were the answer; neighbours that do it still are
            close, offered = [c for c in close if not asked - self._covers[c.code]], False
        if len(close) < 2 and offered:
            # not sure enough to answer, sure enough to offer: the best and a named neighbour
            close = [best, *[c for c in scored[1:2] if c.naming > 0]]
        if len(close) >= 2 or (close and offered):
            return Resolution("choose", tuple(close[:3]), tuple(terms), unexplained, confidence=confidence,
                              features=features)
        agency, phone = self._topic_agency(scored)
        return Resolution("decline", tuple(scored[:3]), tuple(terms), unexplained, agency, phone, confidence,
                          features)

    def _described(self, text: str, named: Tuple[str, Sequence[str]], terms: Sequence[str], total: float,
                   focus: FrozenSet[str], asked: FrozenSet[str], scored: Sequence[Candidate]) -> Optional[Resolution]:
        """A matter described, not named ("两个人都同意离，要准备什么材料"): the item residents' labelled
        questions point to, when they point to an item rather than to none, is weighed by the same
        calibrated confidence as a named one; ``None`` leaves the decline as it was."""
        if self.examples is None:
            return None
        p = self.examples.scores(text)
        items = sorted(((v, c) for c, v in p.items() if c in self.records), reverse=True)
        if not items or items[0][0] <= max(p.get(NONE, 0.0), 0.0):
            return None  # the questions point to none, or to nothing ("阿巴阿巴" is like no question at all)
        guess = self._candidate(self._by_code(items[0][1]), named, terms, total, focus, asked)
        ranked = [guess, *[c for c in scored if c.code != guess.code]]
        features = self.features(ranked, terms, focus, text, asked)
        confidence = self.calibration.probability(features) if self.calibration else 0.0
        unexplained = tuple(t for t in terms if not self._explains(self._by_code(guess.code), t))
        if features["variant_mismatch"]:
            return Resolution("decline", tuple(ranked[:3]), tuple(terms), unexplained, confidence=confidence,
                              features=features)
        if self.calibration is not None and confidence >= self.calibration.commit_at and not features["indistinct"]:
            return Resolution("commit", tuple(ranked[:3]), tuple(terms), unexplained, confidence=confidence,
                              features=features)
        if confidence >= CHOOSE_P:
            # buttons for the items the questions point to, as long as each scores above none and "no"
            offered = [guess, *[self._candidate(self._by_code(c), named, terms, total, focus, asked)
                                for v, c in items[1:3] if v > max(p.get(NONE, 0.0), 0.0)]]
            return Resolution("choose", tuple(offered), tuple(terms), unexplained, confidence=confidence,
                              features=features)
        return Resolution("decline", tuple(ranked[:3]), tuple(terms), unexplained, confidence=confidence,
                          features=features)

    def _commits(self, scored: Sequence[Candidate], features: Dict[str, float], confidence: float) -> bool:
        """Answer the best item: confident enough, it does the kind of handling asked (an item
        that issues 老年优待证 does not answer "优待证丢了怎么补"), and the question's own words tell
        it from the runner-up ("驾照怎么办" names 期满换证 and 遗失补证 alike: how residents usually
        ask is no reason to pick one for them)."""
        if features["variant_mismatch"] or features.get("indistinct") or features.get("unrecognised"):
            return False
        if features["naming"] >= SAID and features["cover"] >= 1.0 and features["margin"] >= COMMIT_MARGIN:
            # the item's name (as written, its words in another order, or its one word no other item uses)
            # and nothing else ("居住证去哪里办", "公积金怎么提", "护照怎么办"): what other residents asked
            # about its neighbours cannot outweigh a question that says which matter it is
            return True
        if self.calibration is not None:
            return confidence >= self.calibration.commit_at
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        return confidence >= COMMIT_AT and scored[0].score - runner_up >= COMMIT_MARGIN

    def features(self, scored: Sequence[Candidate], terms: Sequence[str], focus: FrozenSet[str],
                 text: str, asked: FrozenSet[str] = frozenset()) -> Dict[str, float]:
        """What the calibrated confidence is computed from (see bot/registry/calibration.py): the
        asking clause's words the best item's names, and then its whole guide, do not explain, and
        the second scorer's view of the same question."""
        best = scored[0]
        profile = self._by_code(best.code)
        focus_terms = [t for t in terms if t in focus] or list(terms)
        focus_weight = sum(self.weight(t) for t in focus_terms) or 1.0
        unexplained = [t for t in focus_terms if not self._explains(profile, t)]
        beyond = self._beyond(profile, unexplained)
        guide_unexplained = sum(self.weight(t) for t in beyond) / focus_weight
        sims = self._documents.scores(text)
        best_sim = sims.get(best.code, 0.0)
        other_sim = max((v for k, v in sims.items() if k != best.code), default=0.0)
        learnt = self.examples.features(text, best.code) if self.examples is not None else {}
        return {
            **learnt,
            "score": best.score,
            "naming": best.naming,
            "cover": best.cover,
            "margin": best.score - (scored[1].score if len(scored) > 1 else 0.0),
            "focus_unexplained": sum(self.weight(t) for t in unexplained) / focus_weight,
            "guide_unexplained": guide_unexplained,
            "doc_sim": best_sim,
            "doc_margin": best_sim - other_sim,
            "variant_mismatch": 1.0 if asked - self._covers[best.code] else 0.0,
            "indistinct": 1.0 if len(scored) > 1 and self._indistinct(text, best, scored[1]) else 0.0,
            # nothing says it is this item: a name's word or two at most, nothing residents asked looks
            # like it, and not even its guide explains most of the asking words ("租赁车驾驶人备案在哪里办"
            # shares only 备案 with 医保异地就医备案)
            "unrecognised": 1.0 if (best.naming < WEAKLY_NAMED and learnt.get("example_score", 1.0) <= 0.0
                                    and guide_unexplained >= MOSTLY) else 0.0,
        }

    def _indistinct(self, text: str, best: Candidate, runner_up: Candidate) -> bool:
        """The question's words name both alike (``_indistinct``), and residents' labelled questions
        do not tell them apart either: "驾照怎么办" is a tie; "居住证快满一年了，要去续吗" names
        居住证 items alike, but residents who ask about 续 ask about the yearly 签注."""
        if not _indistinct(best, runner_up):
            return False
        if self.examples is None:
            return True
        learnt = self.examples.scores(text)
        return learnt.get(best.code, 0.0) - learnt.get(runner_up.code, 0.0) < EXAMPLE_TIE

    def _beyond(self, profile: _Profile, terms: Sequence[str]) -> List[str]:
        """The words an item's whole guide does not explain (names, keywords, then guide text)."""
        return [t for t in terms
                if not self._explains(profile, t) and not (len(t) >= 2 and t in profile.record.guide)]

    def _by_code(self, code: str) -> _Profile:
        return next(p for p in self._profiles if p.record.code == code)

    def _fuzzy_names(self, text: str) -> Dict[str, Tuple[float, str]]:
        """Mistyped names ("居注证") that the normaliser's typo table does not know."""
        if len(text) < 3:
            return {}
        found: Dict[str, Tuple[float, str]] = {}
        # a name longer than the message is not in it ("公积金" is no typo of 住房公积金提取);
        # exact mentions are scored already
        names = {i: n for i, (n, _p) in enumerate(self._names) if len(n) <= len(text) and n not in text}
        for name, score, index in process.extract(text, names, scorer=fuzz.partial_ratio,
                                                   score_cutoff=FUZZY_NAME, limit=10):
            profile = self._names[index][1]
            span = fuzz.partial_ratio_alignment(name, text)
            if span is None or span.dest_end - span.dest_start != len(name):
                continue  # a typo replaces a character; a name cut short ("公积金" of 提公积金) is not one
            value = 0.8 * score / 100.0
            if value > found.get(profile.record.code, (0.0, ""))[0]:
                found[profile.record.code] = (value, name)
        return found

    def _is_a_matter(self, terms: Sequence[str], scored: Sequence[Candidate], focus: FrozenSet[str]) -> bool:
        """Content words that no item explains well mean a matter outside the guide."""
        if not terms:
            return False
        best_cover = max((c.cover for c in scored), default=0.0)
        return self._total(terms, focus) >= 2 * self._median_idf * SINGLE_CHAR_WEIGHT and best_cover < 0.75

    def _topic_agency(self, scored: Sequence[Candidate]) -> Tuple[str, str]:
        """The department, when every item the question names clearly (at least half as clearly as
        the best named) belongs to the same one: "怎么查公积金账户余额" names the 公积金 items, whose
        scores a kind of handling none of them does (查询) has pushed below others."""
        most = max((c.naming for c in scored), default=0.0)
        named = [self.records[c.code] for c in scored if c.naming > 0 and c.naming >= most / 2]
        if named and len({r.agency for r in named}) == 1:
            return named[0].agency, named[0].consult_phone
        return "", ""


def _indistinct(best: Candidate, runner_up: Candidate) -> bool:
    """The runner-up is named as clearly and explains as much: nothing in the question tells them apart.
    A matter described without any name ("两个人都同意离") is not a tie of names: residents' labelled
    questions pick its item, and the calibrated confidence decides."""
    if best.naming <= 0.0:
        return False
    return runner_up.cover >= best.cover - 1e-9 and runner_up.naming >= best.naming - TIE


def _with_fuzzy(candidate: Candidate, fuzzy: Optional[Tuple[float, str]]) -> Candidate:
    if fuzzy is None or fuzzy[0] <= candidate.naming:
        return candidate
    naming, via = fuzzy
    score = candidate.score + NAME_WEIGHT * (naming - candidate.naming)
    return Candidate(candidate.code, candidate.name, score, naming, candidate.cover, via)


def _boost(candidate: Candidate) -> Candidate:
    return Candidate(candidate.code, candidate.name, candidate.score + 0.03, candidate.naming, candidate.cover,
                     candidate.via)


def records_from_items(items: Iterable[object]) -> List[ItemRecord]:
    """Plain records from ORM items (call inside the session that loaded them)."""
    records = []
    for item in items:
        situations = list(getattr(item, "situations", []) or [])
        keywords = [*(getattr(item, "keywords", None) or [])]
        for situation in situations:
            keywords += [situation.name, *(situation.keywords or [])]
        records.append(ItemRecord(
            code=item.code, name=item.name,  # type: ignore[attr-defined]
            names=tuple(dict.fromkeys([item.name, *(item.aliases or [])])),  # type: ignore[attr-defined]
            keywords=tuple(dict.fromkeys(k for k in keywords if k)),
            category=item.category, agency=item.agency, consult_phone=item.consult_phone,  # type: ignore[attr-defined]
            guide=guide_text(item),
        ))
    return records


_tokenizer = tokenizer  # the name bot/faq/search.py imports

__all__ = ["STOP_WORDS", "Candidate", "ItemRecord", "Resolution", "Resolver", "load_aspects", "load_variants",
           "records_from_items"]
