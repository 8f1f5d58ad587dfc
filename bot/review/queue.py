"""The review queue: residents' messages the assistant did not handle well, grouped, and what an
administrator decided about each group.

A message is in the queue when, within the last ``days``:

* the NLU fell back (intent ``nlu_fallback``: below the FallbackClassifier's threshold, or two intents
  too close to call) — reason ``fallback``;
* it chose an intent with confidence below :func:`confidence_threshold` (``REVIEW_CONFIDENCE_THRESHOLD``,
  default 0.6; config.yml's FallbackClassifier falls back below 0.45, so this catches the band just
  above) — ``low_confidence``;
* it is the question whose answer a resident rated 不满意 or 非常不满意 (a rating of an answer about an
  item, not of a staff conversation; the question is the conversation's last typed message before the
  rating) — ``rated``.

Button presses and empty messages never are; neither is a message already decided, nor one whose text
is by now an example of some intent (it was added and waits for the next training). Texts are masked
(:func:`bot.privacy.mask_pii`) although storage masks them too.

Deciding on a group (or on some of its texts): **examples** adds texts (as typed, or as the
administrator edited them, annotations allowed) to an intent through the NLU editor — the same
checks, a clash refuses that example and is reported; **faq** makes an FAQ entry (bot.faq.store);
**dismiss** only marks them. Every pending message with one of the chosen texts is recorded as
handled in the same transaction as the decision and its audit entry (``entity="review_decision"``).
Reverting that entry reopens the decision: its messages come back (the examples and the FAQ entry
have audit entries of their own to revert).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.analytics.events import UserMessage, question_before, read_messages
from bot.audit.log import AuditError, AuditView, record, register_reverter
from bot.db import session_scope
from bot.nlu.textnorm import Normalizer
from bot.nlu_admin.annotations import NluError, normalizer, text_key
from bot.ratings.levels import BAD_LEVELS
from bot.ratings.models import Rating
from bot.review.grouping import cluster
from bot.review.models import ACTIONS, ReviewDecision, ReviewedMessage

logger = logging.getLogger(__name__)

ENTITY = "review_decision"
THRESHOLD_ENV = "REVIEW_CONFIDENCE_THRESHOLD"
DEFAULT_THRESHOLD = 0.6
DEFAULT_DAYS = 30
MAX_DAYS = 365
MAX_TEXTS = 500  # distinct texts in one decision (a group shows at most this many)
REASONS = ("fallback", "low_confidence", "rated")
_decide_lock = threading.Lock()


class ReviewError(ValueError):
    """A refused decision; the message is for the administrator."""

    def __init__(self, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


def confidence_threshold() -> float:
    try:
        value = float(os.environ.get(THRESHOLD_ENV, "") or DEFAULT_THRESHOLD)
    except ValueError:
        return DEFAULT_THRESHOLD
    return value if 0.0 < value < 1.0 else DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Candidate:
    key: str
    text: str
    at: float
    reasons: Tuple[str, ...]
    intent: Optional[str]  # what the model chose (nlu_fallback for a fallback)
    guess: Optional[str]  # its best real intent
    confidence: Optional[float]
    level: Optional[int] = None  # the rating, for reason "rated"
    norm_key: str = ""  # the text as the assistant normalises it (bot.nlu_admin.annotations.text_key)


def _candidate(message: UserMessage, reasons: Tuple[str, ...], level: Optional[int] = None) -> Candidate:
    return Candidate(message.key, message.text, message.at, reasons, message.intent, message.guess,
                     message.confidence, level)


class _Keys:
    """text_key with one normaliser; a text seen before (in this process) is not normalised again."""

    def __init__(self) -> None:
        self.norm = normalizer()

    def __call__(self, text: str) -> str:
        return _key(text, self.norm)


@lru_cache(maxsize=200_000)
def _key(text: str, norm: Normalizer) -> str:
    return text_key(text, norm)


def _handled(keys: Iterable[str]) -> Set[str]:
    keys = list(keys)
    found: Set[str] = set()
    with session_scope() as session:
        for start in range(0, len(keys), 500):
            found.update(session.scalars(select(ReviewedMessage.key)
                                         .where(ReviewedMessage.key.in_(keys[start:start + 500]))))
    return found


def _known_examples() -> Set[str]:
    from bot.nlu_admin.examples import index
    from bot.nlu_admin.training_data import read_training_data

    return set(index(read_training_data()).by_key)


def pending(days: int = DEFAULT_DAYS, now: Optional[float] = None, url: Optional[str] = None) -> List[Candidate]:
    """Every message waiting for a decision, oldest first."""
    end = now if now is not None else time.time()
    start = end - days * 86400.0
    threshold = confidence_threshold()
    found: Dict[str, Candidate] = {}
    for message in read_messages(start, end + 1.0, url):
        if message.payload or not message.text.strip():
            continue
        if message.fallback:
            found[message.key] = _candidate(message, ("fallback",))
        elif message.confidence is not None and message.confidence < threshold:
            found[message.key] = _candidate(message, ("low_confidence",))
    with session_scope() as session:
        ratings = session.execute(select(Rating.sender_id, Rating.created_at, Rating.level).where(
            Rating.level.in_(BAD_LEVELS), Rating.subject_kind == "service",
            Rating.created_at >= datetime.fromtimestamp(start, timezone.utc))).all()
    for sender_id, rated_at, level in ratings:
        question = question_before(sender_id, rated_at.timestamp(), url)
        if question is None or question.at < start:
            continue
        earlier = found.get(question.key)
        reasons = tuple(dict.fromkeys([*(earlier.reasons if earlier else ()), "rated"]))
        found[question.key] = _candidate(question, reasons, int(level))
    handled = _handled(found)
    known = _known_examples()
    keys = _Keys()
    kept = (replace(c, norm_key=keys(c.text)) for c in found.values() if c.key not in handled)
    return sorted((c for c in kept if c.norm_key not in known), key=lambda c: c.at)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


def groups(candidates: Sequence[Candidate]) -> List[Dict[str, Any]]:
    """The queue's rows, biggest first: one per group of similar messages."""
    keys = [c.norm_key for c in candidates]
    display: Dict[str, str] = {}
    for candidate, key in zip(candidates, keys, strict=True):
        display[key] = candidate.text  # the latest spelling (candidates are oldest first)
    rows = []
    for group in cluster(list(candidates), keys):
        members: List[Candidate] = group.members
        reasons = Counter(r for c in members for r in c.reasons)
        guesses = Counter(c.guess or c.intent for c in members if (c.guess or c.intent))
        texts = sorted(group.keys.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TEXTS]
        rows.append({
            "text": display[group.leader], "count": len(members),
            "texts": [{"text": display[k], "count": n} for k, n in texts],
            "reasons": {r: reasons[r] for r in REASONS if reasons[r]},
            "intents": [{"intent": i, "count": n} for i, n in guesses.most_common(3)],
            "levels": dict(Counter(str(c.level) for c in members if c.level)),
            "first_at": _iso(min(c.at for c in members)), "last_at": _iso(max(c.at for c in members)),
        })
    return rows


