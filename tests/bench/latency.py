"""``make bench``: turn latency through the REST webhook, ours beside Rasa's stock ``rasa init`` bot.

Both servers run on this machine in the same run, so the ratio is what to read: absolute
milliseconds vary with the machine's load.
"""
from __future__ import annotations

import logging
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import List, Sequence, Tuple

import requests

from bot.config import PROJECT_ROOT
from bot.runner import Ports, Stack, wait_http
from tests.support.stack import free_port

logger = logging.getLogger(__name__)

RASA = str(Path(sys.executable).parent / "rasa")
ROUNDS = 5
OUR_TURNS: Sequence[Sequence[str]] = (
    ("你好", "办居住证要带啥", "我在这边上班", "那要多久？", "要钱吗"),
    ("护照去哪办", "南港区", "能网上办吗"),
    ("驾照快到期了咋换", "去哪办", "滨江区"),
    ("公积金能取出来付房租吗", "租房提取", "多久到账"),
    ("娃刚生下来咋上户口", "你能干啥", "谢谢"),
)
STOCK_TURNS: Sequence[Sequence[str]] = (
    ("hello", "I am sad", "yes", "great"),
    ("hi", "are you a bot?", "no", "bye"),
    ("good morning", "very good", "thanks", "goodbye"),
    ("hey", "I am unhappy", "no", "see you"),
    ("hello there", "amazing", "are you a human?", "bye bye"),
)


def measure(rasa_url: str, conversations: Sequence[Sequence[str]]) -> List[float]:
    url = f"{rasa_url}/webhooks/rest/webhook"
    times: List[float] = []
    for _ in range(ROUNDS):
        for turns in conversations:
            sender = uuid.uuid4().hex
            for text in turns:
                start = time.perf_counter()
                resp = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
                resp.raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
    return times


def percentiles(times: List[float]) -> Tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def stock_bot(workdir: Path) -> Path:
    """Rasa's own starter bot, trained once and kept in var/bench."""
    model = workdir / "models" / "stock.tar.gz"
    if not model.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(workdir)], check=True,
                       capture_output=True)
        subprocess.run([RASA, "train", "--fixed-model-name", "stock", "--out", "models"], cwd=workdir, check=True,
                       capture_output=True)
    return model


def run_stock(workdir: Path, model: Path) -> List[float]:
    rasa_port, action_port = free_port(), free_port()
    (workdir / "endpoints.bench.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    logs = open(workdir / "bench.log", "ab")  # noqa: SIM115
    procs = [
        subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
                         cwd=workdir, stdout=logs, stderr=subprocess.STDOUT),
        subprocess.Popen([RASA, "run", "--model", str(model), "--port", str(rasa_port),
                          "--endpoints", "endpoints.bench.yml"], cwd=workdir, stdout=logs, stderr=subprocess.STDOUT),
    ]
    try:
        wait_http(f"http://127.0.0.1:{rasa_port}/", 300, procs)
        measure(f"http://127.0.0.1:{rasa_port}", STOCK_TURNS[:1])  # warm-up
        return measure(f"http://127.0.0.1:{rasa_port}", STOCK_TURNS)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    workdir = PROJECT_ROOT / "var" / "bench" / "rasa-init"
    print("训练/加载 rasa init 基线机器人……", flush=True)
    stock = run_stock(workdir, stock_bot(workdir))
    print("启动本项目助手……", flush=True)
    stack = Stack(ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()), with_web=False,
                  log_dir=PROJECT_ROOT / "var" / "bench" / "logs")
    stack.start()
    try:
        measure(stack.rasa_url, OUR_TURNS[:1])  # warm-up
        ours = measure(stack.rasa_url, OUR_TURNS)
    finally:
        stack.stop()
    (o50, o95), (s50, s95) = percentiles(ours), percentiles(stock)
    print(f"\nREST webhook turn latency, {len(ours)} turns (ours) / {len(stock)} turns (rasa init), same machine, same run")
    print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'江州政务助手':18}{o50:>10.1f}{o95:>10.1f}")
    print(f"{'rasa init (baseline)':24}{s50:>10.1f}{s95:>10.1f}")
    print(f"{'ratio ours/baseline':24}{o50 / s50:>10.2f}{o95 / s95:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
