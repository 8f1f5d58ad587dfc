"""The live registry of a process: plain snapshots rebuilt when the registry changes.

A snapshot holds immutable records (never ORM objects), so any thread may read it: the resolver's
item records, the answer views by item name and the districts. The registry fingerprint is
checked at most every ``ttl`` seconds, so an edit is live within it, with no restart. The Rasa
process uses the resolver; the action server answers from the views without a query per turn.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from bot.config import get_settings
from bot.db import session_scope
from bot.hours.halls import HallInfo
from bot.registry.calibration import Calibration
from bot.registry.repository import RegistryRepository
from bot.registry.resolver import ItemRecord, Resolver, load_variants, records_from_items
from bot.registry.views import ItemView, views_by_name

logger = logging.getLogger(__name__)

# hand-kept places besides the districts: words that say where, never which matter
CITY_WORDS = ("江州", "江州市")
CALIBRATION_FILE = "resolver_calibration.json"


@dataclass(frozen=True)
class Snapshot:
    records: Tuple[ItemRecord, ...]
    districts: Tuple[str, ...]
    items: Dict[str, ItemView] = field(default_factory=dict)  # by canonical name
    halls: Tuple[HallInfo, ...] = ()  # every service centre: city level first, then the districts


def _fingerprint(url: Optional[str] = None) -> str:
    with session_scope(url) as session:
        return RegistryRepository(session).fingerprint()


def load_snapshot(url: Optional[str] = None) -> Snapshot:
    with session_scope(url) as session:
        repo = RegistryRepository(session)
        items = repo.items()
        halls = [(loc.district is not None, loc.id, HallInfo(
            code=loc.code, name=loc.name, district=loc.district, address=loc.address or "", phone=loc.phone or "",
            hours=dict(loc.hours or {}), hours_note=loc.hours_note or "", source=loc.source or "",
            updated=loc.updated)) for loc in repo.locations()]
        return Snapshot(tuple(records_from_items(items)), tuple(repo.districts()), views_by_name(items),
                        tuple(info for *_key, info in sorted(halls, key=lambda t: (t[0], t[1]))))


def load_records() -> Tuple[List[ItemRecord], List[str]]:
    snapshot = load_snapshot()
    return list(snapshot.records), list(snapshot.districts)


def build_resolver(records: List[ItemRecord], districts: List[str], calibrated: bool = True) -> Resolver:
    """A resolver with the project's dictionary, places, kinds of handling and calibration."""
    settings = get_settings()
    return Resolver(records, [settings.jieba_dir / "domain_words.txt"], places=_places(districts),
                    variants=load_variants(settings.lexicon_dir / "variants.tsv"),
                    calibration=Calibration.load(settings.lexicon_dir / CALIBRATION_FILE) if calibrated else None)


def _places(districts: List[str]) -> List[str]:
    short = [d[:-1] for d in districts if d.endswith("区") and len(d) > 2]
    return [*districts, *short, *CITY_WORDS, get_settings().city]


class LiveRegistry:
    """One per process over the database's registry."""

    def __init__(self, ttl: float = 1.0, fingerprint: Callable[[], str] = _fingerprint,
                 load: Callable[[], Snapshot] = load_snapshot) -> None:
        self._ttl = ttl
        self._fingerprint_of = fingerprint
        self._load = load
        self._lock = threading.Lock()
        self._checked = 0.0
        self._fingerprint: Optional[str] = None
        self._snapshot: Optional[Snapshot] = None
        self._resolver: Optional[Resolver] = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked > self._ttl:
                fingerprint = self._fingerprint_of()
                if fingerprint != self._fingerprint or self._snapshot is None:
                    self._snapshot = self._load()
                    self._resolver = None  # rebuilt from the new records on first use
                    self._fingerprint = fingerprint
                    logger.info("registry snapshot loaded: %d items", len(self._snapshot.records))
                self._checked = now
            return self._snapshot

    def resolver(self) -> Resolver:
        snapshot = self.snapshot()
        with self._lock:
            if self._resolver is None or self._snapshot is not snapshot:
                self._resolver = build_resolver(list(snapshot.records), list(snapshot.districts))
            return self._resolver


_LIVE: Dict[str, LiveRegistry] = {}
_LIVE_LOCK = threading.Lock()


def live_registry() -> LiveRegistry:
    """The live registry of the configured database (created on first use, never at import)."""
    url = get_settings().database_url
    with _LIVE_LOCK:
        if url not in _LIVE:
            _LIVE[url] = LiveRegistry(fingerprint=lambda: _fingerprint(url), load=lambda: load_snapshot(url))
        return _LIVE[url]