def queue(days: int = DEFAULT_DAYS, limit: int = 50, offset: int = 0) -> Dict[str, Any]:
    waiting = pending(days)
    rows = groups(waiting)
    return {"groups": rows[offset:offset + limit], "total_groups": len(rows), "total_messages": len(waiting),
            "days": days, "threshold": confidence_threshold()}


def _texts(value: Any) -> List[str]:
    if not isinstance(value, list) or not value or not all(isinstance(t, str) for t in value):
        raise ReviewError("请选择要处理的消息（texts：文字列表）")
    if len(value) > MAX_TEXTS:
        raise ReviewError(f"一次最多处理 {MAX_TEXTS} 种说法")
    return [t[:500] for t in value]


def _apply(action: str, chosen: Sequence[Candidate], texts: List[str], actor: str, body: Dict[str, Any]
           ) -> Dict[str, Any]:
    """The decision's outcome (examples or FAQ entry); what it made, for the decision and the answer."""
    if action == "examples":
        from bot.nlu_admin.examples import add_examples, check_intent

        try:
            intent = check_intent(body.get("intent"))
        except NluError as exc:
            raise ReviewError(str(exc), exc.status) from None
        wanted = body.get("examples", texts)
        if not isinstance(wanted, list) or not wanted or not all(isinstance(t, str) for t in wanted):
            raise ReviewError("请选择要加入的例句（examples：文字列表）")
        added, refused = add_examples(intent, list(dict.fromkeys(wanted))[:MAX_TEXTS], actor)
        problems = [{"text": t, "error": str(e), **e.extra} for t, e in refused]
        if not added:
            raise ReviewError("没有例句被加入：" + "；".join(p["error"] for p in problems[:3]), 409, refused=problems)
        return {"intent": intent, "examples": [t for t, _ in added], "refused": problems,
                "similar": [{"text": t, **s.as_dict()} for t, sims in added for s in sims]}
    if action == "faq":
        from bot.faq.store import FaqError, check_fields, create_entry

        try:
            fields = check_fields(body.get("question") or (texts[0] if texts else ""), body.get("answer", ""),
                                  body.get("department", ""), body.get("keywords", ""))
            entry = create_entry(fields, actor, "console")
        except FaqError as exc:
            raise ReviewError(str(exc), exc.status) from None
        return {"faq_id": entry.id, "question": entry.question}
    return {}


