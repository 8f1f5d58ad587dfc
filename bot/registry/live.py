"""The resolver over the live registry: rebuilt when the registry changes, no restart needed.

The index holds plain immutable records (never ORM objects), so any thread may read it. The
registry fingerprint is checked at most every ``ttl`` seconds, so an edit is live within it.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, List, Optional, Tuple

from bot.config import get_settings
from bot.db import session_scope
from bot.registry.calibration import Calibration
from bot.registry.repository import RegistryRepository
from bot.registry.resolver import ItemRecord, Resolver, load_variants, records_from_items

logger = logging.getLogger(__name__)

# hand-kept places besides the districts: words that say where, never which matter
CITY_WORDS = ("江州", "江州市")
CALIBRATION_FILE = "resolver_calibration.json"


def _fingerprint() -> str:
    with session_scope() as session:
        return RegistryRepository(session).fingerprint()


def load_records() -> Tuple[List[ItemRecord], List[str]]:
    with session_scope() as session:
        repo = RegistryRepository(session)
        return records_from_items(repo.items()), repo.districts()


def build_resolver(records: List[ItemRecord], districts: List[str], calibrated: bool = True) -> Resolver:
    """A resolver with the project's dictionary, places, kinds of handling and calibration."""
    settings = get_settings()
    return Resolver(records, [settings.jieba_dir / "domain_words.txt"], places=_places(districts),
                    variants=load_variants(settings.lexicon_dir / "variants.tsv"),
                    calibration=Calibration.load(settings.lexicon_dir / CALIBRATION_FILE) if calibrated else None)


def _places(districts: List[str]) -> List[str]:
    short = [d[:-1] for d in districts if d.endswith("区") and len(d) > 2]
    return [*districts, *short, *CITY_WORDS, get_settings().city]


class LiveResolver:
    """One resolver per process over the database's registry."""

    def __init__(self, ttl: float = 1.0,
                 fingerprint: Callable[[], str] = _fingerprint,
                 load: Callable[[], Tuple[List[ItemRecord], List[str]]] = load_records) -> None:
        self._ttl = ttl
        self._fingerprint_of = fingerprint
        self._load = load
        self._lock = threading.Lock()
        self._checked = 0.0
        self._fingerprint: Optional[str] = None
        self._resolver: Optional[Resolver] = None
        self.districts: List[str] = []

    def get(self) -> Resolver:
        with self._lock:
            now = time.monotonic()
            if self._resolver is None or now - self._checked > self._ttl:
                fingerprint = self._fingerprint_of()
                if fingerprint != self._fingerprint or self._resolver is None:
                    records, districts = self._load()
                    self._resolver = build_resolver(records, districts)
                    self.districts = districts
                    self._fingerprint = fingerprint
                    logger.info("resolver rebuilt: %d items", len(records))
                self._checked = now
            return self._resolver


_LIVE: Optional[LiveResolver] = None
_LIVE_LOCK = threading.Lock()


def live_resolver() -> LiveResolver:
    """The process's live resolver (created on first use, never at import)."""
    global _LIVE
    with _LIVE_LOCK:
        if _LIVE is None:
            _LIVE = LiveResolver()
        return _LIVE
