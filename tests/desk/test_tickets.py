"""The ticket store on SQLite and on PostgreSQL: the queue, claims under a real race, closing.

Tried: two staff claiming at once (threads, both databases), the same conversation opening two
tickets at once, cancelling after a claim, replies and notes on closed tickets, personal numbers
in summaries and notes, transfers to oneself, empty outcomes.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import List, Tuple

import pytest

from bot.desk import tickets
from bot.desk.tickets import TicketError

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def _open(sender: str, **kwargs: object) -> tickets.TicketInfo:
    return tickets.open_ticket("socketio", sender, **kwargs)  # type: ignore[arg-type]


def test_queue_positions_and_one_open_ticket_per_conversation(store_db: str) -> None:
    first = _open("s1", question="新生儿怎么上户口", answer="请问孩子是在本市出生的吗？", service="出生登记")
    second = _open("s2", question="社保卡丢了", now=T0 + timedelta(seconds=5))
    assert [tickets.queue_position(first.id), tickets.queue_position(second.id)] == [1, 2]
    assert _open("s1").id == first.id  # asking again while waiting: the same ticket
    assert first.summary == "问：新生儿怎么上户口\n答：请问孩子是在本市出生的吗？"
    tickets.claim(first.id, "zhang")
    assert tickets.queue_position(second.id) == 1
    assert [t.id for t in tickets.list_tickets("waiting")] == [second.id]
    assert [t.id for t in tickets.list_tickets("active")] == [first.id]


def test_two_threads_opening_for_one_conversation_get_one_ticket(store_db: str) -> None:
    barrier = threading.Barrier(4)
    ids: List[int] = []

    def open_one() -> None:
        barrier.wait()
        ids.append(_open("racer").id)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and len(ids) == 4


def _race_to_claim(ticket_id: int, users: Tuple[str, ...]) -> Tuple[List[str], List[str]]:
    """Every user claims at the same moment; who won and the refusals."""
    barrier = threading.Barrier(len(users))
    won: List[str] = []
    refused: List[str] = []

    def claim(user: str) -> None:
        barrier.wait()
        try:
            tickets.claim(ticket_id, user)
            won.append(user)
        except TicketError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=claim, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, refused


def test_exactly_one_of_two_staff_claiming_at_once_wins(store_db: str) -> None:
    for round_ in range(5):  # a race can be won by luck once: run it several times
        ticket = _open(f"race-{round_}")
        won, refused = _race_to_claim(ticket.id, ("li", "wang"))
        assert len(won) == 1 and len(refused) == 1, (won, refused)
        assert refused[0] == f"该工单已由 {won[0]} 接待"
        assert tickets.get_ticket(ticket.id).assignee == won[0]  # type: ignore[union-attr]
        assert tickets.claim(ticket.id, won[0]).assignee == won[0]  # the winner again: no error


def test_cancel_only_while_waiting(store_db: str) -> None:
    waiting = _open("c1")
    assert tickets.cancel_by_resident(waiting.id) is True
    cancelled = tickets.get_ticket(waiting.id)
    assert cancelled is not None and cancelled.status == "closed" and cancelled.outcome == "居民取消等待"
    assert tickets.open_live_ticket("c1") is None
    claimed = _open("c2")
    tickets.claim(claimed.id, "zhang")
    assert tickets.cancel_by_resident(claimed.id) is False  # staff already answering: not cancelled
    assert tickets.open_live_ticket("c2") is not None


def test_holder_rules_transfer_and_close(store_db: str) -> None:
    ticket = _open("h1")
    with pytest.raises(TicketError, match="请先接待"):
        tickets.require_holder(ticket.id, "zhang")
    tickets.claim(ticket.id, "zhang")
    with pytest.raises(TicketError) as not_holder:
        tickets.require_holder(ticket.id, "li")
    assert not_holder.value.status == 403
    with pytest.raises(TicketError, match="不能转给自己"):
        tickets.transfer(ticket.id, "zhang", "zhang")
    assert tickets.transfer(ticket.id, "zhang", "li").assignee == "li"
    with pytest.raises(TicketError, match="请填写处理结果"):
        tickets.close(ticket.id, "li", "   ", hand_back=True)
    closed = tickets.close(ticket.id, "li", "已解答", hand_back=True)
    assert (closed.status, closed.closed_by, closed.hand_back) == ("closed", "li", True)
    with pytest.raises(TicketError, match="工单已关闭"):
        tickets.require_holder(ticket.id, "li")
    with pytest.raises(TicketError, match="工单已关闭"):
        tickets.close(ticket.id, "li", "再关一次", hand_back=True)
    actions = [h["action"] for h in tickets.history(ticket.id)]
    assert actions == ["opened", "claimed", "transferred", "closed"]
    assert _open("h1").id != ticket.id  # a new handoff after closing is a new ticket


def test_personal_numbers_are_masked_in_views_and_shown_only_by_a_logged_reveal(store_db: str) -> None:
    ticket = _open("p1", kind="callback", question="我的身份证 110101199003071234 丢了",
                   callback_phone="13812345678", callback_note="请打 13812345678 找我")
    view = ticket.to_json()
    assert view["callback_phone"] == "138****5678"
    assert "13812345678" not in str(view) and "110101199003071234" not in str(view)
    note = tickets.add_note(ticket.id, "zhang", "居民说卡号 6222021234567890123 被冻结")
    assert "6222021234567890123" not in note["text"]
    assert tickets.reveal_phone(ticket.id, "zhang") == "13812345678"
    assert tickets.history(ticket.id)[-1]["action"] == "revealed_phone"
    with pytest.raises(TicketError, match="备注不能为空"):
        tickets.add_note(ticket.id, "zhang", " ")
    with pytest.raises(TicketError, match="2000"):
        tickets.add_note(ticket.id, "zhang", "长" * 2001)
    # a call-back ticket is closed from the queue after the call, without a claim
    assert tickets.close(ticket.id, "zhang", "已回电解答", hand_back=False).status == "closed"


def test_waiting_time_and_average_handling(store_db: str) -> None:
    ticket = _open("w1", now=T0)
    assert ticket.waiting_seconds(T0 + timedelta(seconds=95)) == 95
    claimed = tickets.claim(ticket.id, "zhang", now=T0 + timedelta(seconds=40))
    assert claimed.waiting_seconds(T0 + timedelta(hours=1)) == 40  # frozen at the claim
    assert tickets.average_handling_minutes(4.0, now=T0) == 4.0  # fewer than five closed: the default
    for index in range(5):
        other = _open(f"avg{index}", now=T0)
        tickets.claim(other.id, "zhang", now=T0)
        tickets.close(other.id, "zhang", "已解答", hand_back=True, now=T0 + timedelta(minutes=2 + index))
    assert tickets.average_handling_minutes(4.0, now=T0 + timedelta(hours=1)) == 4.0  # median of 2..6
    tickets.note_resident_message(claimed.id, now=T0 + timedelta(minutes=3))
    noted = tickets.get_ticket(claimed.id)
    assert noted is not None and noted.resident_messages == 1 and noted.last_resident_at == T0 + timedelta(minutes=3)
