"""The review queue on fixed conversations in Rasa's events table, on SQLite and PostgreSQL: which
messages come in (fallback, low confidence, the question of a 差评), grouping 50 ways of asking into
one row, masked numbers, the three outcomes (examples through the NLU editor, an FAQ entry, dismiss),
handled messages never coming back, a decision reopened from the audit log, and two decisions on the
same messages.

Bad input tried: an unknown action, no texts, texts that are not a list, 501 texts, a 501-character
note, an unknown intent, examples that all clash, an FAQ entry without an answer, texts no longer
pending; messages that must stay out: button presses, a fallback 40 days old, a confident answer, a
text already an example, the question of a staff-conversation rating.
"""
from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy.exc import IntegrityError

from bot.audit.log import history, revert
from bot.config import PROJECT_ROOT
from bot.db import session_scope
from bot.faq.store import get_entry
from bot.ratings.store import record_rating
from bot.review.models import ReviewDecision, ReviewedMessage
from bot.review.queue import ReviewError, decide, pending, queue
from bot.tracking.store import MaskingSQLTrackerStore
from tests.admin.test_review_grouping import FIFTY_WAYS
from tests.support.admin_console import training_data_copy
from tests.support.events import answered, said, store

ADMIN = "wang"
PHONE = "13812345678"


@pytest.fixture()
def data(store_db: str, tmp_path: Path) -> Iterator[Path]:
    with training_data_copy(tmp_path) as root:
        yield root


def _ago(hours: float) -> float:
    return time.time() - hours * 3600


def _fill() -> None:
    """50 residents asking about 狗证 (the NLU fell back), unsure answers, a 差评, and what stays out."""
    for i, text in enumerate(FIFTY_WAYS):
        store(f"web-{i}", [said(text, "nlu_fallback", _ago(30 - i * 0.1), confidence=0.3,
                                ranking=[{"name": "nlu_fallback", "confidence": 0.45},
                                         {"name": "ask_service_guide", "confidence": 0.3}])])
    store("web-phone", [said(f"我电话{PHONE}，路灯坏了好几天没人修", "nlu_fallback", _ago(5), confidence=0.2)])
    store("web-unsure", [said("居住证能不能加急", "ask_service_guide", _ago(4), confidence=0.5),
                         *answered("居住证首次申领……", _ago(4)),
                         said("居住证加急要多久", "ask_time_limit", _ago(3.9), confidence=0.55)])
    store("web-sure", [said("居住证怎么办", "ask_service_guide", _ago(3), confidence=0.98)])
    rated_at = datetime.now(timezone.utc)
    store("web-rated", [said("公积金提取后为什么还没到账", "ask_time_limit", _ago(2), confidence=0.9),
                        *answered("住房公积金提取：3 个工作日。", _ago(2)),
                        said('/rate{"rating": "2"}', "rate", _ago(1.9), confidence=1.0)])
    record_rating("web-rated", "socketio", "service:住房公积金提取", 2, now=rated_at)
    store("web-staff", [said("我要投诉窗口", "complain", _ago(2), confidence=0.9)])
    record_rating("web-staff", "socketio", "ticket:7", 1, now=rated_at)
    # never in the queue: a button press, a fallback of 40 days ago, a text that is already an example
    store("web-button", [said("/restart", "nlu_fallback", _ago(1), confidence=0.1)])
    store("web-old", [said("四十天前的问题", "nlu_fallback", _ago(40 * 24), confidence=0.1)])
    store("web-known", [said("转人工", "nlu_fallback", _ago(1), confidence=0.4)])


def _group(rows: List[Dict[str, Any]], text: str) -> Dict[str, Any]:
    return next(g for g in rows if any(t["text"] == text for t in g["texts"]))


