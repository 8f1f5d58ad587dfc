"""The resident-text guard every channel applies (bot/channels/guard.py).

Contract, read from the module and its callers (rest.py, webchat.py, wechat/channel.py):
a leading "/" that a resident *typed* never reaches Rasa as a command; the payload of one of the
bot's own buttons, sent with ``metadata.button is True``, passes unchanged.

"Rasa reads a command" is decided by Rasa's own parser (``YAMLStoryReader.unpack_regex_message``,
what the processor and RegexMessageHandler use), not by a re-implementation of it.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
from rasa.shared.core.constants import DEFAULT_INTENTS
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.channels.guard import (
    BUTTON_INTENTS,
    FULLWIDTH_SLASH,
    MAX_MESSAGE_CHARS,
    escape_user_text,
    guard_message,
    is_allowed_button,
)
from tests.support.channel_server import serve_channels

BUTTON = {"button": True}


def rasa_command(text: str) -> Optional[str]:
    """The intent Rasa would take from ``text`` as a ``/intent{...}`` command, else None."""
    unpacked = YAMLStoryReader.unpack_regex_message(Message({TEXT: text}))
    intent = unpacked.get(INTENT)
    return intent.get("name") if intent else None


# --- typed slashes -----------------------------------------------------------------------------

TYPED_COMMANDS = [
    "/restart",  # plain
    "/session_start",  # Rasa's own intent
    "/back",
    '/handoff{"reason": "x"}',  # an intent with entities
    '/inform{"district": "东湖区"}',  # looks exactly like a bot button, but typed (no metadata)
    "/affirm",
    "   /restart",  # leading spaces
    "\n\t/restart",  # leading newline and tab
    "\u3000/restart",  # ideographic (full-width) space before the slash
    "//restart",  # doubled slash
    "/",  # a slash alone
    "/restart" + "办" * 50,  # slash then Chinese
    "/RESTART",  # upper case
]


@pytest.mark.parametrize("typed", TYPED_COMMANDS)
def test_a_typed_leading_slash_is_escaped_and_never_a_command(typed: str) -> None:
    """Hostile input: commands typed into the chat box, with and without leading whitespace."""
    guarded = guard_message(typed, None)
    assert guarded.startswith(FULLWIDTH_SLASH)
    assert guarded == FULLWIDTH_SLASH + typed.lstrip()[1:]  # the rest of the text is kept as typed
    assert rasa_command(guarded) is None


def test_the_check_above_can_fail_rasa_does_read_an_unescaped_typed_command() -> None:
    """Sanity of the oracle: without the guard Rasa really takes these as intents."""
    assert rasa_command("/restart") == "restart"
    assert rasa_command("   /session_start") == "session_start"
    assert rasa_command('/inform{"district": "东湖区"}') == "inform"


@pytest.mark.parametrize("text", [
    "护照怎么办",
    "护照/身份证哪个能用",  # a slash inside the text
    "http://example.gov.cn/path",  # URL, slash not leading
    "a/b",
    "／restart",  # already full-width: Rasa does not read it
    "  护照  ",  # whitespace around ordinary text is not touched by the escape
    "",
])
def test_text_without_a_leading_slash_is_left_exactly_as_typed(text: str) -> None:
    """Ordinary, URL, inner-slash, full-width-slash and empty text: unchanged."""
    assert escape_user_text(text) == text
    assert guard_message(text, None) == text


def test_escape_keeps_everything_after_the_slash() -> None:
    """Mixed hostile text: Chinese, JSON, newlines after the slash are all kept (only the slash changes)."""
    typed = '/inform{"district":"东湖区"}\n第二行'
    assert escape_user_text(typed) == FULLWIDTH_SLASH + typed[1:]


# --- non-text and huge -------------------------------------------------------------------------

def test_none_becomes_empty_text() -> None:
    assert guard_message(None, None) == ""
    assert guard_message(None, BUTTON) == ""


@pytest.mark.parametrize("value", [b"/restart", ["/restart"], {"text": "/restart"}, 42, 3.5])
def test_non_text_never_becomes_a_command(value: Any) -> None:
    """Malformed input: bytes, list, dict and numbers where text was expected."""
    guarded = guard_message(value, BUTTON)
    assert isinstance(guarded, str)
    assert rasa_command(guarded) is None


def test_a_non_text_value_whose_string_starts_with_a_slash_is_escaped() -> None:
    """An object whose str() is a typed command: converted first, then escaped."""
    class Sneaky:
        def __str__(self) -> str:
            return "/restart"

    assert guard_message(Sneaky(), None) == FULLWIDTH_SLASH + "restart"


def test_huge_text_is_cut_to_the_limit() -> None:
    """Huge input: 50 000 characters."""
    guarded = guard_message("办" * 50_000, None)
    assert guarded == "办" * MAX_MESSAGE_CHARS


def test_huge_typed_command_is_cut_and_still_escaped() -> None:
    guarded = guard_message("/restart" + "x" * 50_000, None)
    assert len(guarded) == MAX_MESSAGE_CHARS
    assert guarded.startswith(FULLWIDTH_SLASH + "restart")


def test_huge_button_payload_is_not_let_through() -> None:
    """A button-flagged payload longer than the limit is cut, no longer valid JSON, so escaped."""
    payload = '/inform{"service": "' + "x" * 20_000 + '"}'
    guarded = guard_message(payload, BUTTON)
    assert guarded.startswith(FULLWIDTH_SLASH)
    assert rasa_command(guarded) is None


# --- button payloads ---------------------------------------------------------------------------

@pytest.mark.parametrize("payload, intent", [
    ("/affirm", "affirm"),
    ("/request_human", "request_human"),
    ('/inform{"district": "东湖区"}', "inform"),
    ('/inform{"service": "居住证首次申领", "situation": "S1"}', "inform"),
    ("/inform{}", "inform"),
    ("/ask_fee", "ask_fee"),
])
def test_a_button_payload_passes_and_rasa_reads_it(payload: str, intent: str) -> None:
    assert guard_message(payload, BUTTON) == payload
    assert rasa_command(guard_message(payload, BUTTON)) == intent


def test_a_button_payload_is_stripped_of_surrounding_whitespace() -> None:
    """Whitespace around a button payload (some clients add a newline)."""
    assert guard_message('  /inform{"district": "东湖区"}\n', BUTTON) == '/inform{"district": "东湖区"}'


@pytest.mark.parametrize("payload", [
    "/restart",  # Rasa's own intents are never buttons
    "/session_start",
    "/back",
    "/out_of_scope",  # a real intent, but no button offers it
    "/greet",
    "/Inform",  # case differs
    "/inform@0.99",  # Rasa's confidence syntax
    '/inform{"district": 1}',  # value not text
    '/inform{"district": null}',
    '/inform{"district": {"nested": "x"}}',  # nested object
    '/inform["东湖区"]',  # JSON array, not an object
    "/inform{not json}",  # malformed JSON
    '/inform{"a": "b"}{"c": "d"}',  # two objects
    '/inform{"a": "b"}\n/restart',  # a second command on the next line
    '/inform{"a": "b"} trailing',
    '/inform {"a": "b"}',  # space between intent and entities
    "/" + "a" * 41,  # intent name longer than any allowed
    "/inform{\"district\": \"" + "东" * 101 + "\"}",  # an entity value longer than 100 characters
    '/inform{"district": "东湖区", "district": "' + "x" * 101 + '"}',  # duplicated key, the long one wins
])
def test_a_button_flag_does_not_let_other_payloads_through(payload: str) -> None:
    """Hostile input: a client claims a button click for a payload no bot button carries."""
    assert not is_allowed_button(payload)
    guarded = guard_message(payload, BUTTON)
    assert guarded.startswith(FULLWIDTH_SLASH)
    assert rasa_command(guarded) is None


def test_entity_value_length_limit_is_100_characters() -> None:
    """Boundary: 100 characters pass, 101 do not."""
    assert is_allowed_button(json_payload("inform", district="东" * 100))
    assert not is_allowed_button(json_payload("inform", district="东" * 101))


@pytest.mark.parametrize("metadata", [
    None, {}, {"button": "true"}, {"button": 1}, {"button": "yes"}, {"button": [True]},
    {"Button": True}, [("button", True)], "button",
])
def test_only_a_literal_true_button_flag_counts(metadata: Any) -> None:
    """Malformed metadata: strings, 1, lists, wrong key case, non-dict metadata."""
    guarded = guard_message("/affirm", metadata)
    assert guarded == FULLWIDTH_SLASH + "affirm"


def test_button_intents_are_domain_intents_and_none_of_rasas_own() -> None:
    """A button intent Rasa does not know would be useless; one of Rasa's own would be a hole."""
    import yaml

    from bot.config import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) >= BUTTON_INTENTS
    assert not BUTTON_INTENTS & set(DEFAULT_INTENTS)
    for intent in DEFAULT_INTENTS:
        assert not is_allowed_button(f"/{intent}")


