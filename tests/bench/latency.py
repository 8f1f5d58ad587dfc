"""``make bench``: our assistant beside Rasa's stock ``rasa init`` bot, same machine, same run.

Absolute milliseconds depend on the machine and its load, so the ratios (ours/stock) are what to
read. Both bots are started one after the other (so their load times are not contended), then kept
up while their turns are interleaved, so a change in the machine's background load hits both alike:

* sequential REST-webhook turn latency, p50/p95 and ratios, against the targets below;
* concurrent conversations (one bot at a time, alternating windows): throughput (turns/s), p95,
  and the throughput ratio;
* action-server calls per turn, counted by a reverse proxy between our Rasa and our action server;
* time from process start to ready (Rasa: ``/status`` reports a loaded model) and resident memory.

The benchmark reports PASS/MISS beside each target; it never fails the build.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Dict, NoReturn, Optional, Sequence

from bot.config import PROJECT_ROOT
from tests.bench.bots import Bot, our_bot, stock_bot
from tests.bench.load import ConcurrentResult, Conversation, SequentialResult, run_concurrent, run_sequential
from tests.bench.procs import rss_mib
from tests.bench.report import print_report

logger = logging.getLogger(__name__)

WORKDIR = PROJECT_ROOT / "var" / "bench"
ROUNDS = 5                  # sequential passes over each bot's conversation list
WARMUP_ROUNDS = 1           # unmeasured passes first (lazy imports, caches, first TensorFlow calls)
CONCURRENCY = 20            # simultaneous conversations
CONCURRENT_SECONDS = 20.0   # concurrent measuring time per bot ...
CONCURRENT_SLICES = 2       # ... split into this many windows, bots alternating (ABBA)
LOAD_TIMEOUT_S = 300.0
TARGETS = {"p50": 1.5, "p95": 2.0, "throughput": 0.8}  # ours/stock: ≤, ≤, ≥

REG, FOLLOW, OPEN, TALK = "registry", "follow-up", "open-data", "small talk"
KINDS = (REG, FOLLOW, OPEN, TALK)
OUR_TURNS: Sequence[Conversation] = (
    ((TALK, "你好"), (REG, "办居住证要带啥"), (FOLLOW, "我在这边上班"), (FOLLOW, "那要多久？"), (FOLLOW, "要钱吗")),
    ((REG, "护照去哪办"), (FOLLOW, "南港区"), (FOLLOW, "要钱吗")),
    ((REG, "驾照快到期了咋换"), (FOLLOW, "去哪办"), (FOLLOW, "那要多久？")),
    ((REG, "公积金能取出来付房租吗"), (FOLLOW, "要钱吗"), (TALK, "谢谢")),
    ((REG, "社保卡丢了怎么补"), (FOLLOW, "去哪办"), (FOLLOW, "南港区")),
    ((REG, "残疾证怎么办"), (FOLLOW, "那要多久？"), (FOLLOW, "要钱吗")),
    ((OPEN, "东湖区政务服务中心几点关门"), (OPEN, "南港区有哪些三甲医院"), (OPEN, "最近的社保服务点在哪")),
    ((TALK, "你能干啥"), (REG, "娃刚生下来咋上户口"), (TALK, "再见")),
)
# Rasa's starter bot, its list unchanged so the baseline stays comparable between runs.
STOCK_TURNS: Sequence[Conversation] = tuple(tuple(("stock", t) for t in turns) for turns in (
    ("hello", "I am sad", "yes", "great"),
    ("hi", "are you a bot?", "no", "bye"),
    ("good morning", "very good", "thanks", "goodbye"),
    ("hey", "I am unhappy", "no", "see you"),
    ("hello there", "amazing", "are you a human?", "bye bye"),
))


@dataclass
class BotRun:
    """Everything measured for one bot."""

    sequential: SequentialResult = field(default_factory=SequentialResult)
    concurrent: ConcurrentResult = field(default_factory=lambda: ConcurrentResult(CONCURRENCY))
    concurrent_calls: Optional[int] = None  # action-server calls in the concurrent windows (proxy only)
    calls_by_action: Dict[str, int] = field(default_factory=dict)  # measured phases only

    @property
    def concurrent_calls_per_turn(self) -> Optional[float]:
        if self.concurrent_calls is None:
            return None
        return self.concurrent_calls / max(1, self.concurrent.completed)


def measure(bots: Sequence[Bot], stop: threading.Event) -> Dict[str, BotRun]:
    """Both bots stay up; their turns are interleaved so background load hits both alike.

    Sequential: conversation ``i`` of each bot in turn, round after round (who goes first
    alternates). Concurrent: CONCURRENT_SLICES windows per bot in ABBA order.
    """
    runs = {bot.label: BotRun() for bot in bots}
    for bot in bots:
        run_sequential(bot.rasa_url, bot.conversations, WARMUP_ROUNDS)
    start_counts = {bot.label: bot.proxy.counts() for bot in bots if bot.proxy}
    for rnd in range(ROUNDS):
        for i in range(max(len(bot.conversations) for bot in bots)):
            for bot in bots if (rnd + i) % 2 == 0 else bots[::-1]:
                if i < len(bot.conversations):
                    result = run_sequential(bot.rasa_url, bot.conversations[i:i + 1], 1,
                                            bot.proxy.total if bot.proxy else None)
                    runs[bot.label].sequential.samples.extend(result.samples)
    slice_seconds = CONCURRENT_SECONDS / CONCURRENT_SLICES
    for index in range(CONCURRENT_SLICES):
        for bot in bots if index % 2 == 0 else bots[::-1]:
            before = bot.proxy.total() if bot.proxy else 0
            result = run_concurrent(bot.rasa_url, bot.conversations, CONCURRENCY, slice_seconds, stop)
            runs[bot.label].concurrent.add(result)
            if bot.proxy:
                run = runs[bot.label]
                run.concurrent_calls = (run.concurrent_calls or 0) + bot.proxy.total() - before
    for bot in bots:
        if bot.proxy:
            end, begin = bot.proxy.counts(), start_counts[bot.label]
            runs[bot.label].calls_by_action = {k: v - begin.get(k, 0) for k, v in end.items() if k != "__total__"}
    return runs


def _terminate(signum: int, _frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C and SIGTERM stop everything, even when the shell that started us ignored SIGINT
    # (as background jobs of non-interactive shells do)
    signal.signal(signal.SIGINT, _terminate)
    signal.signal(signal.SIGTERM, _terminate)
    stop = threading.Event()
    try:
        with ExitStack() as running:
            print("训练/加载 rasa init 基线机器人……", flush=True)
            stock = running.enter_context(stock_bot(WORKDIR / "rasa-init", STOCK_TURNS, LOAD_TIMEOUT_S))
            print("启动本项目助手（动作服务器前加计数代理）……", flush=True)
            ours = running.enter_context(our_bot(WORKDIR / "logs", OUR_TURNS, LOAD_TIMEOUT_S))
            print("测量中（两个机器人交替进行）……", flush=True)
            runs = measure([ours, stock], stop)
            for report in ours.processes + stock.processes:
                report.rss_end = rss_mib(report.pid) if report.pid else None
            assert ours.proxy is not None
            hop_ms = ours.proxy.hop_overhead_ms()
    except KeyboardInterrupt:
        stop.set()
        print("\n已中断；启动的进程均已停止。", file=sys.stderr)
        return 130
    settings: Dict[str, object] = {"rounds": ROUNDS, "warmup": WARMUP_ROUNDS, "concurrency": CONCURRENCY,
                                   "seconds": CONCURRENT_SECONDS, "slices": CONCURRENT_SLICES,
                                   "cpus": os.cpu_count(), "targets": TARGETS}
    our_run, stock_run = runs["ours"], runs["stock"]
    print_report(settings, KINDS, (our_run.sequential, stock_run.sequential),
                 (our_run.concurrent, stock_run.concurrent), our_run.concurrent_calls_per_turn,
                 our_run.calls_by_action, hop_ms, ours.processes + stock.processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
