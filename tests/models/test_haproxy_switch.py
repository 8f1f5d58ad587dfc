"""Switching ``make run-scaled`` replica by replica through the real HAProxy (the profile's own configuration,
with its admin socket) in front of two stand-in Rasa replicas (tests/models/fake_rasa.py) whose ``PUT /model``
stalls them for 3 s, as Rasa's does. A steady stream of conversations goes through HAProxy with a 2 s
time-out: had HAProxy sent one request to a replica while it loaded, that request would have failed.

Bad input tried: a model the second replica cannot load (the first one is put back on the old model).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import requests

from bot.models.haproxy_api import HaproxyAdmin, Replica, rolling_switch
from bot.runner import terminate
from bot.scaleout.haproxy import Backends, render
from tests.models.conftest import small_archive
from tests.models.fake_rasa import TOKEN
from tests.support.desk import wait_for
from tests.support.stack import free_port
from tests.support.traffic import Traffic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def proxied(tmp_path: Path) -> Iterator[Tuple[HaproxyAdmin, List[Replica], str, Dict[str, Path]]]:
    models = {name: small_archive(tmp_path / name / "model.tar.gz", name) for name in ("m1", "m2", "m3")}
    ports = [free_port(), free_port()]
    processes: List[subprocess.Popen] = []
    replicas: List[Replica] = []
    for n, port in enumerate(ports, 1):
        refuse = ["--refuse", "m3"] if n == 2 else []
        proc = subprocess.Popen([sys.executable, "-m", "tests.models.fake_rasa", "--port", str(port), "--name",
                                 f"rasa{n}", "--model", str(models["m1"]), *refuse], cwd=ROOT,
                                start_new_session=True)
        processes.append(proc)
        replicas.append((f"rasa{n}", port, proc))
    public = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(render(Backends(public_bind="127.0.0.1", public_port=public, rasa_api_port=free_port(),
                                      actions_port=free_port(), rasa=ports, actions=[free_port()], web=[free_port()],
                                      admin_socket=str(tmp_path / "haproxy.sock"))), encoding="utf-8")
    processes.append(subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
    try:
        admin = HaproxyAdmin(tmp_path / "haproxy.sock")
        wait_for(lambda: _all_up(admin), 30, "both replicas up in HAProxy")
        yield admin, replicas, f"http://127.0.0.1:{public}", models
    finally:
        terminate(processes)


def _all_up(admin: HaproxyAdmin) -> bool:
    try:
        return all(admin.server("rasa", name).get("status", "").startswith("UP") for name in ("rasa1", "rasa2"))
    except OSError:  # HAProxy not listening on its socket yet
        return False


def _models(replicas: List[Replica]) -> List[str]:
    return [requests.get(f"http://127.0.0.1:{port}/status", params={"token": TOKEN}, timeout=5).json()["model_id"]
            for _, port, _ in replicas]


def test_every_replica_switches_with_no_failed_request(proxied: Tuple[HaproxyAdmin, List[Replica], str,
                                                                       Dict[str, Path]]) -> None:
    admin, replicas, url, models = proxied
    with Traffic(url, workers=4, interval=0.1, timeout=2) as stream:
        stream.wait_for(20)
        started = time.monotonic()
        rolling_switch(admin, replicas, TOKEN, models["m2"], models["m1"], drain_seconds=5)
        took = time.monotonic() - started
        stream.wait_for(len(stream.samples) + 20)
    figures = stream.figures()
    assert figures.failed == 0 and figures.sent > 40, figures
    assert took > 6, "each replica really loaded (3 s each, one after the other)"
    assert _models(replicas) == ["m2", "m2"]
    assert _all_up(admin)


def test_a_replica_that_cannot_load_puts_the_switched_ones_back(proxied: Tuple[HaproxyAdmin, List[Replica], str,
                                                                                Dict[str, Path]]) -> None:
    admin, replicas, url, models = proxied
    with Traffic(url, workers=4, interval=0.1, timeout=2) as stream:
        stream.wait_for(20)
        with pytest.raises(RuntimeError, match="could not load"):
            rolling_switch(admin, replicas, TOKEN, models["m3"], models["m1"], drain_seconds=5)
        stream.wait_for(len(stream.samples) + 20)
    assert stream.figures().failed == 0, stream.figures()
    assert _models(replicas) == ["m1", "m1"]
    assert _all_up(admin)
