"""Workload drivers: sequential conversations (with per-turn action-call counts) and concurrent ones."""
from __future__ import annotations

import logging
import statistics
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import requests

logger = logging.getLogger(__name__)

Turn = Tuple[str, str]  # (question kind, text)
Conversation = Sequence[Turn]
TIMEOUT_S = 60.0


@dataclass
class Sample:
    kind: str
    ms: float
    action_calls: Optional[int] = None
    replied: bool = True


@dataclass
class SequentialResult:
    samples: List[Sample] = field(default_factory=list)

    @property
    def times(self) -> List[float]:
        return [s.ms for s in self.samples]

    def calls_per_turn(self) -> Dict[str, float]:
        """Mean action-server calls per turn, overall (key ``all``) and per question kind."""
        by_kind: Dict[str, List[int]] = defaultdict(list)
        for sample in self.samples:
            if sample.action_calls is not None:
                by_kind[sample.kind].append(sample.action_calls)
                by_kind["all"].append(sample.action_calls)
        return {kind: statistics.mean(calls) for kind, calls in by_kind.items()}

    def unanswered(self) -> int:
        return sum(not s.replied for s in self.samples)


@dataclass
class ConcurrentResult:
    """Turns completed inside the measuring window(s); ``completed`` also counts the drain after it."""

    workers: int
    seconds: float = 0.0
    times: List[float] = field(default_factory=list)
    completed: int = 0
    errors: int = 0
    unanswered: int = 0
    slices: int = 0

    @property
    def throughput(self) -> float:
        return len(self.times) / self.seconds if self.seconds else 0.0

    def add(self, other: ConcurrentResult) -> None:
        self.seconds += other.seconds
        self.times.extend(other.times)
        self.completed += other.completed
        self.errors += other.errors
        self.unanswered += other.unanswered
        self.slices += 1


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); the median for q=50."""
    if not values:
        return float("nan")
    if q == 50:
        return float(statistics.median(values))
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _post(session: requests.Session, url: str, sender: str, text: str) -> Tuple[float, bool]:
    start = time.perf_counter()
    resp = session.post(url, json={"sender": sender, "message": text}, timeout=TIMEOUT_S)
    elapsed = (time.perf_counter() - start) * 1000
    resp.raise_for_status()
    return elapsed, bool(resp.json())


def run_sequential(rasa_url: str, conversations: Sequence[Conversation], rounds: int,
                   count_calls: Optional[Callable[[], int]] = None) -> SequentialResult:
    """Each conversation under a fresh sender id, one turn at a time, ``rounds`` times over.

    With ``count_calls`` (the proxy's call counter) each turn also records how many action-server
    calls Rasa made for it; turns are sequential, so every call between two reads belongs to it.
    """
    url = f"{rasa_url}/webhooks/rest/webhook"
    result = SequentialResult()
    with requests.Session() as session:
        for _ in range(rounds):
            for turns in conversations:
                sender = uuid.uuid4().hex
                for kind, text in turns:
                    before = count_calls() if count_calls else 0
                    ms, replied = _post(session, url, sender, text)
                    calls = count_calls() - before if count_calls else None
                    result.samples.append(Sample(kind, ms, calls, replied))
    return result


def run_concurrent(rasa_url: str, conversations: Sequence[Conversation], workers: int, seconds: float,
                   stop: threading.Event) -> ConcurrentResult:
    """``workers`` simultaneous conversations, each cycling through the list for ``seconds``.

    Worker ``i`` starts at conversation ``i`` so the mix is spread. Throughput and latencies count
    only turns that finished inside the window; turns still in flight at its end are waited for
    (counted in ``completed``) but not counted, so the drain does not dilute the rate.
    """
    url = f"{rasa_url}/webhooks/rest/webhook"
    lock = threading.Lock()
    times: List[float] = []
    failures = {"errors": 0, "unanswered": 0, "completed": 0}
    start = time.monotonic()
    deadline = start + seconds

    def worker(index: int) -> None:
        local: List[float] = []
        errors = unanswered = completed = 0
        with requests.Session() as session:
            n = index
            while not stop.is_set() and time.monotonic() < deadline:
                sender = uuid.uuid4().hex
                for _kind, text in conversations[n % len(conversations)]:
                    if stop.is_set() or time.monotonic() >= deadline:
                        break
                    try:
                        ms, replied = _post(session, url, sender, text)
                    except requests.RequestException as exc:
                        logger.warning("concurrent turn failed: %s", exc)
                        errors += 1
                        continue
                    completed += 1
                    if time.monotonic() <= deadline:
                        local.append(ms)
                        unanswered += not replied
                n += 1
        with lock:
            times.extend(local)
            failures["errors"] += errors
            failures["unanswered"] += unanswered
            failures["completed"] += completed

    threads = [threading.Thread(target=worker, args=(i,), name=f"conv-{i}", daemon=True) for i in range(workers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():  # join with a timeout so Ctrl-C reaches the main thread
                thread.join(0.5)
    except BaseException:
        stop.set()  # workers stop before the servers they talk to are shut down
        raise
    return ConcurrentResult(workers, seconds, times, failures["completed"], failures["errors"],
                            failures["unanswered"], 1)
