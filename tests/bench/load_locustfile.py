"""Locust file of ``make bench-load``: each simulated resident has conversation after conversation
(tests/bench/load_conversations.py, by weight), each under a new sender id (rate limits are per
sender), reading every reply for a few seconds before typing the next message.

Run only by tests/bench/load_bench.py, in a locust process of its own: importing locust monkey-patches
with gevent, which must never happen in the assistant's processes or the driver. Think time:
``BENCH_LOAD_THINK`` = ``min-max`` seconds (default 2-6).
"""
from __future__ import annotations

import logging
import os
import random
import uuid

from locust import FastHttpUser, between, task

from tests.bench.load_conversations import CONVERSATIONS, WEBHOOK, problem

logger = logging.getLogger(__name__)

THINK_MIN, THINK_MAX = (float(v) for v in (os.environ.get("BENCH_LOAD_THINK") or "2-6").split("-", 1))
WEIGHTS = [c.weight for c in CONVERSATIONS]


class Resident(FastHttpUser):
    """One resident: a conversation picked by weight, turn by turn, then the next one."""

    wait_time = between(THINK_MIN, THINK_MAX)
    network_timeout = 60.0
    connection_timeout = 60.0

    @task
    def converse(self) -> None:
        conversation = random.choices(CONVERSATIONS, weights=WEIGHTS)[0]
        sender = f"bench-{uuid.uuid4().hex}"
        for n, step in enumerate(conversation.steps):
            if n:
                self.wait()
            with self.client.post(WEBHOOK, json={"sender": sender, "message": step.text}, name=step.name,
                                  catch_response=True) as response:
                why = problem(step, response.status_code or 0, response.content or b"")
                if why:
                    response.failure(f"{conversation.title} · {step.text}: {why}")
                else:
                    response.success()
