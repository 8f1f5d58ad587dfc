"""``make bench-load``'s figures: locust's CSV statistics of one run read into rows, and the printed table
(per profile, level and step; then the ratios of the scaled profile to one replica per level)."""
from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from tabulate import tabulate

from tests.bench.load_conversations import STEP_ORDER

logger = logging.getLogger(__name__)

TOTAL = "全部"


@dataclass
class Row:
    step: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


@dataclass
class Level:
    """One locust run: a profile at a number of concurrent residents."""

    profile: str
    users: int
    steps: List[Row] = field(default_factory=list)
    total: Optional[Row] = None
    errors: List[Tuple[str, int]] = field(default_factory=list)  # (step: error, occurrences), most first
    load: Tuple[float, float] = (math.nan, math.nan)  # the machine's 1-minute load average at start and end


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" for a step with no request
        return math.nan


def read_level(prefix: Path, profile: str, users: int) -> Level:
    """``<prefix>_stats.csv`` and ``<prefix>_failures.csv`` as locust's ``--csv`` writes them."""
    level = Level(profile, users)
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as fh:
        for record in csv.DictReader(fh):
            row = Row(record["Name"], int(record["Request Count"]), int(record["Failure Count"]),
                      _number(record["50%"]), _number(record["95%"]), _number(record["99%"]),
                      _number(record["Requests/s"]))
            if record["Name"] == "Aggregated":
                row.step = TOTAL
                level.total = row
            else:
                level.steps.append(row)
    order = {name: n for n, name in enumerate(STEP_ORDER)}
    level.steps.sort(key=lambda r: order.get(r.step, len(order)))
    with open(f"{prefix}_failures.csv", encoding="utf-8", newline="") as fh:
        errors = [(f"{r['Name']}: {r['Error']}", int(r["Occurrences"])) for r in csv.DictReader(fh)]
    level.errors = sorted(errors, key=lambda e: -e[1])
    if level.total is None:
        raise ValueError(f"{prefix}_stats.csv has no Aggregated row")
    return level


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f}"


def _ratio(a: float, b: float) -> str:
    return "—" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}×"


def table(levels: Sequence[Level]) -> List[str]:
    """The per-step table, one line each; the level's total last in its group (tabulate, which counts a
    Chinese character as two terminal columns)."""
    rows = []
    for level in levels:
        for n, row in enumerate([*level.steps, *([level.total] if level.total else [])]):
            rows.append([level.profile if n == 0 else "", level.users if n == 0 else "", row.step, row.requests,
                         row.failures, _ms(row.p50), _ms(row.p95), _ms(row.p99), f"{row.rps:.1f}"])
    text = tabulate(rows, headers=["profile", "users", "step", "requests", "failures", "p50 ms", "p95 ms", "p99 ms",
                                   "req/s"], colalign=("left", "right", "left", *["right"] * 6), disable_numparse=True)
    return str(text).splitlines()


def ratios(levels: Sequence[Level], scaled_title: str, one_title: str) -> List[str]:
    """Per level: the scaled profile's throughput and p95 over one replica's."""
    by: Dict[Tuple[str, int], Row] = {(lv.profile, lv.users): lv.total for lv in levels if lv.total}
    lines = []
    for users in sorted({lv.users for lv in levels}):
        scaled, one = by.get((scaled_title, users)), by.get((one_title, users))
        if scaled and one:
            lines.append(f"  {users:>4} 位居民：吞吐量 {scaled.rps:.1f} ÷ {one.rps:.1f} req/s = "
                         f"{_ratio(scaled.rps, one.rps)}，p95 {_ms(scaled.p95)} ÷ {_ms(one.p95)} ms = "
                         f"{_ratio(scaled.p95, one.p95)}")
    return lines


def print_report(levels: Sequence[Level], seconds: float, think: str, scaled_title: str, one_title: str) -> None:
    print(f"\n每级先 10 秒逐步加人（不计），再测 {seconds:.0f} 秒；每位居民读完回复后隔 {think} 秒再发下一句；"
          "失败 = 出错、超时，或回复里没有表明听懂的内容\n")
    for line in table(levels):
        print(line)
    print("\n机器的 1 分钟平均负载（运行开始 → 结束；负载生成器和其他进程也在同一台机器上）：")
    for level in levels:
        print(f"  {level.profile}，{level.users} 位居民：{level.load[0]:.1f} → {level.load[1]:.1f}")
    lines = ratios(levels, scaled_title, one_title)
    if lines:
        print(f"\n{scaled_title} ÷ {one_title}：")
        for line in lines:
            print(line)
    for level in levels:
        if level.errors:
            print(f"\n{level.profile}，{level.users} 位居民的失败：")
            for error, count in level.errors[:5]:
                print(f"  {count:>5} × {error}")