def json_payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


def test_every_button_the_actions_build_from_the_seed_passes(database_url: str) -> None:
    """The bot's own buttons (service, situation, district, follow-ups) built by actions.common.payload
    from the whole seed registry must pass, or a click would be escaped and lost."""
    from sqlalchemy import select

    from actions.common import DISTRICTS_ANY, payload
    from bot.db import session_scope
    from bot.registry.models import Location, ServiceItem, Situation

    with session_scope(database_url) as session:
        services = list(session.scalars(select(ServiceItem.name)))
        situations = list(session.scalars(select(Situation.code)))
        districts = [d for d in session.scalars(select(Location.district)) if d]
    assert services and situations and districts
    payloads = (
        [payload("inform", service=name) for name in services]
        + [payload("inform", situation=code) for code in situations]
        + [payload("inform", district=d) for d in [*districts, DISTRICTS_ANY]]
        + [payload(intent)
           for intent in ("request_human", "ask_materials", "ask_time_limit", "ask_where", "ask_online")]
    )
    refused = [p for p in payloads if guard_message(p, BUTTON) != p]
    assert refused == []


# --- the channels really apply it --------------------------------------------------------------

class _Recorder:
    """Stands in for Rasa's agent: records the UserMessage texts a channel hands over."""

    def __init__(self) -> None:
        self.texts: List[Optional[str]] = []
        self.metadata: List[Any] = []

    async def __call__(self, message: Any) -> None:
        self.texts.append(message.text)
        self.metadata.append(message.metadata)

    async def handle_message(self, message: Any) -> None:  # what rasa's register() calls
        await self(message)


