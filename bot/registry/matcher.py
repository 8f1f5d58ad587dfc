"""Finds which service item a resident means, from free text or an entity value.

Exact mentions of a name or alias win; otherwise rapidfuzz scores catch typos and partial
names. The registry is the only vocabulary: nothing here is hand-listed.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from rapidfuzz import fuzz, process

from bot.registry.models import ServiceItem, Situation

logger = logging.getLogger(__name__)

CONFIDENT = 86.0  # fuzzy score from which one candidate is taken without asking
CANDIDATE = 65.0  # below this a term is not offered at all
_AFFIX = re.compile(r"^(办理|申请|申领|补办|办|换|提取)|(办理|申请|申领|登记|手续)$")
_GENERIC = re.compile(r"(怎么|咋|如何|办理|申请|需要|要|什么|啥|材料|手续|多久|在哪|哪里|哪些|可以|能|吗|呢|啊|的|了|我|想|去|个|得)")


@dataclass(frozen=True)
class Match:
    name: str  # canonical item name
    code: str
    score: float
    term: str  # the name or alias that matched


class ServiceMatcher:
    """An index of names and aliases of every item."""

    def __init__(self, items: List[ServiceItem]) -> None:
        self.term_owner: Dict[str, Tuple[str, str]] = {}
        for item in items:
            for term in [item.name, *(item.aliases or [])]:
                term = term.strip()
                if term:
                    self.term_owner.setdefault(term, (item.name, item.code))
        self._add_cores()
        # longest first, so "机动车驾驶证遗失补证" wins over "驾驶证"
        self.terms = sorted(self.term_owner, key=len, reverse=True)
        self.names = {name for name, _ in self.term_owner.values()}

    def _add_cores(self) -> None:
        """Also index names without their verbs ("办护照" → "护照") when only one item has that core."""
        cores: Dict[str, set] = {}
        for term, owner in self.term_owner.items():
            core = _AFFIX.sub("", term)
            if len(core) >= 2 and core not in self.term_owner:
                cores.setdefault(core, set()).add(owner)
        for core, owners in cores.items():
            if len(owners) == 1:
                self.term_owner[core] = next(iter(owners))

    def by_name(self, value: Optional[str]) -> Optional[Match]:
        """Resolve an entity value or button payload (exact name, alias or close spelling)."""
        if not value:
            return None
        value = value.strip()
        if value in self.term_owner:
            name, code = self.term_owner[value]
            return Match(name, code, 100.0, value)
        found = self.search(value, limit=1)
        return found[0] if found and found[0].score >= CONFIDENT else None

    def search(self, text: str, limit: int = 3) -> List[Match]:
        """Best distinct items for a message, best first."""
        text = (text or "").strip()
        if not text or not self.terms:
            return []
        exact = [t for t in self.terms if t in text]
        if exact:
            # keep mentions not contained in a longer one ("护照" inside "普通护照")
            kept = [t for t in exact if not any(t != o and t in o for o in exact)]
            return self._distinct([Match(*self.term_owner[t], 100.0, t) for t in kept], limit)
        core = _GENERIC.sub("", text) or text
        if len(core) < 2:
            return []
        scored = process.extract(core, self.terms, scorer=fuzz.WRatio, limit=limit * 4)
        matches = [Match(*self.term_owner[term], float(score), term) for term, score, _ in scored if score >= CANDIDATE]
        return self._distinct(matches, limit)

    @staticmethod
    def _distinct(matches: List[Match], limit: int) -> List[Match]:
        seen, out = set(), []
        for match in sorted(matches, key=lambda m: (-m.score, -len(m.term))):
            if match.name not in seen:
                seen.add(match.name)
                out.append(match)
        return out[:limit]


def match_situation(item: ServiceItem, text: str) -> Optional[Situation]:
    """The situation whose name or keywords the text mentions (longest mention wins)."""
    text = text or ""
    best: Optional[Tuple[int, Situation]] = None
    for situation in item.situations:
        for term in [situation.name, *(situation.keywords or [])]:
            if term and term in text and (best is None or len(term) > best[0]):
                best = (len(term), situation)
    if best:
        return best[1]
    names = {s.name: s for s in item.situations}
    found = process.extractOne(text, list(names), scorer=fuzz.partial_ratio, score_cutoff=80) if names and text else None
    return names[found[0]] if found else None


class CachedMatcher:
    """Rebuilds the index when the registry fingerprint changes (checked at most every ``ttl`` s)."""

    def __init__(self, fingerprint: Callable[[], str], load: Callable[[], List[ServiceItem]], ttl: float = 30.0) -> None:
        self._fingerprint_of = fingerprint
        self._load = load
        self._ttl = ttl
        self._lock = threading.Lock()
        self._checked = 0.0
        self._fingerprint: Optional[str] = None
        self._matcher: Optional[ServiceMatcher] = None
        self._items: Dict[str, ServiceItem] = {}

    def get(self) -> Tuple[ServiceMatcher, Dict[str, ServiceItem]]:
        with self._lock:
            now = time.monotonic()
            if self._matcher is None or now - self._checked > self._ttl:
                fingerprint = self._fingerprint_of()
                if fingerprint != self._fingerprint or self._matcher is None:
                    items = self._load()
                    self._matcher = ServiceMatcher(items)
                    self._items = {item.name: item for item in items}
                    self._fingerprint = fingerprint
                    logger.info("service matcher rebuilt: %d items", len(items))
                self._checked = now
            return self._matcher, self._items
