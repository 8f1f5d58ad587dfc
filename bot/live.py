"""A value kept per process and rebuilt when its source changes: the registry's snapshot, the FAQ index.

The source's fingerprint (a cheap query) is checked at most every ``ttl`` seconds, so an edit is
live within that time with no restart, and the expensive load runs only when the fingerprint
changed. Infrastructure: this module imports no feature.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Dict, Generic, Optional, TypeVar

from bot.config import get_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Refreshing(Generic[T]):
    """``get()`` returns the loaded value, reloaded when ``fingerprint()`` says the source changed."""

    def __init__(self, fingerprint: Callable[[], str], load: Callable[[], T], ttl: float = 1.0,
                 name: str = "value") -> None:
        self._fingerprint_of = fingerprint
        self._load = load
        self._ttl = ttl
        self._name = name
        self._lock = threading.Lock()
        self._checked = 0.0
        self._fingerprint: Optional[str] = None
        self._value: Optional[T] = None

    def get(self) -> T:
        with self._lock:
            now = time.monotonic()
            if self._value is None or now - self._checked > self._ttl:
                fingerprint = self._fingerprint_of()
                if fingerprint != self._fingerprint or self._value is None:
                    started = time.perf_counter()
                    self._value = self._load()
                    self._fingerprint = fingerprint
                    logger.info("%s loaded in %.2fs", self._name, time.perf_counter() - started)
                self._checked = now
            return self._value


class PerDatabase(Generic[T]):
    """One holder per DATABASE_URL (tests and tools switch databases within a process)."""

    def __init__(self, make: Callable[[str], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._holders: Dict[str, T] = {}

    def __call__(self) -> T:
        url = get_settings().database_url
        with self._lock:
            if url not in self._holders:
                self._holders[url] = self._make(url)
            return self._holders[url]
