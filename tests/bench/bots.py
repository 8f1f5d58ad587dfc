"""Starting and stopping the two bots under test: Rasa's stock ``rasa init`` bot and ours.

Each is a context manager that yields a :class:`Bot` once every process answers (Rasa: ``/status``
reports a loaded model) and stops everything it started on exit, including on Ctrl-C.
"""
from __future__ import annotations

import logging
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from bot.runner import Ports, Stack, wait_http
from tests.bench.load import Conversation
from tests.bench.procs import ProcessReport, ReadinessWatcher, pids_by_name, stop_processes
from tests.bench.proxy import ProxyClient
from tests.support.stack import free_port

logger = logging.getLogger(__name__)

RASA = str(Path(sys.executable).parent / "rasa")


@dataclass
class Bot:
    label: str
    rasa_url: str
    conversations: Sequence[Conversation]
    processes: List[ProcessReport] = field(default_factory=list)
    proxy: Optional[ProxyClient] = None  # counts action-server calls (ours only)


def train_stock(workdir: Path) -> Path:
    """Rasa's own starter bot, trained once (``rasa init`` trains it) and kept in var/bench."""
    model = workdir / "models" / "stock.tar.gz"
    if not model.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        logger.info("rasa init in %s", workdir)
        subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(workdir)], check=True, capture_output=True)
        trained = sorted((workdir / "models").glob("*.tar.gz"))
        if trained:
            trained[-1].rename(model)
        else:
            subprocess.run([RASA, "train", "--fixed-model-name", "stock", "--out", "models"], cwd=workdir,
                           check=True, capture_output=True)
    return model


@contextmanager
def stock_bot(workdir: Path, conversations: Sequence[Conversation], timeout: float) -> Iterator[Bot]:
    model = train_stock(workdir)
    rasa_port, action_port = free_port(), free_port()
    (workdir / "endpoints.bench.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    reports = [ProcessReport("stock rasa", f"http://127.0.0.1:{rasa_port}/status"),
               ProcessReport("stock actions", f"http://127.0.0.1:{action_port}/health")]
    commands = {"stock actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
                # --enable-api only for /status (loopback, benchmark only)
                "stock rasa": [RASA, "run", "--model", str(model), "--port", str(rasa_port),
                               "--endpoints", "endpoints.bench.yml", "--enable-api"]}
    procs: List[subprocess.Popen] = []
    with open(workdir / "bench.log", "ab") as logs:
        try:
            watcher = ReadinessWatcher(reports, lambda label: pids_by_name(procs).get(label), timeout).start()
            for name, args in commands.items():
                proc = subprocess.Popen(args, cwd=workdir, stdout=logs, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                proc.name = name  # type: ignore[attr-defined]
                procs.append(proc)
            for report in reports:
                wait_http(report.ready_url, timeout, procs)
            watcher.wait()
            yield Bot("stock", f"http://127.0.0.1:{rasa_port}", conversations, reports)
        finally:
            stop_processes(procs)


@contextmanager
def our_bot(log_dir: Path, conversations: Sequence[Conversation], timeout: float) -> Iterator[Bot]:
    """Our three processes via :class:`bot.runner.Stack`, Rasa's action endpoint pointed at a counting proxy."""
    ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
    log_dir.mkdir(parents=True, exist_ok=True)
    proxy = ProxyClient(free_port(), f"http://127.0.0.1:{ports.actions}")
    stack = Stack(ports=ports, with_web=True, log_dir=log_dir, action_endpoint=f"{proxy.url}/webhook")
    # labels are "ours " + the name Stack gives each process
    reports = [ProcessReport("ours rasa", f"{stack.rasa_url}/status?token={stack.api_token}"),
               ProcessReport("ours actions", f"{stack.action_url}/health"),
               ProcessReport("ours web", f"{stack.web_url}/")]
    with open(log_dir / "proxy.log", "ab") as proxy_log:
        try:
            proxy.start(proxy_log)
            watcher = ReadinessWatcher(reports, lambda label: pids_by_name(stack.processes).get(label[5:]),
                                       timeout).start()
            stack.start(timeout=timeout)
            wait_http(reports[0].ready_url, timeout, stack.processes)
            watcher.wait()
            yield Bot("ours", stack.rasa_url, conversations, reports, proxy)
        finally:
            stack.stop()
            proxy.stop()
