"""Training from the console against the real stack: examples of a new way to say thanks added in the NLU
editor (on a copy of data/), a version's training started from ``/admin/api/models/train`` — it runs in
the background while the assistant keeps answering, and while this package's other tests run; the cycle
continues in test_switch.py.

Bad input tried: a second training request while one runs (409, the run named), a request from staff (403).
"""
from __future__ import annotations

from typing import Any, Dict

import requests

from bot.models import trainer
from tests.models.conftest import NEW_THANKS, Lifecycle, Started
from tests.support.admin_console import in_repository
from tests.support.chat import Chat


def test_training_starts_from_the_console(second_started: Started, stack: Any, lifecycle: Lifecycle,
                                          first: Dict[str, Any]) -> None:
    answers = second_started.answers
    assert answers["start"]["version"] != first["version"] and answers["start"]["by"] == second_started.admin.username
    status, refused = answers["again"]
    assert status == 409 and "已有一次训练在进行中" in refused["error"] and second_started.version in refused["error"]
    assert answers["staff"] == 403
    assert not in_repository(NEW_THANKS[0]), "the console wrote the copy, never data/"
    assert trainer.running(lifecycle.root) or trainer.status(lifecycle.root)["state"] == "ready"
    assert "居住证" in Chat(stack.rasa_url).say("居住证怎么办"), "the assistant answers while a version trains"
    for text in NEW_THANKS:  # still version 1: the examples wait for the next version
        parsed = requests.post(f"{stack.rasa_url}/model/parse", params={"token": stack.api_token}, json={"text": text},
                               timeout=60).json()
        assert parsed["intent"]["name"] != "thanks", parsed["intent"]
    editor = second_started.admin.get("/admin/api/nlu/status").json()
    assert editor["trainer"]["version"] == second_started.version and editor["trainer"]["message"]
