"""The compiled action-response validation accepts and refuses exactly what Rasa's own does."""
from __future__ import annotations

from typing import Any, Dict

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlu.components  # noqa: F401  (importing the components installs the fix, as in Rasa)

GOOD: Dict[str, Any] = {
    "events": [{"event": "slot", "name": "service", "value": "普通护照"}],
    "responses": [{"text": "【普通护照】…", "buttons": [{"title": "多久办好", "payload": "/ask_time_limit"}]}],
}
BAD = [
    {"events": "not a list", "responses": []},
    {"events": [{"no_event_key": 1}], "responses": []},
    {"events": [], "responses": "text"},
]


def test_the_fix_is_installed_when_the_components_are_imported() -> None:
    assert RemoteAction._validate_action_result.__module__ == "bot.nlu.rasa_speedups"


def test_a_valid_response_passes_both_ways() -> None:
    jsonschema.validate(GOOD, RemoteAction.action_response_format_spec())  # Rasa's way
    assert RemoteAction("action_answer_service", None)._validate_action_result(GOOD) is True


@pytest.mark.parametrize("bad", BAD)
def test_an_invalid_response_is_refused_both_ways(bad: Dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError):
        RemoteAction("action_answer_service", None)._validate_action_result(bad)
