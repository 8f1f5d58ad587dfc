"""bot/action_failures.py: Rasa's own RemoteAction calling a real local HTTP server that plays the
action server, with the wrapper installed.

Tried: the action server answering 500 and 503 (an action crashed; HAProxy with no server left),
nothing listening on the port, a 400 rejection (a form rejecting a slot: Rasa's control flow, must
still raise), a normal answer (passed through unchanged), and a second failing action in the same
turn (no second notice), plus the notice after a new user message (said again).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Iterator, List

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import action_failures
from bot.action_failures import DEGRADED, unavailable_text
from tests.support.fake_http import FakeHttpServer, Reply, Request

DOMAIN = Domain.from_dict({"actions": ["action_answer_service"]})


class ActionServer(FakeHttpServer):
    """Answers every /webhook call with the status and body it is told."""

    name = "fake-action-server"

    def __init__(self) -> None:
        super().__init__()
        self.status = 200
        self.body: Any = {"events": [], "responses": []}

    def handle(self, request: Request) -> Reply:
        return Reply(self.status, json.dumps(self.body, ensure_ascii=False))


@pytest.fixture
def action_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ActionServer]:
    """The wrapper installed for this test only (RemoteAction.run restored afterwards)."""
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(action_failures, "_installed", False)
    action_failures.install()
    server = ActionServer().start()
    yield server
    server.stop()


def _run(url: str, events: List[Event]) -> List[Event]:
    action = RemoteAction("action_answer_service", EndpointConfig(f"{url}/webhook"))
    tracker = DialogueStateTracker.from_events("resident", events)
    return asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN))


TURN: List[Event] = [ActionExecuted("action_listen"), UserUttered("居住证怎么办")]


@pytest.mark.parametrize("status", [500, 503])
def test_an_error_from_the_action_server_becomes_one_polite_message(action_server: ActionServer, status: int) -> None:
    action_server.status, action_server.body = status, {"error": "boom"}
    (event,) = _run(action_server.url, TURN)
    assert isinstance(event, BotUttered)
    assert event.text == unavailable_text() and "12345" in event.text
    assert event.metadata == {"degraded": DEGRADED}
    assert len(action_server.requests) == 1


def test_nothing_listening_becomes_the_same_message(action_server: ActionServer) -> None:
    url = action_server.url
    action_server.stop()
    (event,) = _run(url, TURN)
    assert isinstance(event, BotUttered) and event.text == unavailable_text()


def test_a_rejection_still_raises(action_server: ActionServer) -> None:
    action_server.status = 400
    action_server.body = {"action_name": "action_answer_service", "error": "slot rejected"}
    with pytest.raises(ActionExecutionRejection):
        _run(action_server.url, TURN)


def test_a_normal_answer_passes_through(action_server: ActionServer) -> None:
    action_server.body = {"events": [{"event": "slot", "name": "district", "value": "东湖区"}],
                          "responses": [{"text": "办理居住证需要……"}]}
    bot, slot = _run(action_server.url, TURN)
    assert isinstance(bot, BotUttered) and bot.text == "办理居住证需要……"
    assert slot.as_dict()["value"] == "东湖区"


def test_said_once_per_turn(action_server: ActionServer) -> None:
    action_server.status = 500
    notice = BotUttered(unavailable_text(), metadata={"degraded": DEGRADED})
    assert _run(action_server.url, [*TURN, ActionExecuted("action_answer_service"), notice]) == []
    next_turn = [*TURN, notice, ActionExecuted("action_listen"), UserUttered("要带什么材料")]
    assert [e.text for e in _run(action_server.url, next_turn)] == [unavailable_text()]  # type: ignore[attr-defined]
