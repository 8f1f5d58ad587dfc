"""Conversations in Rasa's SQL tracker store on the real stack: masked rows, whole numbers within a
turn, and a conversation paused for the desk that outlives a restart of Rasa.

Tried: 身份证号, 手机号 and a bank card number typed in one message; a call-back number written with
spaces (the action normalises and files it in the same turn); a wrong number first; a message sent
to a paused conversation right after the restart; 取消 after the restart.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
from sqlalchemy import select

from bot.db import session_scope
from bot.desk import tickets
from bot.desk.models import Ticket
from bot.tracking.events import stored_events
from tests.support.chat import Chat
from tests.support.desk import ALWAYS_OPEN, NEVER_OPEN, write_hours
from tests.support.stack import free_port

PHONE = "13812345678"
ID = "110101199003071234"
CARD = "6222021234567890123"


def _rows_text(stack: Any, sender: str) -> str:
    events = stored_events(sender, stack.tracker_db_url)
    assert events, "no row for the conversation in the tracker database"
    return json.dumps(events, ensure_ascii=False)


def test_personal_numbers_are_masked_in_the_stored_rows(rasa_stack: Any) -> None:
    chat = Chat(rasa_stack.rasa_url)
    chat.say(f"我的身份证号{ID}，手机{PHONE}，银行卡{CARD}，怎么办居住证")
    stored = _rows_text(rasa_stack, chat.sender)
    assert ID not in stored and PHONE not in stored and CARD not in stored
    assert "110101************" in stored and "138****5678" in stored and "6222***********0123" in stored
    # the tracker of the test stack is its own temporary file, not the project's var/
    assert "/var/" not in rasa_stack.tracker_db_url and rasa_stack.tracker_db_url.endswith(".trackers.db")


def test_a_number_used_in_the_same_turn_reaches_the_action_whole(rasa_stack: Any, desk_hours_file: Path) -> None:
    """The call-back form's last answer is the phone number: validated and filed by the action
    server in that turn (the ticket keeps the full number for the logged reveal), masked in every
    stored event, and masked in the tracker a later turn reads."""
    write_hours(desk_hours_file, NEVER_OPEN)
    try:
        chat = Chat(rasa_stack.rasa_url)
        assert "请用一两句话说明" in chat.say("转人工")
        assert "手机号" in chat.say("想问新生儿落户要带什么")
        assert "号码好像不对" in chat.say("12345")
        assert "已记录您的留言" in chat.say("138 1234 5678")
    finally:
        write_hours(desk_hours_file, ALWAYS_OPEN)
    with session_scope() as session:
        phones = session.execute(select(Ticket.callback_phone).where(Ticket.sender_id == chat.sender)).scalars().all()
    assert phones == [PHONE]
    stored = _rows_text(rasa_stack, chat.sender)
    assert PHONE not in stored and "138 1234 5678" not in stored and "138****5678" in stored


@pytest.fixture()
def own_stack(model_path: Path, database_url: str, tmp_path: Path) -> Iterator[Any]:
    """A stack of its own (no page server) whose Rasa the test restarts; its own tracker file."""
    from bot.runner import Ports, Stack

    hours = tmp_path / "hours.yml"
    write_hours(hours, ALWAYS_OPEN)
    stack = Stack(ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()), model=model_path,
                  env={"DATABASE_URL": database_url, "DESK_HOURS_FILE": str(hours),
                       "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'conversations.db'}"},
                  log_dir=tmp_path / "logs", with_web=False)
    stack.start()
    yield stack
    stack.stop()


def _tracker(stack: Any, sender: str) -> Dict[str, Any]:
    response = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                            params={"token": stack.api_token, "include_events": "ALL"}, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def _user_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e.get("text") or "" for e in tracker["events"] if e.get("event") == "user"]


def test_a_conversation_paused_for_the_desk_survives_a_restart(own_stack: Any, tmp_path: Path) -> None:
    chat = Chat(own_stack.rasa_url)
    assert "居住证" in chat.say(f"东湖区居住证怎么办，我电话{PHONE}")
    assert "已为您转接人工客服" in chat.say("转人工")
    ticket = tickets.open_live_ticket(chat.sender)
    assert ticket is not None and ticket.status == "waiting"

    own_stack.restart_rasa()

    tracker = _tracker(own_stack, chat.sender)
    assert tracker["paused"] is True
    assert _user_texts(tracker)[-2:] == ["东湖区居住证怎么办，我电话138****5678", "转人工"]
    assert chat.send("还在吗？") == []  # still with the desk: the bot stays silent, the desk is told
    noted = tickets.get_ticket(ticket.id)
    assert noted is not None and noted.resident_messages == ticket.resident_messages + 1
    assert "已取消人工服务排队" in chat.say("取消")
    assert _tracker(own_stack, chat.sender)["paused"] is False
    assert (tmp_path / "conversations.db").exists()
