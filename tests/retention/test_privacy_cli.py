"""``python -m bot privacy export|delete|purge`` on SQLite and PostgreSQL, checked on the rows.

Each resident has what the product stores about a person: a conversation in the tracker store
(written by the masking store), a call-back ticket with its number, message and a staff note, a
work order with the department's reply, a 差评 with its follow-up, and WeChat rows (offered
choices, an undelivered message).

Tried: two residents (one request touches only its own); a deletion run twice; an unknown id; an
empty, blank and 10,000-character id (refused); ids with SQL LIKE wildcards (``%``, ``_``) and a
quote (matched literally); an open ticket and an open work order older than retention (kept by
the purge); a conversation still going on whose session began before the cutoff (kept); purge run
twice; --older-than 0 (refused).
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.__main__ import main
from bot.audit.models import AuditEntry
from bot.channels.wechat import repository as wechat_rows
from bot.config import PROJECT_ROOT
from bot.db import get_engine, session_scope
from bot.desk import tickets
from bot.ratings.store import record_rating
from bot.retention.rows import sender_digest
from bot.tracking.events import tracker_engine
from bot.tracking.store import MaskingSQLTrackerStore
from bot.workorders import handling
from bot.workorders.store import file_order

PHONE = "13812345678"
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _talk(domain: Domain, sender: str, at: datetime, session_at: Optional[datetime] = None) -> None:
    """One conversation session of a resident, written by the product's tracker store."""
    start = (session_at or at).timestamp()
    events: List[Event] = [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
                           ActionExecuted("action_listen", timestamp=start),
                           UserUttered(f"请回电 {PHONE}", intent={"name": "handoff"}, timestamp=at.timestamp()),
                           BotUttered("好的", timestamp=at.timestamp())]
    store = MaskingSQLTrackerStore(domain=domain)
    old = asyncio.run(store.retrieve(sender))
    tracker = old or DialogueStateTracker.from_events(sender, [], domain.slots)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def _resident(domain: Domain, sender: str, at: datetime) -> Dict[str, Any]:
    _talk(domain, sender, at)
    ticket = tickets.open_ticket("wechat", sender, kind="callback", question=f"问：落户 {PHONE}",
                                 callback_phone=PHONE, callback_note="下午方便", now=at)
    tickets.add_note(ticket.id, "zhangmin", f"已拨打 {PHONE}，无人接听", now=at)
    tickets.close(ticket.id, "zhangmin", "已回电", False, now=at)
    order = file_order("wechat", sender, "投诉求助", "湖滨路路灯坏了", department="市城市管理局",
                       place="东湖区湖滨路88号", phone=PHONE, now=at)
    handling.change_status(order.id, "办理中", "zhangmin", now=at)
    handling.add_reply(order.id, "zhangmin", "已派人维修", now=at)
    handling.change_status(order.id, "办结", "zhangmin", now=at)
    record_rating(sender, "wechat", None, 1, now=at)
    wechat_rows.record_failure(sender, 45015, "out of window", preview="您的工单已办结", now=at.timestamp())
    wechat_rows.save_choices(sender, [{"title": "居住证", "payload": "/inform"}], now=at.timestamp())
    return {"ticket": ticket.id, "order": order.id, "number": order.number}


def _cli(capsys: pytest.CaptureFixture, *argv: str) -> Any:
    code = main(["privacy", *argv])
    out = capsys.readouterr().out
    return code, out


def _tracker_rows(sender: str) -> int:
    with tracker_engine().connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar())


def _app_rows(sql: str, **params: Any) -> List[Any]:
    with get_engine().connect() as conn:
        return list(conn.execute(text(sql), params).all())


