"""make bench-load's locust runs, for real: locust in its own process plays the conversations against the
session's running stack and its CSV statistics are read into per-step rows (no failure, every step a known
row, percentiles in order). Bad input tried: a real local server that answers every message with words
that show nothing was understood — each such turn is counted as a failure with its reason, while a message
meant for the desk (no reply expected) is not; every conversation has its own sender id."""
from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from tests.bench.load_bench import environment, run_level
from tests.bench.load_conversations import FIRST, STEP_ORDER, WAITING, WEBHOOK
from tests.support.fake_http import FakeHttpServer, Reply, Request


class NotUnderstood(FakeHttpServer):
    """Answers every webhook message with an apology, as a broken assistant would."""

    def handle(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == WEBHOOK:
            return Reply(200, json.dumps([{"recipient_id": request.json()["sender"], "text": "抱歉，我没听懂。"}]))
        return Reply(404, "not found", "text/plain")


def test_locust_plays_the_conversations_against_the_running_stack(rasa_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    level = run_level(rasa_stack.rasa_url, "make run", 4, seconds=8, think="0.1-0.3", scratch=tmp_path, ramp=1)

    assert level.total is not None and level.total.requests >= 10, level
    assert (level.total.failures, level.errors) == (0, [])
    names = [row.step for row in level.steps]
    assert names == sorted(names, key=STEP_ORDER.index)  # every row a known step, in the report's order
    assert sum(row.requests for row in level.steps) == level.total.requests
    for row in [*level.steps, level.total]:
        assert 0 < row.p50 <= row.p95 <= row.p99, row
    assert level.total.rps > 0


def test_replies_that_show_no_understanding_are_failures(tmp_path: Path) -> None:
    server = NotUnderstood().start()
    try:
        level = run_level(server.url, "broken", 3, seconds=4, think="0.05-0.1", scratch=tmp_path, ramp=1)
    finally:
        server.stop()

    rows = {row.step: row for row in level.steps}
    assert rows[FIRST].requests > 0
    for row in level.steps:  # a message for the desk expects no reply; every other one is a failure here
        assert row.failures == (0 if row.step == WAITING else row.requests), row
    assert level.total is not None and level.total.failures == sum(row.failures for row in level.steps)
    assert any("reply without" in error for error, _count in level.errors), level.errors

    by_sender: Dict[str, List[str]] = defaultdict(list)
    for request in server.requests:
        body = request.json()
        by_sender[body["sender"]].append(body["message"])
    assert len(by_sender) > 3  # a new sender for each conversation, not one per simulated resident


def test_environment_is_put_back(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DESK_HOURS_FILE", "/before.yml")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with environment({"DESK_HOURS_FILE": "/during.yml"}):
        assert os.environ["DESK_HOURS_FILE"] == "/during.yml"
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"  # as the scaled profile's prepare() does
    assert os.environ["DESK_HOURS_FILE"] == "/before.yml" and "REDIS_URL" not in os.environ
