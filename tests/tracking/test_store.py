"""The masking tracker store, in process, on SQLite and PostgreSQL: what reaches the ``events`` rows.

Tried: 身份证号 (18 digits and with X), 手机号 with and without spaces around, a bank card number in
user text, entities, the resolver's verdict, slot values, bot text, button titles and metadata;
an empty message; a 100,000-character message full of numbers; non-string values (None, floats,
nested lists); ids made of digits (kept); saving the same tracker twice (no duplicate rows); the real
PostgreSQL restarted between two turns (the next read and write work at once).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.config import PROJECT_ROOT
from bot.tracking.events import tracker_engine
from bot.tracking.masking import mask_event
from bot.tracking.store import MaskingSQLTrackerStore
from tests.support.database import fresh_postgres_schema
from tests.support.services import restart_postgres

ID = "110101199003071234"
ID_X = "11010119900307123X"
PHONE = "13812345678"
CARD = "6222021234567890123"
RAW = (ID, ID_X, PHONE, CARD)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _rows(sender: str) -> List[Dict[str, Any]]:
    with tracker_engine().connect() as conn:
        rows = conn.execute(text("SELECT type_name, intent_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                            {"s": sender}).all()
    return [{"type": t, "intent": i, "data": d} for t, i, d in rows]


def _conversation() -> List[Event]:
    said = f"我的身份证{ID}，手机 {PHONE}，卡号{CARD}，还有{ID_X}"
    return [
        ActionExecuted("action_listen"),
        UserUttered(said, intent={"name": "ask_service_guide", "confidence": 0.91},
                    entities=[{"entity": "phone", "value": PHONE, "start": 16, "end": 27}],
                    parse_data={"text": said, "intent": {"name": "ask_service_guide", "confidence": 0.91},
                                "entities": [{"entity": "phone", "value": PHONE}],
                                "registry": {"outcome": "none", "candidates": [{"name": f"卡{CARD}"}]}},
                    input_channel="rest", message_id="12345678901234567890",
                    metadata={"contact": {"phones": [PHONE, None, 1.5]}}),
        SlotSet("callback_phone", PHONE),
        SlotSet("callback_note", f"请回电 {PHONE}"),
        BotUttered(f"已记录，会拨打 {PHONE}", data={"buttons": [{"title": f"改成 {PHONE}", "payload": "/affirm"}]},
                   metadata={"staff": "张敏", "note": ID}),
    ]


def _save(store: MaskingSQLTrackerStore, tracker: DialogueStateTracker) -> None:
    asyncio.run(store.save(tracker))


def test_rows_hold_only_masked_numbers_and_the_turn_keeps_them_whole(store_db: str, domain: Domain) -> None:
    """The events table on both databases: no full number in any row (user text, parse data,
    entities, slots, bot text, buttons, metadata); the in-memory tracker the turn's actions used
    still has them; ids and names are untouched."""
    store = MaskingSQLTrackerStore(domain=domain)
    tracker = DialogueStateTracker.from_events("resident-1", _conversation(), domain.slots)
    _save(store, tracker)

    rows = _rows("resident-1")
    assert [r["type"] for r in rows] == ["action", "user", "slot", "slot", "bot"]
    stored = " ".join(r["data"] for r in rows)
    for number in RAW:
        assert number not in stored, number
    decoded = [json.loads(r["data"]) for r in rows]
    user, phone_slot, _note, bot = decoded[1], decoded[2], decoded[3], decoded[4]
    assert "110101************" in user["text"] and "138****5678" in user["text"] and "6222" in user["text"]
    assert user["parse_data"]["entities"][0]["value"] == "138****5678"
    assert user["parse_data"]["registry"]["candidates"][0]["name"].startswith("卡6222")
    assert user["metadata"]["contact"]["phones"] == ["138****5678", None, 1.5]
    assert user["message_id"] == "12345678901234567890" and user["input_channel"] == "rest"
    assert rows[1]["intent"] == "ask_service_guide"
    assert phone_slot == {**phone_slot, "name": "callback_phone", "value": "138****5678"}
    assert bot["metadata"] == {"staff": "张敏", "note": "110101************"}
    assert bot["data"]["buttons"][0]["title"] == "改成 138****5678"

    # what the turn's actions saw is untouched; what a later turn reads back is masked
    assert tracker.get_slot("callback_phone") == PHONE
    assert PHONE in tracker.latest_message.text
    restored = asyncio.run(store.retrieve("resident-1"))
    assert restored is not None and restored.get_slot("callback_phone") == "138****5678"


def test_saving_again_appends_only_new_events(store_db: str, domain: Domain) -> None:
    """Rasa decides what is new by counting stored rows: masking must keep one row per event, so a
    second save of the same tracker adds nothing and a further turn adds exactly its events."""
    store = MaskingSQLTrackerStore(domain=domain)
    tracker = DialogueStateTracker.from_events("resident-2", _conversation(), domain.slots)
    _save(store, tracker)
    _save(store, tracker)
    assert len(_rows("resident-2")) == 5
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(f"再打 {PHONE}", intent={"name": "affirm", "confidence": 1.0}))
    _save(store, tracker)
    rows = _rows("resident-2")
    assert len(rows) == 7 and PHONE not in rows[-1]["data"] and "138****5678" in rows[-1]["data"]


def test_empty_and_huge_messages(store_db: str, domain: Domain) -> None:
    """An empty message is stored as it is; 100,000 characters of text with numbers every few
    characters is masked throughout (the channels cut messages at 10,000; the store must not care)."""
    store = MaskingSQLTrackerStore(domain=domain)
    huge = (f"号{PHONE}，证{ID}；" * 3500)[:100_000]
    events = [ActionExecuted("action_listen"), UserUttered("", intent={"name": "nlu_fallback"}),
              ActionExecuted("action_listen"), UserUttered(huge, intent={"name": "nlu_fallback"})]
    _save(store, DialogueStateTracker.from_events("resident-3", events, domain.slots))
    rows = _rows("resident-3")
    assert json.loads(rows[1]["data"])["text"] == ""
    assert PHONE not in rows[3]["data"] and ID not in rows[3]["data"]
    assert rows[3]["data"].count("138****5678") > 3000


def test_a_postgresql_restart_costs_no_turn(domain: Domain) -> None:
    """Rasa makes its engine without pool_pre_ping: after a restart every pooled connection is dead
    and the first read on it would fail the resident's turn. The store pings each one as it leaves
    the pool, so the read and the write right after the restart both work."""
    with fresh_postgres_schema("restart"):
        store = MaskingSQLTrackerStore(domain=domain)
        tracker = DialogueStateTracker.from_events("resident-5", _conversation(), domain.slots)
        _save(store, tracker)
        assert asyncio.run(store.retrieve("resident-5")) is not None  # a live connection left in the pool
        restart_postgres()
        restored = asyncio.run(store.retrieve("resident-5"))
        assert restored is not None and restored.get_slot("callback_phone") == "138****5678"
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("谢谢", intent={"name": "thank", "confidence": 1.0}))
        _save(store, tracker)
        assert len(_rows("resident-5")) == 7


@pytest.mark.parametrize("value", [None, 0.5, 13812345678, True, [], {}, ["a", {"b": [PHONE]}]])
def test_mask_event_leaves_non_text_values_alone(value: Any) -> None:
    """Only strings are masked: numbers, booleans and empty containers pass unchanged (an int that
    looks like a phone number is not a resident's text: Rasa keeps such values as numbers)."""
    event = {"event": "slot", "name": "x", "value": value, "timestamp": 1.0}
    masked = mask_event(event)
    expected = ["a", {"b": ["138****5678"]}] if isinstance(value, list) and value else value
    assert masked["value"] == expected and event["value"] is value
