"""The live registry of a process: plain snapshots rebuilt when the registry changes.

A snapshot holds immutable records (never ORM objects), so any thread may read it: the resolver's
item records, the answer views by item name and the districts. The registry fingerprint is
checked at most every ``ttl`` seconds, so an edit is live within it, with no restart. The Rasa
process uses the resolver; the action server answers from the views without a query per turn.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from bot.config import get_settings
from bot.db import session_scope
from bot.hours.halls import HallInfo
from bot.live import PerDatabase, Refreshing
from bot.registry.calibration import Calibration
from bot.registry.examples import ExampleModel
from bot.registry.examples import build as build_examples
from bot.registry.life_events import LifeEventView, life_event_views
from bot.registry.repository import RegistryRepository
from bot.registry.resolver import ItemRecord, Resolver, load_aspects, load_variants, records_from_items
from bot.registry.views import ItemView, views_by_name

logger = logging.getLogger(__name__)

# hand-kept places besides the districts: words that say where, never which matter
CITY_WORDS = ("江州", "江州市")
CALIBRATION_FILE = "resolver_calibration.json"
QUESTIONS_DIR = "questions"  # residents' labelled questions, under the registry directory


@dataclass(frozen=True)
class Snapshot:
    records: Tuple[ItemRecord, ...]
    districts: Tuple[str, ...]
    items: Dict[str, ItemView] = field(default_factory=dict)  # by canonical name
    halls: Tuple[HallInfo, ...] = ()  # every service centre: city level first, then the districts
    life_events: Dict[str, LifeEventView] = field(default_factory=dict)  # 一件事 by code


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
                        tuple(info for *_key, info in sorted(halls, key=lambda t: (t[0], t[1]))),
                        life_event_views(session))


def load_records() -> Tuple[List[ItemRecord], List[str]]:
    snapshot = load_snapshot()
    return list(snapshot.records), list(snapshot.districts)


def build_resolver(records: List[ItemRecord], districts: List[str], calibrated: bool = True,
                   examples: Optional[ExampleModel] = None) -> Resolver:
    """A resolver with the project's dictionary, places, kinds of handling, the model of residents'
    labelled questions (``examples``, default: fitted on ``data/registry/questions``) and calibration."""
    settings = get_settings()
    if examples is None:
        examples = build_examples(records, settings.registry_dir / QUESTIONS_DIR, _normalizer())
    return Resolver(records, [settings.jieba_dir / "domain_words.txt"], places=_places(districts),
                    variants=load_variants(settings.lexicon_dir / "variants.tsv"),
                    aspects=load_aspects(settings.lexicon_dir / "aspects.tsv"),
                    calibration=Calibration.load(settings.lexicon_dir / CALIBRATION_FILE) if calibrated else None,
                    examples=examples)


def _normalizer() -> Callable[[str], str]:
    """The NLU's normalisation (繁→简, full width, typo table), so questions are learnt as they are met."""
    from bot.registry.evaluation import nlu_normalizer

    return nlu_normalizer()


def _places(districts: List[str]) -> List[str]:
    short = [d[:-1] for d in districts if d.endswith("区") and len(d) > 2]
    return [*districts, *short, *CITY_WORDS, get_settings().city]


class LiveRegistry:
    """One per process over the database's registry: the snapshot, and the resolver built from it."""

    def __init__(self, ttl: float = 1.0, fingerprint: Callable[[], str] = _fingerprint,
                 load: Callable[[], Snapshot] = load_snapshot) -> None:
        self._snapshots: Refreshing[Snapshot] = Refreshing(fingerprint, load, ttl, name="registry snapshot")
        self._lock = threading.Lock()
        self._resolver: Optional[Tuple[Snapshot, Resolver]] = None

    def snapshot(self) -> Snapshot:
        return self._snapshots.get()

    def resolver(self) -> Resolver:
        """The resolver of the current snapshot (rebuilt on first use after the registry changed)."""
        snapshot = self.snapshot()
        with self._lock:
            if self._resolver is None or self._resolver[0] is not snapshot:
                self._resolver = (snapshot, build_resolver(list(snapshot.records), list(snapshot.districts)))
            return self._resolver[1]


# the live registry of the configured database (created on first use, never at import)
live_registry = PerDatabase(lambda url: LiveRegistry(fingerprint=lambda: _fingerprint(url),
                                                     load=lambda: load_snapshot(url)))


def warm_in_background() -> threading.Thread:
    """Build the live registry's resolver in a thread as a serving process starts, so the first
    resident's turn does not: jieba's dictionary, the indexes and the labelled questions' model take
    seconds on a busy machine, and Rasa runs the NLU on its event loop (a WeChat turn has 5 s)."""

    def warm() -> None:
        try:
            live_registry().resolver()
        except Exception as exc:  # the first turn builds it instead, and reports what is wrong
            logger.warning("the registry resolver was not prepared at start: %s", exc)

    thread = threading.Thread(target=warm, name="registry-warm-up", daemon=True)
    thread.start()
    return thread
