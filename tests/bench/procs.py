"""Process facts for the benchmark: time from process start to ready, resident memory, clean stop."""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import requests

logger = logging.getLogger(__name__)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _boottime() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def start_seconds(pid: int) -> float:
    """When ``pid`` started, in CLOCK_BOOTTIME seconds (field 22 of /proc/PID/stat, 10 ms resolution)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / CLOCK_TICKS


def _children(pid: int) -> List[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of ``pid`` and all its descendants, in MiB (psutil if installed)."""
    try:
        import psutil  # type: ignore[import-not-found]
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            proc = psutil.Process(pid)
            procs = [proc, *proc.children(recursive=True)]
            return sum(p.memory_info().rss for p in procs) / 2**20
        except psutil.Error:
            return float("nan")
    total_kib, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as fh:
                total_kib += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
        stack.extend(_children(current))
    return total_kib / 1024 if total_kib else float("nan")


@dataclass
class ProcessReport:
    label: str
    ready_url: str
    pid: Optional[int] = None
    ready_s: Optional[float] = None
    rss_loaded: Optional[float] = None
    rss_end: Optional[float] = None


def _is_ready(url: str, needs_model: bool) -> bool:
    try:
        resp = requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    if resp.status_code != 200:
        return False
    if not needs_model:
        return True
    try:
        return bool(resp.json().get("model_id"))
    except ValueError:
        return False


class ReadinessWatcher:
    """Polls every process's ready URL from the moment it exists; records start→ready time and RSS.

    ``find_pid`` is asked repeatedly for the process's pid (``None`` while not yet spawned), so
    the watcher can be started before the code that spawns the processes runs.
    """

    def __init__(self, reports: List[ProcessReport], find_pid: Callable[[str], Optional[int]],
                 timeout: float = 300.0, interval: float = 0.1) -> None:
        self.reports = reports
        self.find_pid = find_pid
        self.timeout = timeout
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="readiness", daemon=True)

    def start(self) -> ReadinessWatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while not self._stop.is_set() and time.monotonic() < deadline:
            pending = [r for r in self.reports if r.ready_s is None]
            if not pending:
                return
            for report in pending:
                if report.pid is None:
                    report.pid = self.find_pid(report.label)
                if report.pid is None:
                    continue
                if _is_ready(report.ready_url, needs_model="/status" in report.ready_url):
                    try:
                        report.ready_s = _boottime() - start_seconds(report.pid)
                    except OSError:  # exited meanwhile; whoever waits on it reports why
                        report.ready_s = float("nan")
                    report.rss_loaded = rss_mib(report.pid)
            time.sleep(self.interval)

    def wait(self, timeout: float = 30.0) -> None:
        """Let the watcher see the last process ready (it polls slightly behind ``wait_http``)."""
        self._thread.join(timeout)
        self._stop.set()


def stop_processes(processes: List[subprocess.Popen], grace: float = 15.0) -> None:
    """SIGTERM each process group (started with ``start_new_session``), SIGKILL whatever is left."""
    for proc in processes:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s ignored SIGTERM; killing it", getattr(proc, "name", proc.pid))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def pids_by_name(processes: List[subprocess.Popen]) -> Dict[str, int]:
    return {getattr(p, "name", str(p.pid)): p.pid for p in list(processes)}
