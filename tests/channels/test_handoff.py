"""bot/channels/handoff.deliver, the path of every channel's messages: a turn that fails as a whole.

Tried: the assistant raising (as when its database or Redis is down) with a collecting output channel
(the resident is told once, the error still reaches the channel for its log), with no output channel
(nothing to tell, still raised), with an output channel that itself fails (the original error wins),
and a turn that works (no notice).
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.action_failures import turn_failed_text
from bot.channels.handoff import deliver
from tests.support.database import fresh_database


@pytest.fixture(autouse=True)
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "handoff.db") as url:  # no open ticket: straight to the assistant
        yield url


class Broken(CollectingOutputChannel):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        raise ConnectionError("socket gone")


async def _store_down(message: UserMessage) -> None:
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_failed_turn_is_told_then_raised() -> None:
    out = CollectingOutputChannel()
    with pytest.raises(ConnectionError, match="6379"):
        asyncio.run(deliver(UserMessage("居住证怎么办", out, "resident-1"), _store_down))
    assert [m["text"] for m in out.messages] == [turn_failed_text()]
    assert "12345" in turn_failed_text()


@pytest.mark.parametrize("output", [None, Broken()])
def test_nobody_to_tell_still_raises_the_turns_error(output: Any) -> None:
    with pytest.raises(ConnectionError, match="6379"):
        asyncio.run(deliver(UserMessage("居住证怎么办", output, "resident-2"), _store_down))


def test_a_working_turn_gets_no_notice() -> None:
    out = CollectingOutputChannel()
    seen: List[str] = []

    async def answer(message: UserMessage) -> str:
        seen.append(message.text or "")
        await out.send_text_message(message.sender_id, "居住证在派出所办理")
        return "ok"

    assert asyncio.run(deliver(UserMessage("居住证怎么办", out, "resident-3"), answer)) == "ok"
    assert seen == ["居住证怎么办"] and [m["text"] for m in out.messages] == ["居住证在派出所办理"]