def decide(action: Any, body: Dict[str, Any], actor: str, days: int = DEFAULT_DAYS) -> Dict[str, Any]:
    """Decide on the pending messages with the texts ``body["texts"]``; the decision as stored."""
    if action not in ACTIONS:
        raise ReviewError(f"未知的处理方式：{str(action)[:20]}（可选 examples、faq、dismiss）")
    texts = _texts(body.get("texts"))
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 500:
        raise ReviewError("备注须为 500 字以内的文字")
    with _decide_lock:
        keys = _Keys()
        wanted = {keys(t) for t in texts}
        chosen = [c for c in pending(days) if c.norm_key in wanted]
        if not chosen:
            raise ReviewError("这些消息已经处理过（或已不在待审范围内），请刷新", 409)
        made = _apply(action, chosen, texts, actor, body)
        try:
            return _record(action, chosen, texts, actor, note.strip(), made)
        except IntegrityError:
            raise ReviewError("这些消息刚被其他管理员处理，请刷新", 409) from None


def _record(action: str, chosen: Sequence[Candidate], texts: List[str], actor: str, note: str,
            made: Dict[str, Any]) -> Dict[str, Any]:
    now = datetime.now(timezone.utc)
    shown = list(dict.fromkeys(c.text for c in chosen))[:MAX_TEXTS]
    with session_scope() as session:
        decision = ReviewDecision(action=action, intent=made.get("intent"), faq_id=made.get("faq_id"), note=note,
                                  texts=shown, examples=made.get("examples", []), messages=len(chosen), actor=actor,
                                  created_at=now)
        session.add(decision)
        session.flush()
        for candidate in chosen:
            session.add(ReviewedMessage(key=candidate.key, decision_id=decision.id, reasons=",".join(candidate.reasons),
                                        said_at=datetime.fromtimestamp(candidate.at, timezone.utc)))
        session.flush()
        label = {"examples": f"加入意图 {made.get('intent')} 的例句", "faq": f"建为常见问题 #{made.get('faq_id')}",
                 "dismiss": "忽略"}[action]
        record(session, actor=actor, source="console", entity=ENTITY, key=str(decision.id), action="create",
               after=_audit_dict(decision), summary=f"待审消息 {len(chosen)} 条{label}：{shown[0]}"[:300], now=now)
        result = {**_audit_dict(decision), "id": int(decision.id), **made}
    logger.info("review decision %s by %s: %s, %s messages", result["id"], actor, action, len(chosen))
    return result


def _audit_dict(decision: ReviewDecision) -> Dict[str, Any]:
    return {"action": decision.action, "intent": decision.intent, "faq_id": decision.faq_id, "note": decision.note,
            "texts": list(decision.texts or []), "examples": list(decision.examples or []),
            "messages": decision.messages, "reopened": decision.reopened_at is not None}


def decisions(limit: int = 50) -> List[Dict[str, Any]]:
    """The newest decisions (for the page's 已处理 list)."""
    with session_scope() as session:
        rows = session.scalars(select(ReviewDecision).order_by(ReviewDecision.id.desc()).limit(limit)).all()
        return [{**_audit_dict(d), "id": int(d.id), "actor": d.actor, "created_at": d.created_at.isoformat()}
                for d in rows]


def _revert(session: Session, entry: AuditView, actor: str) -> None:
    """Reopen a decision: its messages come back to the queue."""
    decision = session.get(ReviewDecision, int(entry.key))
    if decision is None:
        raise AuditError("这条处理记录已不存在", 404)
    if decision.reopened_at is not None:
        raise AuditError("这条处理已经撤销过")
    before = _audit_dict(decision)
    now = datetime.now(timezone.utc)
    for row in session.scalars(select(ReviewedMessage).where(ReviewedMessage.decision_id == decision.id)).all():
        session.delete(row)
    decision.reopened_at = now
    session.flush()
    record(session, actor=actor, source="cli" if actor.startswith("cli") else "console", entity=ENTITY,
           key=entry.key, action="revert", before=before, after=_audit_dict(decision), reverts=entry.id, now=now,
           summary=f"撤销修改 #{entry.id}：{decision.messages} 条消息回到待审队列"[:300])


register_reverter(ENTITY, _revert)