def test_export_is_one_residents_data_whole(store_db: str, domain: Domain, capsys: pytest.CaptureFixture) -> None:
    mine = _resident(domain, "o_alice", NOW - timedelta(days=3))
    _resident(domain, "o_bob", NOW - timedelta(days=3))
    code, out = _cli(capsys, "export", "--sender", "o_alice")
    assert code == 0
    data = json.loads(out)
    assert data["sender_id"] == "o_alice" and "o_bob" not in out
    said = [e["text"] for e in data["conversation"] if e["event"] == "user"]
    assert said == ["请回电 138****5678"], "the conversation as stored: masked"
    (ticket,) = data["tickets"]
    assert ticket["id"] == mine["ticket"] and ticket["callback_phone"] == PHONE  # the resident's own, in full
    assert [n["author"] for n in ticket["notes"]] == ["zhangmin"] and ticket["history"]
    (order,) = data["work_orders"]
    assert order["number"] == mine["number"] and order["place"] == "东湖区湖滨路88号"
    assert [r["text"] for r in order["replies"]] == ["已派人维修"] and order["history"]
    (rating,) = data["ratings"]
    assert rating["level"] == 1 and rating["followup"]["status"] == "open"
    assert data["wechat"]["offered_choices"]["choices"] == [{"title": "居住证", "payload": "/inform"}]
    assert [f["errcode"] for f in data["wechat"]["delivery_failures"]] == [45015]


def test_delete_erases_one_resident_in_every_store(store_db: str, domain: Domain,
                                                   capsys: pytest.CaptureFixture) -> None:
    mine = _resident(domain, "o_alice", NOW - timedelta(days=3))
    theirs = _resident(domain, "o_bob", NOW - timedelta(days=3))
    wechat_rows.claim_key("wechat:gh_1:evt:o_alice:1700000000", 300)
    wechat_rows.claim_key("wechat:gh_1:evt:o_bob:1700000000", 300)
    code, out = _cli(capsys, "delete", "--sender", "o_alice", "--json")
    assert code == 0
    counts = json.loads(out)
    assert counts == {"conversation_events": 5, "ticket_notes": 1, "tickets": 1, "work_orders": 1, "ratings": 1,
                      "wechat_rows": 3}

    assert _tracker_rows("o_alice") == 0 and _tracker_rows("o_bob") == 5
    (ticket,) = _app_rows("SELECT sender_id, question, callback_phone, callback_note, status FROM desk_ticket "
                          "WHERE id = :i", i=mine["ticket"])
    assert tuple(ticket) == ("", "", None, None, "closed")
    assert _app_rows("SELECT id FROM desk_ticket_note WHERE ticket_id = :i", i=mine["ticket"]) == []
    (order,) = _app_rows("SELECT number, sender_id, what, place, phone, reply, status FROM work_order WHERE id = :i",
                         i=mine["order"])
    assert tuple(order) == (mine["number"], "", "", None, None, None, "办结"), "the number stays, never reused"
    assert [r[0] for r in _app_rows("SELECT text FROM work_order_reply WHERE order_id = :i", i=mine["order"])] == [""]
    assert _app_rows("SELECT level FROM rating WHERE sender_id = ''") == [(1,)]
    assert _app_rows("SELECT openid FROM wechat_offered_choices") == [("o_bob",)]
    assert [r[0] for r in _app_rows("SELECT key FROM wechat_dedup_key")] == ["wechat:gh_1:evt:o_bob:1700000000"]
    # the other resident is untouched
    assert _app_rows("SELECT callback_phone FROM desk_ticket WHERE id = :i", i=theirs["ticket"]) == [(PHONE,)]
    assert _app_rows("SELECT phone FROM work_order WHERE id = :i", i=theirs["order"]) == [(PHONE,)]
    # audited without the id itself; a second request finds nothing
    with session_scope() as session:
        entries = session.query(AuditEntry).filter(AuditEntry.entity == "privacy").all()
        assert [(e.key, e.action) for e in entries] == [(sender_digest("o_alice"), "delete")]
        assert "o_alice" not in entries[0].summary
    code, out = _cli(capsys, "delete", "--sender", "o_alice", "--json")
    assert code == 0 and set(json.loads(out).values()) == {0}
    code, out = _cli(capsys, "export", "--sender", "o_alice")
    data = json.loads(out)
    assert data["conversation"] == data["tickets"] == data["work_orders"] == data["ratings"] == []


@pytest.mark.parametrize("sender", ["%", "_", "o_%", "'; DROP TABLE events; --", "nobody"])
def test_wildcards_and_quotes_match_only_themselves(store_db: str, domain: Domain, capsys: pytest.CaptureFixture,
                                                    sender: str) -> None:
    _resident(domain, "o_bob", NOW - timedelta(days=3))
    wechat_rows.claim_key("wechat:gh_1:evt:o_bob:1700000000", 300)
    code, out = _cli(capsys, "delete", "--sender", sender, "--json")
    assert code == 0 and set(json.loads(out).values()) == {0}
    assert _tracker_rows("o_bob") == 5 and len(_app_rows("SELECT key FROM wechat_dedup_key")) == 1