@pytest.fixture
def rest_webhook() -> Iterator[tuple]:
    """GuardedRestInput registered the way Rasa registers input channels, in a real Sanic server."""
    from bot.channels.rest import GuardedRestInput

    recorder = _Recorder()
    server = serve_channels([GuardedRestInput()], recorder, name="guard_test")
    yield f"{server.url}/webhooks/rest/webhook", recorder
    server.stop()


@pytest.mark.parametrize("body, seen", [
    ({"sender": "r1", "message": "/restart"}, FULLWIDTH_SLASH + "restart"),
    ({"sender": "r1", "message": "  /session_start"}, FULLWIDTH_SLASH + "session_start"),
    ({"sender": "r1", "message": "/restart", "metadata": {"button": True}}, FULLWIDTH_SLASH + "restart"),
    ({"sender": "r1", "message": "/affirm", "metadata": {"button": True}}, "/affirm"),
    ({"sender": "r1", "message": "/affirm", "metadata": {"button": "true"}}, FULLWIDTH_SLASH + "affirm"),
    ({"sender": "r1", "message": ["/restart"]}, ""),  # not text
    ({"sender": "r1", "message": "護照怎麼辦"}, "護照怎麼辦"),  # the guard does not normalise
])
def test_rest_webhook_hands_rasa_the_guarded_text(rest_webhook: tuple, body: Dict[str, Any], seen: str) -> None:
    url, recorder = rest_webhook
    response = requests.post(url, json=body, timeout=10)
    assert response.status_code == 200
    assert recorder.texts == [seen]


def test_rest_webhook_streaming_path_is_guarded_too(rest_webhook: tuple) -> None:
    """Rasa's ?stream=true path builds its own UserMessage: it must still go through the guard."""
    url, recorder = rest_webhook
    response = requests.post(url + "?stream=true", json={"sender": "r2", "message": "/restart"}, timeout=10)
    assert response.status_code == 200
    assert recorder.texts == [FULLWIDTH_SLASH + "restart"]


async def test_webchat_socket_messages_are_guarded() -> None:
    """The Socket.IO ``user_uttered`` handler Rasa registers hands the guarded text on."""
    from bot.channels.webchat import WebChatInput

    recorder = _Recorder()
    channel = WebChatInput()
    channel.blueprint(recorder)
    handler = channel.sio.handlers["/"]["user_uttered"]
    await handler("sid-1", {"message": "/restart"})
    await handler("sid-1", {"message": '/inform{"district": "东湖区"}', "metadata": {"button": True}})
    await handler("sid-1", {"message": '/inform{"district": "东湖区"}'})  # same payload, typed
    await handler("sid-1", {"message": "/back", "metadata": json.dumps({"button": True})})
    assert recorder.texts == [
        FULLWIDTH_SLASH + "restart",
        '/inform{"district": "东湖区"}',
        FULLWIDTH_SLASH + 'inform{"district": "东湖区"}',
        FULLWIDTH_SLASH + "back",
    ]
