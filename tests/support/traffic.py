"""A steady stream of REST conversations against a running assistant, counted request by request.

Used by the model-switch tests (tests/models/) and ``make bench-swap`` (tests/bench/swap.py): while it
runs, something happens to the server (a model is activated, ``PUT /model`` is called); afterwards
every request is accounted for — sent, answered, failed (connection error, timeout, non-200) — with
its latency, so "0 failed" is a count and not an impression.

Each worker plays residents one after another: a new sender id per conversation (Rasa's rate limit
is per sender), a few turns each, one request every ``interval`` seconds (paced, not as fast as
possible: a stalled server then shows as latency and time-outs instead of as fewer requests).
"""
from __future__ import annotations

import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import requests

CONVERSATION = ("你好", "居住证怎么办", "要带什么材料", "多久能办好", "谢谢")


@dataclass(frozen=True)
class Sample:
    started: float  # time.monotonic() when the request was sent
    seconds: float
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class Figures:
    """Requests sent, failed, and latency percentiles (milliseconds) of one window of samples."""

    sent: int
    failed: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: Tuple[str, ...] = ()

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Figures:
        if not samples:
            return cls(0, 0, 0.0, 0.0, 0.0)
        latencies = sorted(s.seconds * 1000 for s in samples)
        p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
        failed = [s for s in samples if not s.ok]
        return cls(len(samples), len(failed), statistics.median(latencies), p95, latencies[-1],
                   tuple(sorted({s.error for s in failed}))[:5])

    def row(self, title: str) -> str:
        return (f"{title:<34} {self.sent:>6} {self.failed:>6} {self.p50_ms:>9.0f} {self.p95_ms:>9.0f} "
                f"{self.max_ms:>9.0f}")


HEADER = f"{'':<34} {'sent':>6} {'failed':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}"


@dataclass
class Traffic:
    """``with Traffic(url) as traffic: …`` then ``traffic.figures()`` (or of a time window)."""

    rasa_url: str
    workers: int = 4
    interval: float = 0.5
    timeout: float = 30.0
    keep_alive: bool = False  # one HTTP connection per worker (requests.Session) instead of one per request
    turns: Sequence[str] = CONVERSATION
    samples: List[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: List[threading.Thread] = []

    def __enter__(self) -> Traffic:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, args=(n,), name=f"traffic-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        self._threads.clear()

    def _work(self, n: int) -> None:
        url = f"{self.rasa_url.rstrip('/')}/webhooks/rest/webhook"
        session: Optional[requests.Session] = requests.Session() if self.keep_alive else None
        # workers start spread over one interval, so requests arrive evenly
        self._stop.wait(self.interval * n / max(1, self.workers))
        turn = 0
        sender = ""
        while not self._stop.is_set():
            if turn % len(self.turns) == 0:
                sender = f"traffic-{n}-{uuid.uuid4().hex[:8]}"
            text = self.turns[turn % len(self.turns)]
            turn += 1
            started = time.monotonic()
            ok, error = self._send(session, url, sender, text)
            elapsed = time.monotonic() - started
            with self._lock:
                self.samples.append(Sample(started, elapsed, ok, error))
            self._stop.wait(max(0.0, self.interval - elapsed))
        if session is not None:
            session.close()

    def _send(self, session: Optional[requests.Session], url: str, sender: str, text: str) -> Tuple[bool, str]:
        try:
            post = session.post if session is not None else requests.post
            response = post(url, json={"sender": sender, "message": text}, timeout=self.timeout)
        except requests.RequestException as exc:
            return False, type(exc).__name__
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}"
        try:
            replies = response.json()
        except ValueError:
            return False, "not JSON"
        if not isinstance(replies, list) or not replies:
            return False, "no reply"
        return True, ""

    def figures(self, start: float = 0.0, end: float = float("inf")) -> Figures:
        """The samples sent between ``start`` and ``end`` (time.monotonic())."""
        with self._lock:
            window = [s for s in self.samples if start <= s.started < end]
        return Figures.of(window)

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Until at least ``count`` requests were answered or failed."""
        deadline = time.monotonic() + timeout
        while len(self.samples) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.samples)} of {count} requests in {timeout:.0f} s")
            time.sleep(0.1)
