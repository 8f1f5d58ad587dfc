"""``make bench-swap``: requests sent, failed and p50/p95/max latency while a model is activated, beside the
same figures without a swap and beside Rasa's own ``PUT /model`` (a report, never a test).

A steady stream of REST conversations (tests/support/traffic.py: 4 workers, one request every 0.5 s each,
half of them on kept-alive connections, 30 s time-out) runs against the assistant the way ``make run``
starts it (Rasa behind the forwarder) while, in turn:

1. nothing happens (``--quiet-seconds``);
2. the model is switched as activation does (a second Rasa on the new model, flip, drain, stop the old);
3. the model is loaded with ``PUT /model`` on the serving Rasa itself (what issue #9 calls rasa#3910);

then, unless ``--profile embedded``, the same stream against ``make run-scaled`` (2 Rasa replicas behind
HAProxy, PostgreSQL and Redis as in the tests) while nothing happens, then while the replicas are switched
one by one through HAProxy's runtime API. The swap windows run from the start of the switch to its end.

The two models are the active one and the newest other version in ``models/versions`` (or, with none, a
copy of the active one in a temporary folder: a switch loads whatever file it is given). Nothing is trained
and ``models/`` is not changed. Conversations go to a temporary database.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import requests

from bot.models import store
from tests.support.database import fresh_database, fresh_postgres_schema
from tests.support.stack import free_port
from tests.support.traffic import HEADER, Figures, Sample, Traffic

logger = logging.getLogger(__name__)

WORKERS = 4
INTERVAL = 0.5


def _models(scratch: Path) -> Tuple[Path, Path]:
    active = store.active_target()
    if active is None:
        raise SystemExit("没有模型：请先运行 make model")
    others = [store.version_dir(v) / store.MODEL_FILE for v in store.all_versions()]
    others = [p for p in others if p.is_file() and p.resolve() != active.resolve()]
    if others:
        return active, others[0]
    copy = scratch / "copy" / "model.tar.gz"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(active, copy)
    return active, copy


class Streams:
    """Half the workers open a connection per request, half keep theirs alive."""

    def __init__(self, url: str) -> None:
        self.streams = [Traffic(url, workers=WORKERS // 2, interval=INTERVAL),
                        Traffic(url, workers=WORKERS // 2, interval=INTERVAL, keep_alive=True)]

    def __enter__(self) -> Streams:
        for stream in self.streams:
            stream.start()
        for stream in self.streams:
            stream.wait_for(4, timeout=120)
        return self

    def __exit__(self, *_: object) -> None:
        for stream in self.streams:
            stream.stop()

    def figures(self, start: float, end: float) -> Figures:
        samples: List[Sample] = [s for stream in self.streams for s in stream.samples if start <= s.started < end]
        return Figures.of(samples)


def measure(url: str, quiet_seconds: float, swaps: List[Tuple[str, Callable[[], None]]]) -> List[Tuple[str, Figures]]:
    """The stream's figures over ``quiet_seconds`` of nothing, then during each swap in turn."""
    rows = []
    with Streams(url) as streams:
        time.sleep(5)  # every worker under way
        start = time.monotonic()
        time.sleep(quiet_seconds)
        rows.append((f"no swap ({quiet_seconds:.0f} s)", streams.figures(start, time.monotonic())))
        for title, swap in swaps:
            start = time.monotonic()
            swap()
            end = time.monotonic()
            time.sleep(5)  # requests sent just before the end are answered or time out
            rows.append((f"{title} ({end - start:.0f} s)", streams.figures(start, end)))
            time.sleep(5)
    return rows


def embedded(model: Path, other: Path, quiet_seconds: float, scratch: Path) -> List[Tuple[str, Figures]]:
    from bot.runner import Ports, Stack

    with fresh_database(scratch / "embedded.db", seed=True) as url:
        stack = Stack(ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()), model=model,
                      env={"DATABASE_URL": url}, log_dir=scratch / "embedded-logs", with_web=False, switchable=True)
        print("make run 的结构：启动中……", flush=True)
        stack.start(timeout=900)
        try:
            def put_model() -> None:
                response = requests.put(f"{stack.rasa_process_url}/model", params={"token": stack.api_token},
                                        json={"model_file": str(model)}, timeout=900)
                response.raise_for_status()

            return [(f"make run: {title}", figures) for title, figures in measure(stack.rasa_url, quiet_seconds, [
                ("activation (second Rasa, flip, drain)", lambda: stack.switch_model(other)),
                ("plain PUT /model on the serving Rasa", put_model)])]
        finally:
            stack.stop()


def scaled(model: Path, other: Path, quiet_seconds: float, scratch: Path) -> List[Tuple[str, Figures]]:
    from bot.registry.importer import import_registry
    from bot.scaleout.stack import ScaledConfig, ScaledStack

    with fresh_postgres_schema("benchswap") as url:
        from bot.config import get_settings

        import_registry(get_settings().registry_dir)
        config = ScaledConfig(database_url=url, redis_url="redis://127.0.0.1:6379/0", public_port=free_port(),
                              public_bind="127.0.0.1", rasa_ports=[free_port(), free_port()],
                              action_ports=[free_port(), free_port()], web_ports=[free_port()],
                              rasa_api_port=free_port(), actions_lb_port=free_port(), model=model,
                              run_dir=scratch / "scaled")
        print("make run-scaled 的结构（2 个 Rasa 副本，HAProxy）：启动中……", flush=True)
        stack = ScaledStack(config).start(timeout=900)
        try:
            rows = measure(f"http://127.0.0.1:{config.public_port}", quiet_seconds, [
                ("activation (2 replicas via HAProxy)", lambda: stack.switch_model(other))])
            return [(f"make run-scaled: {title}", figures) for title, figures in rows]
        finally:
            stack.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=("embedded", "scaled", "both"), default="both")
    parser.add_argument("--quiet-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="bench-swap-") as folder:
        scratch = Path(folder)
        model, other = _models(scratch)
        print(f"模型：{model} ⇄ {other}", flush=True)
        rows: List[Tuple[str, Figures]] = []
        if args.profile in ("embedded", "both"):
            rows += embedded(model, other, args.quiet_seconds, scratch)
        if args.profile in ("scaled", "both"):
            rows += scaled(model, other, args.quiet_seconds, scratch)
    print(f"\n{WORKERS} 个并发居民，每人每 {INTERVAL} 秒一条消息（一半保持连接），超时 30 秒\n")
    width = max(len(title) for title, _ in rows) + 2
    print(f"{'':<{width}}" + HEADER[34:])
    for title, figures in rows:
        print(f"{title:<{width}}" + figures.row("")[34:])
        if figures.errors:
            print(f"{'':<{width}} errors: {', '.join(figures.errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