def test_what_comes_in_and_how_it_is_grouped(data: Path) -> None:
    _fill()
    waiting = queue(days=30)
    assert waiting["total_messages"] == 50 + 1 + 2 + 1
    biggest = waiting["groups"][0]
    assert biggest["count"] == 50 and len(biggest["texts"]) == 50
    assert biggest["reasons"] == {"fallback": 50}
    assert biggest["intents"][0] == {"intent": "ask_service_guide", "count": 50}  # the model's best real guess
    unsure = _group(waiting["groups"], "居住证能不能加急")
    assert unsure["reasons"] == {"low_confidence": 2} and unsure["count"] == 2
    rated = _group(waiting["groups"], "公积金提取后为什么还没到账")
    assert rated["reasons"] == {"rated": 1} and rated["levels"] == {"2": 1}
    phone = _group(waiting["groups"], "我电话138****5678，路灯坏了好几天没人修")
    assert phone["count"] == 1
    shown = repr(waiting)
    assert PHONE not in shown
    for absent in ("居住证怎么办", "/restart", "四十天前的问题", "转人工", "我要投诉窗口"):
        assert absent not in shown, absent
    assert queue(days=60)["total_messages"] == waiting["total_messages"] + 1  # the old one, in a longer window


def test_numbers_stored_unmasked_are_masked_in_the_queue(data: Path) -> None:
    store("web-old-row", [said(f"身份证110101199003071234和{PHONE}都给你了，怎么还不行", "nlu_fallback", _ago(1))],
          mask=False)
    text = queue(days=7)["groups"][0]["text"]
    assert text == "身份证110101************和138****5678都给你了，怎么还不行"


def test_what_rasa_itself_stored_is_read(data: Path) -> None:
    """A conversation saved through Rasa's own tracker store (the masking one the assistant uses)."""
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    events = [said("社保卡密码忘了咋整", "nlu_fallback", _ago(1), confidence=0.3)]
    asyncio.run(MaskingSQLTrackerStore(domain=domain).save(
        DialogueStateTracker.from_events("rasa-saved", events, domain.slots)))
    assert [c.text for c in pending(days=1)] == ["社保卡密码忘了咋整"]


def test_the_three_outcomes_and_nothing_comes_back(data: Path) -> None:
    _fill()
    rows = queue(days=30)["groups"]
    dog = [t["text"] for t in rows[0]["texts"]]

    made = decide("examples", {"texts": dog, "intent": "ask_service_guide",
                               "examples": ["狗证怎么办", "[狗证](service)在哪里办", "人工客服"]}, ADMIN)
    assert made["messages"] == 50 and made["examples"] == ["狗证怎么办", "[狗证](service)在哪里办"]
    assert made["refused"][0]["text"] == "人工客服" and made["refused"][0]["clash"]["intent"] == "request_human"
    trained = [m.get("text") for m in load_data(str(data / "nlu")).intent_examples
               if m.get("intent") == "ask_service_guide"]
    assert {"狗证怎么办", "狗证在哪里办"} <= set(trained)
    assert [h.action for h in history("nlu_example", "ask_service_guide")] == ["create", "create"]

    faq = decide("faq", {"texts": ["公积金提取后为什么还没到账"], "question": "公积金提取后为什么还没到账？",
                         "answer": "提取申请受理后 3 个工作日内到账。", "department": "市住房公积金中心"}, ADMIN)
    entry = get_entry(faq["faq_id"])
    assert entry.question == "公积金提取后为什么还没到账？" and entry.department == "市住房公积金中心"
    assert faq["messages"] == 1

    dismissed = decide("dismiss", {"texts": ["居住证能不能加急", "居住证加急要多久"], "note": "已转业务处室"}, ADMIN)
    assert dismissed["messages"] == 2 and dismissed["note"] == "已转业务处室"

    left = queue(days=30)
    assert left["total_messages"] == 1 and left["groups"][0]["text"].startswith("我电话138****5678")
    assert queue(days=365)["total_messages"] == 2  # and the 40-day-old one; none of the handled
    entries = history("review_decision")
    assert [e.after["action"] for e in entries] == ["dismiss", "faq", "examples"]  # type: ignore[index]

    # a new message with a dismissed text is a new message; one with a text now trained on is not
    store("web-again", [said("居住证能不能加急", "ask_service_guide", _ago(0.5), confidence=0.5),
                        said("狗证怎么办", "nlu_fallback", _ago(0.4), confidence=0.2)])
    assert {c.text for c in pending(days=1)} == {"居住证能不能加急", "我电话138****5678，路灯坏了好几天没人修"}

    with pytest.raises(ReviewError) as again:
        decide("dismiss", {"texts": ["公积金提取后为什么还没到账"]}, ADMIN)
    assert again.value.status == 409

    reopened = revert(entries[0].id, ADMIN)  # the dismissal: its two messages come back
    assert reopened.action == "revert"
    texts = sorted(c.text for c in pending(days=30))
    assert texts.count("居住证能不能加急") == 2 and "居住证加急要多久" in texts
    with session_scope() as session:
        decision = session.get(ReviewDecision, int(entries[0].key))
        assert decision is not None and decision.reopened_at is not None


