"""Switching the model of ``make run-scaled`` replica by replica through HAProxy's runtime API.

HAProxy listens on an admin socket (``stats socket … level admin``, mode 0600, in ``var/scaled/``).
For each Rasa replica in turn:

1. ``set server <backend>/<replica> state maint`` in the public and the API back-ends: no new request
   goes there (a Socket.IO client whose cookie names it is sent to another replica), requests in
   progress finish; wait until HAProxy counts no session on it, at most the drain time, then end the
   rest (``shutdown sessions server``: open WebSockets reconnect to another replica);
2. ``PUT /model`` on the replica itself — it stalls that process's event loop while it loads, which
   harms nobody now: it has no traffic;
3. wait until it reports the new model and answers two parses, ``state ready``, and wait until
   HAProxy's health check sees it up; then the next replica.

Every moment at least the other replicas serve, so no request fails. If a replica cannot load the
model, the replicas already switched are switched back the same way and the error is raised (the
follower then puts the active link back).
"""
from __future__ import annotations

import csv
import io
import logging
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import requests

logger = logging.getLogger(__name__)

BACKENDS = ("rasa", "rasa_api")  # the public back-end and the loopback one for Rasa's HTTP API


class HaproxyAdmin:
    """Commands on HAProxy's admin socket (one connection per command)."""

    def __init__(self, socket_path: Path, timeout: float = 10.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout)
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode("ascii") + b"\n")
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        answer = b"".join(chunks).decode("utf-8", "replace").strip()
        if answer and not answer.startswith("#") and any(word in answer for word in ("Unknown", "No such", "Require")):
            raise RuntimeError(f"HAProxy refused {line!r}: {answer}")
        return answer

    def stats(self) -> List[Dict[str, str]]:
        """``show stat`` as rows (pxname, svname, scur, status, …)."""
        text = self.command("show stat")
        return list(csv.DictReader(io.StringIO(text.lstrip("# "))))

    def server(self, backend: str, name: str) -> Dict[str, str]:
        for row in self.stats():
            if row.get("pxname") == backend and row.get("svname") == name:
                return row
        raise RuntimeError(f"HAProxy has no server {backend}/{name}")

    def set_state(self, name: str, state: str) -> None:
        for backend in BACKENDS:
            self.command(f"set server {backend}/{name} state {state}")

    def sessions(self, name: str) -> int:
        return sum(int(self.server(backend, name).get("scur") or 0) for backend in BACKENDS)

    def drain(self, name: str, seconds: float) -> None:
        """Take ``name`` out of rotation and wait until its sessions are done (at most ``seconds``)."""
        self.set_state(name, "maint")
        deadline = time.monotonic() + seconds
        while self.sessions(name) and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.sessions(name):
            logger.info("%s still has sessions after %.0f s: ending them (WebSockets reconnect elsewhere)", name,
                        seconds)
            for backend in BACKENDS:
                self.command(f"shutdown sessions server {backend}/{name}")

    def wait_up(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.server(BACKENDS[0], name).get("status", "").startswith("UP"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"HAProxy did not see {name} up within {timeout:.0f} s")
            time.sleep(0.2)


def load_model(port: int, token: str, model: Path, timeout: float = 900.0) -> None:
    """``PUT /model`` on one replica (it answers when the model is loaded)."""
    response = requests.put(f"http://127.0.0.1:{port}/model", params={"token": token},
                            json={"model_file": str(model)}, timeout=timeout)
    if response.status_code != 204:
        raise RuntimeError(f"Rasa on {port} could not load {model.name}: HTTP {response.status_code} "
                           f"{response.text[:200]}")


Replica = Tuple[str, int, subprocess.Popen]  # (HAProxy server name, port, process)


def rolling_switch(admin: HaproxyAdmin, replicas: List[Replica], token: str, model: Path, previous: Optional[Path],
                   drain_seconds: float = 30.0) -> None:
    """Switch every replica to ``model``, one at a time; on a failure the replicas already switched go
    back to ``previous`` and the error is raised."""
    done: List[Replica] = []
    try:
        for replica in replicas:
            _switch_one(admin, replica, token, model, drain_seconds)
            done.append(replica)
    except Exception:
        if previous is not None:
            for replica in done:
                try:
                    _switch_one(admin, replica, token, previous, drain_seconds)
                except Exception:
                    logger.exception("could not put %s back on %s", replica[0], previous)
        raise


def _switch_one(admin: HaproxyAdmin, replica: Replica, token: str, model: Path, drain_seconds: float) -> None:
    from bot.models.embedded import wait_ready

    name, port, process = replica
    started = time.monotonic()
    admin.drain(name, drain_seconds)
    try:
        load_model(port, token, model)
        wait_ready(f"http://127.0.0.1:{port}", token, model, process)
    finally:
        admin.set_state(name, "ready")  # with the old model when loading failed
    admin.wait_up(name)
    logger.info("replica %s now serves %s (%.0f s out of rotation)", name, model, time.monotonic() - started)
