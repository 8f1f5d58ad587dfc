"""The scaled profile for real: two Rasa replicas and two action servers on PostgreSQL (a schema of
its own) and the real Redis, a page server, HAProxy in front on one public port.

Tried: one REST conversation whose turns land on both replicas (round robin, no cookie); the
tracker rows in PostgreSQL (each message once, personal numbers masked); a Socket.IO resident kept
on one replica by the proxy's cookie and pushes sent through either replica (Rasa's HTTP API behind
the loopback front-end); Rasa's HTTP API asked for on the public port (not routed); a replica
killed mid-conversation (the next messages are answered by the other, the dead one is started again).
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from bot.scaleout.stack import ScaledConfig, ScaledStack
from bot.tracking.events import stored_events
from tests.support.chat import Chat
from tests.support.database import fresh_postgres_schema
from tests.support.desk import wait_for
from tests.support.stack import free_port
from tests.support.webchat import WebResident

REDIS_TEST_URL = "redis://127.0.0.1:6379/0"
PHONE = "13812345678"


@pytest.fixture(scope="module")
def scaled(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    from bot.registry.importer import import_registry

    with fresh_postgres_schema("scaled") as url:
        from bot.config import get_settings

        import_registry(get_settings().registry_dir)
        run_dir = tmp_path_factory.mktemp("scaled")
        config = ScaledConfig(database_url=url, redis_url=REDIS_TEST_URL, public_port=free_port(),
                              public_bind="127.0.0.1", rasa_ports=[free_port(), free_port()],
                              action_ports=[free_port(), free_port()], web_ports=[free_port()],
                              rasa_api_port=free_port(), actions_lb_port=free_port(), model=model_path,
                              run_dir=run_dir)
        stack = ScaledStack(config).start()
        yield stack
        stack.stop()


def _public(stack: ScaledStack) -> str:
    return f"http://127.0.0.1:{stack.config.public_port}"


def test_a_conversation_across_both_replicas_is_one_tracker(scaled: ScaledStack) -> None:
    chat = Chat(_public(scaled))
    assert "居住证" in chat.say(f"东湖区居住证怎么办？我电话{PHONE}")
    assert chat.say("要带什么材料") != ""
    assert chat.say("多久能办好") != ""
    assert chat.say("谢谢") != ""
    events = stored_events(chat.sender, scaled.config.database_url)
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said == ["东湖区居住证怎么办？我电话138****5678", "要带什么材料", "多久能办好", "谢谢"]
    assert PHONE not in json.dumps(events, ensure_ascii=False)
    assert sum(1 for e in events if e["event"] == "session_started") == 1


def test_pushes_reach_the_socket_from_either_replica(scaled: ScaledStack) -> None:
    resident = WebResident(_public(scaled))
    try:
        resident.ask("居住证怎么办", "居住证")
        api = f"http://127.0.0.1:{scaled.config.rasa_api_port}"
        for n in range(4):  # round robin over two replicas: each sends two of them
            before = resident.count()
            response = requests.post(
                f"{api}/conversations/{resident.session_id}/tracker/events",
                params={"token": scaled.api_token, "output_channel": "latest", "execute_side_effects": "true",
                        "include_events": "NONE"},
                json=[{"event": "bot", "text": f"工作人员第{n}条", "metadata": {"staff": "张敏"}}], timeout=30)
            assert response.status_code == 200, response.text
            resident.wait(lambda m, n=n: m.get("text") == f"工作人员第{n}条", before, timeout=20)
    finally:
        resident.close()


def test_rasa_http_api_is_not_public(scaled: ScaledStack) -> None:
    for path in ("/status", "/conversations/x/tracker", "/model/parse"):
        response = requests.get(_public(scaled) + path, params={"token": scaled.api_token}, timeout=10)
        assert response.status_code == 404, path
    assert requests.get(_public(scaled) + "/", timeout=10).status_code == 200  # the chat page


def test_a_replica_killed_mid_conversation(scaled: ScaledStack) -> None:
    chat = Chat(_public(scaled))
    assert "居住证" in chat.say("居住证怎么办")
    victim = scaled.processes["rasa1"]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    for question in ("要带什么材料", "多久能办好", "在哪里办"):
        assert chat.say(question) != "", question
    said = [e["text"] for e in stored_events(chat.sender, scaled.config.database_url) if e["event"] == "user"]
    assert said == ["居住证怎么办", "要带什么材料", "多久能办好", "在哪里办"], "each message stored once"
    assert scaled.supervise() == []
    wait_for(lambda: _hello(scaled.config.rasa_ports[0]), 300, "the killed replica answers again", interval=2)


def _hello(port: int) -> Any:
    try:
        return "Hello from Rasa" in requests.get(f"http://127.0.0.1:{port}/", timeout=2).text
    except requests.RequestException:
        return False
