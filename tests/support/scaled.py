"""The scaled stack (bot.scaleout) as its tests drive it: the public address, replicas warmed up, and
processes a test killed started again and back in HAProxy's rotation before the next test."""
from __future__ import annotations

import time

import requests

from bot.models.haproxy_api import HaproxyAdmin
from bot.runner import wait_http
from bot.scaleout.stack import ScaledStack


def public_url(stack: ScaledStack) -> str:
    return f"http://127.0.0.1:{stack.config.public_port}"


def warm_up(port: int) -> None:
    """One message straight to a Rasa replica: its first message builds TensorFlow's graphs, which
    takes a minute on a busy 2-core machine, longer than a resident's request may take in the tests."""
    response = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                             json={"sender": f"warm-up-{port}", "message": "你好"}, timeout=600)
    assert response.status_code == 200, response.text


def start_again(stack: ScaledStack, timeout: float = 300.0) -> None:
    """Start every process that died (the stack's own supervision), wait until each answers on its
    own port (a restarted replica warmed up) and HAProxy's health checks see it up."""
    dead = {name for name, process in stack.processes.items() if process.poll() is not None}
    assert stack.supervise() == [], "a process was left down after too many restarts"
    running = list(stack.processes.values())
    admin = HaproxyAdmin(stack.admin_socket)
    checks = [("rasa", f"rasa{n}", port) for n, port in enumerate(stack.config.rasa_ports, 1)]
    checks += [("actions", f"actions{n}", port) for n, port in enumerate(stack.config.action_ports, 1)]
    deadline = time.monotonic() + timeout
    for backend, name, port in checks:
        if backend == "rasa":
            wait_http(f"http://127.0.0.1:{port}/", timeout, running, expect="Hello from Rasa")
            if name in dead:
                warm_up(port)
        else:
            wait_http(f"http://127.0.0.1:{port}/health", timeout, running)
        while not admin.server(backend, name).get("status", "").startswith("UP"):
            if time.monotonic() > deadline:
                raise AssertionError(f"HAProxy did not see {backend}/{name} up within {timeout:.0f} s")
            time.sleep(0.5)
