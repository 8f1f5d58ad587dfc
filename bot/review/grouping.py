"""Many ways of asking the same thing, shown as one row: grouping the review queue's messages.

1. Each message is normalised as the assistant normalises it (:func:`bot.nlu_admin.annotations.text_key`:
   width, 繁→简, pinyin, the typo table, no punctuation): messages that differ only there are one text.
2. A text is described by the words that say *what* it is about: the registry resolver's content
   words (jieba with the project's dictionaries, its stop list of question, aspect and function words
   removed), minus the kinds of handling of ``lexicon/variants.tsv`` (补办, 到期, 查询 …) and a few
   asking words. "办狗证要多久" and "狗证到期了怎么办" both become 狗证; "结婚证丢了怎么补" 结婚证.
   A text with no such word keeps its normalised form.
3. Those descriptions become character 1–2-gram TF-IDF vectors (scikit-learn). The IDF is fitted on
   the descriptions of the assistant's own training examples together with the queue's texts: a
   character common in residents' questions (证, 办) weighs little whatever the queue holds. (IDF
   over the queue alone made a matter that fills the queue weigh nothing: its 50 ways split apart.)
4. A leader pass groups them: the most asked text not yet in a group opens one and takes every
   remaining text whose cosine similarity to it is at least :data:`THRESHOLD`. Members must be close
   to the leader itself, not merely to one another, so a group cannot drift along a chain.

:data:`THRESHOLD` 0.25, measured on the fixed sample of tests/admin/test_review_grouping.py (135
questions: 12 matters asked 4–15 ways each, 狗证 once more in 50 ways, 8 unrelated ones) and on a queue
holding only the 50 ways and three other questions: no group mixes two matters, the 50 ways are one
row in both, three matters take two rows. At 0.20 狗证 and 结婚证 merge (through 证); at 0.28 the 50
ways split in two. The margin is narrow: it is a reading aid for administrators, who see every text
of a group and choose which ones a decision applies to.
Limits: questions that share their subject word group even when they ask different things
(结婚登记要预约吗 joins 结婚证丢了怎么补 through 结婚), and the same matter in words with no characters in
common (狗证 / 养犬登记) stays in two rows. Similarity products run in row blocks of sparse matrices,
so memory stays bounded for a long queue.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

from bot.nlu_admin import files

if TYPE_CHECKING:
    from bot.registry.resolver import Resolver

THRESHOLD = 0.25
BLOCK = 512
# asking words the resolver keeps as content (they say where or whom, not what)
ASKING_WORDS = frozenset({"补", "丢", "换", "找", "找谁", "谁", "管", "没人管", "在哪里", "在哪", "去哪"})

T = TypeVar("T")


@dataclass
class Cluster(Generic[T]):
    leader: str  # the most asked normalised text of the group
    members: List[T] = field(default_factory=list)
    keys: Counter = field(default_factory=Counter)  # normalised text → messages


class Describer:
    """:meth:`describe` with the project's dictionaries and kinds of handling, remembered per text."""

    def __init__(self, dictionaries: Tuple[str, ...], variants: Path) -> None:
        from bot.registry.resolver import Resolver as Tokens
        from bot.registry.resolver import load_variants

        words = {w for kind in load_variants(variants).values() for w in kind} if variants.exists() else set()
        self.resolver: Resolver = Tokens([], [Path(p) for p in dictionaries])  # no items: its words only
        self.skip = frozenset(words | ASKING_WORDS)
        self.describe = lru_cache(maxsize=100_000)(self._describe)

    def _describe(self, text: str) -> str:
        words = [w for w in self.resolver.content_words(text, keep_short=True) if w not in self.skip]
        return " ".join(words) or text


@lru_cache(maxsize=2)
def _describer(dictionaries: Tuple[Tuple[str, int, int], ...], variants: Tuple[str, int, int]) -> Describer:
    return Describer(tuple(p for p, _, _ in dictionaries), Path(variants[0]))


def describer() -> Callable[[str], str]:
    """The describing function for the data as it is now (built again when a dictionary changes)."""
    jieba_dir = files.words_file().parent
    dictionaries = tuple(files.stamp(p) for p in sorted(jieba_dir.glob("*.txt"))) if jieba_dir.is_dir() else ()
    return _describer(dictionaries, files.stamp(files.data_root() / "lexicon" / "variants.tsv")).describe


def describe(text: str) -> str:
    """The words of a normalised text that say what it is about, space-separated (the text itself
    when none is left)."""
    return describer()(text)


def background(describe_text: Optional[Callable[[str], str]] = None) -> List[str]:
    """The descriptions of every training example (the IDF's background)."""
    from bot.nlu_admin.annotations import normalizer, read_example, text_key
    from bot.nlu_admin.training_data import read_training_data

    norm = normalizer()
    keys = {text_key(read_example(t).plain, norm) for _, t in read_training_data().all_examples()}
    describe_text = describe_text or describer()
    return [describe_text(k) for k in sorted(keys)]


def cluster(items: Sequence[T], keys: Sequence[str], threshold: float = THRESHOLD,
            features: Optional[Callable[[str], str]] = None, corpus: Optional[Sequence[str]] = None
            ) -> List[Cluster[T]]:
    """Groups of ``items`` (``keys``: each one's normalised text), biggest first; ``corpus``: the IDF's
    background (default: the training examples, :func:`background`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    counts = Counter(keys)
    distinct = sorted(counts, key=lambda k: (-counts[k], k))
    by_key: Dict[str, List[T]] = {}
    for item, key in zip(items, keys, strict=True):
        by_key.setdefault(key, []).append(item)
    if len(distinct) <= 1:
        return [Cluster[T](k, by_key[k], Counter({k: counts[k]})) for k in distinct]
    features = features or describer()
    described = [features(k) or k or " " for k in distinct]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True)
    vectorizer.fit([*(background(features) if corpus is None else corpus), *described])
    vectors = vectorizer.transform(described)
    owner = [-1] * len(distinct)
    leaders: List[int] = []
    for start in range(0, len(distinct), BLOCK):
        block = vectors[start:start + BLOCK]
        sims = (block @ vectors.T).tocsr()
        for row in range(block.shape[0]):
            i = start + row
            if owner[i] != -1:
                continue
            owner[i] = i
            leaders.append(i)
            lo, hi = sims.indptr[row], sims.indptr[row + 1]
            for j in sims.indices[lo:hi][sims.data[lo:hi] >= threshold]:
                if j > i and owner[j] == -1:
                    owner[j] = i
    groups: Dict[int, Cluster[T]] = {i: Cluster[T](distinct[i]) for i in leaders}
    for j, leader in enumerate(owner):
        group = groups[leader]
        group.members.extend(by_key[distinct[j]])
        group.keys[distinct[j]] = counts[distinct[j]]
    return sorted(groups.values(), key=lambda g: (-len(g.members), g.leader))