@pytest.mark.parametrize("argv", [["export", "--sender", ""], ["delete", "--sender", "   "],
                                  ["delete", "--sender", "x" * 10_000], ["purge", "--older-than", "0"],
                                  ["purge", "--older-than", "-5"]])
def test_bad_arguments_are_refused(store_db: str, capsys: pytest.CaptureFixture, argv: List[str]) -> None:
    assert main(["privacy", *argv]) == 2
    assert "错误" in capsys.readouterr().err


def test_purge_clears_what_is_past_retention_only(store_db: str, domain: Domain,
                                                  capsys: pytest.CaptureFixture) -> None:
    old = _resident(domain, "o_old", NOW - timedelta(days=200))
    recent = _resident(domain, "o_recent", NOW - timedelta(days=10))
    # still open although old: a waiting call-back and an order with the department
    waiting = tickets.open_ticket("rest", "r_waiting", kind="callback", callback_phone=PHONE,
                                  now=NOW - timedelta(days=300))
    open_order = file_order("rest", "r_waiting", "投诉求助", "噪音扰民", department="市生态环境局", phone=PHONE,
                            now=NOW - timedelta(days=300))
    # a conversation whose earlier session is old and whose current one is going on
    _talk(domain, "o_returning", NOW - timedelta(days=250))
    _talk(domain, "o_returning", NOW - timedelta(minutes=5))
    # a session that began just before the cutoff and is still going on: kept whole
    _talk(domain, "o_long", NOW - timedelta(minutes=1), session_at=NOW - timedelta(days=181))

    code, out = _cli(capsys, "purge", "--older-than", "180", "--json")
    assert code == 0
    assert json.loads(out) == {"conversation_events": 10, "conversations": 1, "ticket_notes": 1, "tickets": 1,
                               "work_orders": 1, "ratings": 1, "wechat_rows": 2}
    assert _tracker_rows("o_old") == 0 and _tracker_rows("o_recent") == 5
    assert _tracker_rows("o_returning") == 5 and _tracker_rows("o_long") == 5
    assert _app_rows("SELECT sender_id, callback_phone FROM desk_ticket WHERE id = :i", i=old["ticket"]) == [("", None)]
    assert _app_rows("SELECT phone FROM work_order WHERE id = :i", i=old["order"]) == [(None,)]
    assert _app_rows("SELECT callback_phone FROM desk_ticket WHERE id = :i", i=recent["ticket"]) == [(PHONE,)]
    assert _app_rows("SELECT callback_phone, status FROM desk_ticket WHERE id = :i", i=waiting.id) == [
        (PHONE, "waiting")]
    assert _app_rows("SELECT phone FROM work_order WHERE id = :i", i=open_order.id) == [(PHONE,)]
    assert _app_rows("SELECT sender_id FROM rating ORDER BY id") == [("",), ("o_recent",)]
    assert _app_rows("SELECT openid FROM wechat_delivery_failure") == [("o_recent",)]

    code, out = _cli(capsys, "purge", "--older-than", "180", "--json")
    assert code == 0 and set(json.loads(out).values()) == {0}, "a second run finds nothing more"


def test_deleting_residents_who_wait_for_the_desk_closes_their_tickets(store_db: str,
                                                                      capsys: pytest.CaptureFixture) -> None:
    """Two residents waiting in the queue ask for deletion: both open tickets close (an erased
    sender is shared, and a conversation may hold one open ticket only)."""
    first = tickets.open_ticket("socketio", "s_first", question="转人工")
    second = tickets.open_ticket("socketio", "s_second", question="转人工")
    for sender in ("s_first", "s_second"):
        assert main(["privacy", "delete", "--sender", sender]) == 0
    assert "已删除" in capsys.readouterr().out
    rows = _app_rows("SELECT id, status, sender_id, closed_by FROM desk_ticket ORDER BY id")
    assert [tuple(r) for r in rows] == [(first.id, "closed", "", "privacy"), (second.id, "closed", "", "privacy")]
    assert tickets.open_live_ticket("s_first") is None
