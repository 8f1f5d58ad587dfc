"""Printing the benchmark's tables (plain ASCII labels so the columns line up in any terminal)."""
from __future__ import annotations

import logging
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from tests.bench.load import ConcurrentResult, SequentialResult, percentile
from tests.bench.procs import ProcessReport

logger = logging.getLogger(__name__)

OURS, STOCK = "ours", "stock (rasa init)"


def _verdict(ratio: float, target: float, at_most: bool) -> str:
    if math.isnan(ratio):
        return "n/a"
    return "PASS" if (ratio <= target if at_most else ratio >= target) else "MISS"


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _fmt(value: Optional[float], spec: str = ".1f") -> str:
    return "-" if value is None or math.isnan(value) else format(value, spec)


def print_sequential(seq: Tuple[SequentialResult, SequentialResult], targets: Mapping[str, float]) -> None:
    ours, stock = seq
    o50, o95 = percentile(ours.times, 50), percentile(ours.times, 95)
    s50, s95 = percentile(stock.times, 50), percentile(stock.times, 95)
    r50, r95 = _ratio(o50, s50), _ratio(o95, s95)
    print("\n1) Sequential REST-webhook turn latency (one turn at a time)")
    print(f"   {'':22}{'turns':>7}{'p50 ms':>10}{'p95 ms':>10}{'no reply':>10}")
    print(f"   {OURS:22}{len(ours.times):>7}{o50:>10.1f}{o95:>10.1f}{ours.unanswered():>10}")
    print(f"   {STOCK:22}{len(stock.times):>7}{s50:>10.1f}{s95:>10.1f}{stock.unanswered():>10}")
    print(f"   {'ratio ours/stock':22}{'':>7}{r50:>9.2f}x{r95:>9.2f}x")
    print(f"   {'target':22}{'':>7}{'<= ' + format(targets['p50'], '.1f') + 'x':>10}"
          f"{'<= ' + format(targets['p95'], '.1f') + 'x':>10}")
    print(f"   {'result':22}{'':>7}{_verdict(r50, targets['p50'], True):>10}{_verdict(r95, targets['p95'], True):>10}")


def print_kinds(ours: SequentialResult, kinds: Sequence[str], concurrent_calls: Optional[float],
                by_action: Mapping[str, int], hop_ms: float) -> None:
    calls = ours.calls_per_turn()
    print("\n2) Ours by question kind (sequential); action-server calls counted by the proxy")
    print(f"   {'kind':22}{'turns':>7}{'p50 ms':>10}{'p95 ms':>10}{'calls/turn':>12}")
    for kind in (*kinds, "all"):
        times = [s.ms for s in ours.samples if kind in ("all", s.kind)]
        if times:
            print(f"   {kind:22}{len(times):>7}{percentile(times, 50):>10.1f}{percentile(times, 95):>10.1f}"
                  f"{_fmt(calls.get(kind), '.2f'):>12}")
    if concurrent_calls is not None:
        print(f"   calls/turn under concurrency (all kinds): {concurrent_calls:.2f}")
    histogram = _calls_histogram(ours)
    if histogram:
        print("   turns by action calls made: " + ", ".join(f"{n} call(s): {c}" for n, c in histogram))
    if by_action:
        top = sorted(by_action.items(), key=lambda item: -item[1])
        print("   calls by action (sequential + concurrent): " + ", ".join(f"{a} {n}" for a, n in top if n))
    mean_calls = calls.get("all", 0.0)
    print(f"   proxy hop: +{hop_ms:.1f} ms per call (median, fresh connection) x {mean_calls:.2f} calls/turn "
          f"= about {hop_ms * mean_calls:.1f} ms per turn, included in ours' times")


def _calls_histogram(ours: SequentialResult) -> List[Tuple[int, int]]:
    hist: Dict[int, int] = {}
    for sample in ours.samples:
        if sample.action_calls is not None:
            hist[sample.action_calls] = hist.get(sample.action_calls, 0) + 1
    return sorted(hist.items())


def print_concurrent(conc: Tuple[ConcurrentResult, ConcurrentResult], targets: Mapping[str, float]) -> None:
    ours, stock = conc
    print(f"\n3) Concurrent: {ours.workers} conversations at once, {ours.seconds:.0f} s per bot in {ours.slices} "
          f"windows alternating with the other bot; turns finished inside the windows")
    print(f"   {'':22}{'turns':>7}{'turns/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}{'no reply':>10}")
    for label, result in ((OURS, ours), (STOCK, stock)):
        print(f"   {label:22}{len(result.times):>7}{result.throughput:>10.1f}{percentile(result.times, 50):>10.1f}"
              f"{percentile(result.times, 95):>10.1f}{result.errors:>8}{result.unanswered:>10}")
    r_tp = _ratio(ours.throughput, stock.throughput)
    r95 = _ratio(percentile(ours.times, 95), percentile(stock.times, 95))
    print(f"   {'ratio ours/stock':22}{'':>7}{r_tp:>9.2f}x{'':>10}{r95:>9.2f}x")
    print(f"   {'target':22}{'':>7}{'>= ' + format(targets['throughput'], '.1f') + 'x':>10}")
    print(f"   {'result':22}{'':>7}{_verdict(r_tp, targets['throughput'], False):>10}")


def print_processes(reports: Sequence[ProcessReport]) -> None:
    print("\n4) Processes: start -> ready, resident memory (RSS incl. child processes)")
    print(f"   {'process':22}{'ready when':>16}{'ready s':>9}{'RSS MiB ready':>15}{'RSS MiB end':>13}")
    for r in reports:
        when = "/status+model" if "/status" in r.ready_url else "/" + r.ready_url.split("/", 3)[3].split("?")[0]
        print(f"   {r.label:22}{when:>16}{_fmt(r.ready_s, '.2f'):>9}{_fmt(r.rss_loaded):>15}{_fmt(r.rss_end):>13}")


def print_report(settings: Mapping[str, object], kinds: Sequence[str],
                 seq: Tuple[SequentialResult, SequentialResult], conc: Tuple[ConcurrentResult, ConcurrentResult],
                 concurrent_calls: Optional[float], by_action: Mapping[str, int], hop_ms: float,
                 reports: Sequence[ProcessReport]) -> None:
    targets = settings["targets"]
    assert isinstance(targets, dict)
    print(f"\n=== Benchmark: ours vs rasa init, same machine, same run ({settings['cpus']} CPUs) ===")
    print(f"ROUNDS={settings['rounds']} (+{settings['warmup']} warm-up), CONCURRENCY={settings['concurrency']}, "
          f"CONCURRENT_SECONDS={settings['seconds']:.0f} in {settings['slices']} slices; "
          "client, servers and proxy share the machine.")
    print("Both bots stay up; sequential turns and concurrent windows alternate between them.")
    print("Absolute times vary with the machine; read the ratios. Targets are reported, never enforced.")
    print_sequential(seq, targets)
    print_kinds(seq[0], kinds, concurrent_calls, by_action, hop_ms)
    print_concurrent(conc, targets)
    print_processes(reports)
