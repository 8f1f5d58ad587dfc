"""Switching the model of ``make run`` with no failed request, and following the active version.

Rasa's ``PUT /model`` loads the new model inside the serving process and stalls its event loop for
the whole load (rasa#3910; ``make bench-swap`` measures it: requests time out). So ``make run``'s Rasa
sits behind :class:`bot.models.forwarder.Forwarder` on the public port, and a switch is:

1. start a second Rasa on the new model on another loopback port (same stores, endpoints, token);
2. wait until it answers: ``/status`` names the new model file and two ``/model/parse`` calls have
   warmed it up (the first inference of a fresh process is slow);
3. flip the forwarder: new connections go to the new Rasa;
4. drain the old one — wait until the connections it still has are closed, at most ``drain_seconds``
   (a WebSocket that is still open then is closed and the page's Socket.IO client reconnects) — and
   stop it.

Conversations carry on because trackers live in the SQL tracker store, not in the process.
:class:`ModelFollower` watches the link ``models/assistant.tar.gz`` and runs a switch when it changes;
a switch that fails puts the link back (:func:`bot.models.lifecycle.revert_failed_switch`).
"""
from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import requests

from bot.models import lifecycle, serving, store
from bot.models.forwarder import Forwarder

if TYPE_CHECKING:
    from bot.runner import Stack

logger = logging.getLogger(__name__)

READY_TIMEOUT = 900.0  # loading a model on a busy machine takes minutes
WARM_UP = ("你好", "居住证怎么办")


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, token: str, model: Path, process: subprocess.Popen, timeout: float = READY_TIMEOUT) -> None:
    """Until the Rasa at ``url`` has loaded ``model`` and parsed the warm-up messages; fails fast when
    ``process`` exits or Rasa answers without that model. ``rasa run`` loads the model before it listens
    (``PUT /model`` before it answers), and a Rasa that could not load the file listens all the same,
    without a model: so the first answer of ``/status`` decides — the ``model_id`` it reports (every
    version's file is called model.tar.gz) or its refusal."""
    expected = store.model_id(model)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"新的 Rasa 进程退出了（退出码 {process.returncode}）")
        if time.monotonic() > deadline:
            raise TimeoutError(f"新的 Rasa 在 {timeout:.0f} 秒内没有加载好模型")
        try:
            status = requests.get(f"{url}/status", params={"token": token}, timeout=5)
        except requests.RequestException:  # not listening yet
            time.sleep(0.5)
            continue
        loaded = status.json().get("model_id") if status.status_code == 200 else None
        if loaded == expected:
            break
        raise RuntimeError(f"新的 Rasa 没有加载这个模型（/status：HTTP {status.status_code}"
                           f"{'，模型 ' + str(loaded) if loaded else ''}），详见 rasa.log")
    for text in WARM_UP:
        parsed = requests.post(f"{url}/model/parse", params={"token": token}, json={"text": text}, timeout=120)
        if parsed.status_code != 200:
            raise RuntimeError(f"新的 Rasa 解析失败（HTTP {parsed.status_code}）")


class EmbeddedSwitch:
    """The forwarder on ``stack.ports.rasa`` and the one Rasa process behind it."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.port = free_loopback_port()
        self.model = stack.model_file()  # the file itself, not the link: what this Rasa loaded
        self.process: Optional[subprocess.Popen] = None
        self.pending: Optional[subprocess.Popen] = None  # the new Rasa of a switch in progress
        self.forwarder = Forwarder(stack.bind, stack.ports.rasa, self.port)
        self._lock = threading.Lock()  # one switch at a time

    def start(self) -> EmbeddedSwitch:
        self.forwarder.start()
        self.process = self.stack.spawn_rasa(self.model, self.port)
        self.stack.processes.append(self.process)
        return self

    def switch(self, model: Path) -> None:
        """Start a Rasa on ``model``, move new connections to it, drain and stop the old one."""
        with self._lock:
            port = free_loopback_port()
            started = time.monotonic()
            process = self.pending = self.stack.spawn_rasa(model, port)
            try:
                wait_ready(f"http://127.0.0.1:{port}", self.stack.api_token, model, process)
            except BaseException:
                self.stack.stop_processes([process])
                raise
            finally:
                self.pending = None
            old_port, old_process = self.forwarder.flip(port), self.process
            self.port, self.process, self.model = port, process, model
            self.stack.processes.append(process)
            if old_process is not None:  # out of the list before it stops: not a crash to the watcher
                self.stack.processes.remove(old_process)
            ready = time.monotonic()
            self.drain(old_port)
            if old_process is not None:
                self.stack.stop_processes([old_process])
            logger.info("model switched to %s: new Rasa ready in %.0f s, old one drained and stopped in %.0f s",
                        model, ready - started, time.monotonic() - ready)

    def drain(self, port: int) -> None:
        deadline = time.monotonic() + self.stack.drain_seconds
        while self.forwarder.open_connections(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = self.forwarder.open_connections(port)
        if left:
            logger.info("%s connection(s) still open to the old Rasa after %.0f s (WebSockets reconnect)", left,
                        self.stack.drain_seconds)

    def stop(self) -> None:
        """The forwarder, and the new Rasa of a switch cut short (the stack stops the listed processes)."""
        self.forwarder.stop()
        pending = self.pending
        if pending is not None and pending.poll() is None:
            self.stack.stop_processes([pending])


class ModelFollower:
    """Checks the active link every ``interval`` seconds and calls ``switch`` when it points elsewhere;
    reports in :mod:`bot.models.serving`. ``check()`` does one round (the scaled profile calls it from
    its supervision loop); ``start()`` runs rounds in a thread."""

    def __init__(self, link: Path, profile: str, switch: Callable[[Path], None], serving_model: Path,
                 interval: float = 1.0) -> None:
        self.link = link
        self.root = link.parent
        self.profile = profile
        self.switch = switch
        self.interval = interval
        self.serving = serving.file_id(serving_model)
        self._given_up: Optional[serving.FileId] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        serving.report(self.root, profile, serving.version_of(self.serving, self.root), "serving")

    def check(self) -> None:
        target = self.link.resolve() if self.link.exists() else None
        wanted = serving.file_id(target) if target is not None else None
        if wanted is None or wanted == self.serving or wanted == self._given_up:
            return
        assert target is not None
        version, current = serving.version_of(wanted, self.root), serving.version_of(self.serving, self.root)
        logger.info("the active model changed to %s: switching", version or target)
        serving.report(self.root, self.profile, current, "switching", target=version)
        try:
            self.switch(target)
        except Exception as exc:
            logger.exception("could not switch to %s", target)
            serving.report(self.root, self.profile, current, "failed", target=version, error=str(exc)[:300])
            if not (version and lifecycle.revert_failed_switch(version, current, str(exc), self.root)):
                self._given_up = wanted  # the link stays on it: do not start it again every second
            return
        self.serving, self._given_up = wanted, None
        serving.report(self.root, self.profile, version, "serving")

    def start(self) -> ModelFollower:
        self._thread = threading.Thread(target=self._run, name="model-follower", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # never let the watcher die: the next round tries again
                logger.exception("model follower round failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)  # a switch in progress is cut short by the stack stopping its processes
        serving.withdraw(self.root)

