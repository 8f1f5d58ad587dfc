"""The cycle's second half against the real stack (Rasa behind the forwarder, following the active version):
the version trained from the console (test_console_training.py) is activated with ``python -m bot model
activate`` while two streams of REST conversations run (one new connection per request, and kept-alive
connections); the new examples are understood the moment the command returns; it is rolled back from the
console under the same traffic; the old behaviour returns. Every request is counted: none may fail.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.models import store
from tests.models.conftest import NEW_THANKS, Lifecycle, Started, copy_version, run_cli, small_archive
from tests.support.chat import Chat
from tests.support.desk import DeskClient, wait_for
from tests.support.traffic import Traffic
from tests.support.webchat import WebResident

WELCOME = "不客气"
SWITCH_TIMEOUT = 1200


def _intent(stack: Any, text: str) -> str:
    response = requests.post(f"{stack.rasa_url}/model/parse", params={"token": stack.api_token},
                             json={"text": text}, timeout=60)
    assert response.status_code == 200, response.text
    return str(response.json()["intent"]["name"])


def _understood(stack: Any) -> List[bool]:
    return [_intent(stack, text) == "thanks" and WELCOME in Chat(stack.rasa_url).say(text) for text in NEW_THANKS]


@pytest.fixture(scope="module")
def admin(second_started: Started) -> DeskClient:
    return second_started.admin


def test_a_version_trained_from_the_console(second: Dict[str, Any], first: Dict[str, Any], admin: DeskClient,
                                            lifecycle: Lifecycle) -> None:
    assert second["by"] == admin.username and second["fingerprint"] != first["fingerprint"]
    assert {"config.yml", "domain.yml", "data/nlu/smalltalk.yml", "data/jieba/domain_words.txt"} <= {
        f["path"] for f in second["files"]}
    assert second["intent_f1"]["thanks"]["support"] > 0 and 0 < second["macro_f1"] <= 1
    assert (store.version_dir(second["version"], lifecycle.root) / "confusion.png").stat().st_size > 1000
    training = admin.get("/admin/api/models/training").json()
    assert training["version"] == second["version"] and training["state"] == "ready" and not training["running"]
    assert training["progress"] == {"epoch": 20, "epochs": 20}
    assert any("macro-F1" in line for line in training["log"][-5:]), training["log"][-5:]
    assert "Epochs:" in (store.version_dir(second["version"], lifecycle.root) / "train.log").read_text()
    overview = admin.get("/admin/api/models").json()
    rows = {row["version"]: row for row in overview["versions"]}
    assert rows[first["version"]]["active"] and not rows[second["version"]]["active"]
    assert overview["serving"][0]["version"] == first["version"] and overview["serving"][0]["state"] == "serving"


@pytest.fixture()
def traffic(stack: Any) -> Iterator[List[Traffic]]:
    """Two streams of conversations: one new connection per request, and connections kept alive."""
    streams = [Traffic(stack.rasa_url, workers=2, interval=0.4), Traffic(stack.rasa_url, workers=2, interval=0.4,
                                                                        keep_alive=True)]
    for stream in streams:
        stream.start()
    for stream in streams:
        stream.wait_for(6)
    yield streams
    for stream in streams:
        stream.stop()


def _keep_going(streams: List[Traffic], more: int = 6) -> None:
    """A few more requests from every stream, answered by whatever serves now."""
    for stream in streams:
        stream.wait_for(len(stream.samples) + more)


def _assert_none_failed(streams: List[Traffic]) -> None:
    for stream in streams:
        stream.stop()
        figures = stream.figures()
        assert figures.failed == 0 and figures.sent >= 12, (stream.keep_alive, figures)


def test_activation_and_rollback_with_requests_in_flight(stack: Any, admin: DeskClient, lifecycle: Lifecycle,
                                                          first: Dict[str, Any], second: Dict[str, Any],
                                                          traffic: List[Traffic]) -> None:
    resident = WebResident(stack.rasa_url)  # Socket.IO long-polling through the forwarder
    try:
        resident.ask("居住证怎么办", "居住证")
    finally:
        resident.close()
    rasa_before = [p.pid for p in stack.processes if getattr(p, "name", "") == "rasa"]

    activated = run_cli("activate", second["version"], "--json", env=lifecycle.env, timeout=SWITCH_TIMEOUT)
    assert activated.returncode == 0, activated.stderr
    answer = json.loads(activated.stdout)
    assert answer["previous"] == first["version"] and answer["serving"][0]["version"] == second["version"]
    # the command returned only once the new model answers
    assert [_intent(stack, text) for text in NEW_THANKS] == ["thanks"] * len(NEW_THANKS)
    _keep_going(traffic)
    rasa_after = [p.pid for p in stack.processes if getattr(p, "name", "") == "rasa"]
    assert len(rasa_after) == 1 and rasa_after != rasa_before, "one Rasa, the new one"
    assert _understood(stack) == [True] * len(NEW_THANKS)

    rolled = admin.post("/admin/api/models/rollback")
    assert rolled.status_code == 202 and rolled.json()["version"] == first["version"], rolled.text
    wait_for(lambda: _serving(admin) == (first["version"], "serving"), SWITCH_TIMEOUT, "the rollback took effect",
             interval=1)
    _keep_going(traffic)
    _assert_none_failed(traffic)
    assert _understood(stack) == [False] * len(NEW_THANKS), "the old behaviour is back"
    assert admin.get("/admin/api/models").json()["rollback_to"] is None

    entries = admin.get("/admin/api/audit", entity="model").json()["entries"]
    actions = [(e["action"], e["key"], e["source"]) for e in entries[:2]]
    assert actions == [("rollback", first["version"], "console"), ("activate", second["version"], "cli")], actions
    assert entries[0]["actor"] == admin.username and entries[1]["actor"].startswith("cli")


def _serving(admin: DeskClient) -> Any:
    records = admin.get("/admin/api/models").json()["serving"]
    return (records[0]["version"], records[0]["state"]) if len(records) == 1 else None


def test_a_version_rasa_cannot_load_is_not_switched_to(stack: Any, admin: DeskClient, lifecycle: Lifecycle,
                                                       traffic: List[Traffic]) -> None:
    """Its figures pass the gate (a copy of version 1's), its archive is Rasa's metadata alone: the new Rasa
    comes up without a model, the switch fails, the link goes back, the command says why, nobody notices."""
    active = store.active_version(lifecycle.root)
    broken = copy_version(str(active), lifecycle.root, lifecycle.root)
    model = store.version_dir(broken, lifecycle.root) / store.MODEL_FILE
    model.unlink()  # a hard link to a real model: replaced, not written through
    small_archive(model, "cannot-be-loaded")
    failed = run_cli("activate", broken, env=lifecycle.env, timeout=SWITCH_TIMEOUT)
    assert failed.returncode == 1 and "未能切换" in failed.stderr and f"仍在使用 {active}" in failed.stderr, \
        failed.stderr[-500:]
    assert store.active_version(lifecycle.root) == active and store.rollback_target(lifecycle.root) is None
    _keep_going(traffic)
    _assert_none_failed(traffic)
    entry = admin.get("/admin/api/audit", entity="model").json()["entries"][0]
    assert (entry["action"], entry["key"], entry["actor"]) == ("switch_failed", broken, "assistant")
    report = admin.get("/admin/api/models").json()["serving"][0]
    assert (report["version"], report["state"], report["target"]) == (active, "failed", broken)
