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

import requests

from bot.scaleout.stack import ScaledStack
from bot.tracking.events import stored_events
from tests.support.chat import Chat
from tests.support.scaled import public_url, start_again
from tests.support.webchat import WebResident

PHONE = "13812345678"


def test_a_conversation_across_both_replicas_is_one_tracker(scaled: ScaledStack) -> None:
    chat = Chat(public_url(scaled))
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
    resident = WebResident(public_url(scaled))
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
        response = requests.get(public_url(scaled) + path, params={"token": scaled.api_token}, timeout=10)
        assert response.status_code == 404, path
    assert requests.get(public_url(scaled) + "/", timeout=10).status_code == 200  # the chat page


def test_a_replica_killed_mid_conversation(scaled: ScaledStack) -> None:
    chat = Chat(public_url(scaled))
    assert "居住证" in chat.say("居住证怎么办")
    victim = scaled.processes["rasa1"]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    for question in ("要带什么材料", "多久能办好", "在哪里办"):
        assert chat.say(question) != "", question
    said = [e["text"] for e in stored_events(chat.sender, scaled.config.database_url) if e["event"] == "user"]
    assert said == ["居住证怎么办", "要带什么材料", "多久能办好", "在哪里办"], "each message stored once"
    start_again(scaled)  # the killed replica answers again, back in HAProxy's rotation