@pytest.mark.parametrize(("action", "body", "status", "message"), [
    ("undo", {"texts": ["x"]}, 400, "未知的处理方式"),
    ("dismiss", {"texts": []}, 400, "请选择"),
    ("dismiss", {"texts": "狗证怎么办"}, 400, "请选择"),
    ("dismiss", {"texts": ["狗证"] * 501}, 400, "最多"),
    ("dismiss", {"texts": ["狗证怎么办"], "note": "长" * 501}, 400, "备注"),
    ("examples", {"texts": ["狗证怎么办"], "intent": "no_such_intent"}, 404, "没有这个意图"),
    ("examples", {"texts": ["狗证怎么办"], "intent": "ask_fee", "examples": ["转人工"]}, 409, "没有例句被加入"),
    ("faq", {"texts": ["狗证怎么办"], "answer": ""}, 400, "答案不能为空"),
    ("dismiss", {"texts": ["从没有人这样问过"]}, 409, "已经处理过"),
])
def test_refused_decisions_leave_the_messages_waiting(data: Path, action: str, body: Dict[str, Any], status: int,
                                                       message: str) -> None:
    store("web-dog", [said("狗证怎么办", "nlu_fallback", _ago(1), confidence=0.2)])
    with pytest.raises(ReviewError, match=message) as refused:
        decide(action, body, ADMIN)
    assert refused.value.status == status
    assert [c.text for c in pending(days=1)] == ["狗证怎么办"]
    assert history("review_decision") == []


def test_two_administrators_deciding_at_once(data: Path) -> None:
    """Both press 忽略 on the same group: one decision is stored, the other is told it is done."""
    store("web-dog", [said("狗证怎么办", "nlu_fallback", _ago(1), confidence=0.2)])
    results: List[Any] = []
    barrier = threading.Barrier(2)

    def press() -> None:
        barrier.wait()
        try:
            results.append(decide("dismiss", {"texts": ["狗证怎么办"]}, ADMIN))
        except ReviewError as exc:
            results.append(exc)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    refused = [r for r in results if isinstance(r, ReviewError)]
    assert len(results) == 2 and len(refused) == 1 and refused[0].status == 409
    with session_scope() as session:
        assert session.query(ReviewDecision).count() == 1


def test_a_message_is_handled_once_whatever_the_process(data: Path) -> None:
    """The message key is the primary key: a second page server's decision on it fails in the database."""
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        first = ReviewDecision(action="dismiss", texts=[], examples=[], messages=1, actor=ADMIN, created_at=now)
        second = ReviewDecision(action="dismiss", texts=[], examples=[], messages=1, actor=ADMIN, created_at=now)
        session.add_all([first, second])
        session.flush()
        session.add(ReviewedMessage(key="k" * 32, decision_id=first.id, reasons="fallback", said_at=now))
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(ReviewedMessage(key="k" * 32, decision_id=second.id, reasons="fallback", said_at=now))
