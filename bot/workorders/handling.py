"""Working an order at the desk: assign, change status, reply, re-route, reveal the phone number.

Every change is one conditional UPDATE on the state it read (like ``tickets.claim``), and a caller
may pass ``seen``: the order's ``updated_at`` as the staff member saw it (the console always does).
Of two staff members changing the same order from the same view exactly one succeeds; the other
gets a :class:`WorkOrderError` with status 409 saying what the order now is. Each change is written to the
order's history in the same transaction. Pushing the news to the resident is
:mod:`bot.workorders.notify`'s job (the API calls it after the change is stored).

Statuses: 受理 → 办理中 → 办结, and 退回 (with a reason) from 受理 or 办理中. 办结 needs an answer
to the resident first. A re-route puts the order back to 受理 with the new department and keeps a
correction row for the next training of the router.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

from sqlalchemy import func, literal, select, update

from bot.db import UtcDateTime, session_scope
from bot.privacy import mask_pii
from bot.workorders.models import (
    OPEN_STATUSES,
    STATUSES,
    RoutingCorrection,
    WorkOrder,
    WorkOrderLog,
    WorkOrderNotice,
    WorkOrderReply,
)
from bot.workorders.store import WorkOrderError, WorkOrderInfo, require_order, routing_text, utcnow

logger = logging.getLogger(__name__)

MAX_REPLY = 2000
MAX_REASON = 500
MAX_DEPARTMENT = 100
TRANSITIONS: Mapping[str, FrozenSet[str]] = {
    "受理": frozenset({"办理中", "退回"}),
    "办理中": frozenset({"办结", "退回"}),
    "办结": frozenset(),
    "退回": frozenset(),
}


def _log(session: Any, order_id: int, actor: str, action: str, detail: str, now: datetime) -> None:
    session.add(WorkOrderLog(order_id=order_id, actor=actor, action=action, detail=mask_pii(detail)[:500],
                             created_at=now))


def _current(order_id: int, seen: Optional[datetime]) -> WorkOrderInfo:
    """The order as it is now; 409 when it changed since the caller's view (``seen``: its ``updated_at``)."""
    current = require_order(order_id)
    if seen is not None and current.updated_at != seen:
        raise WorkOrderError(f"工单已被他人改动（现为「{current.status}」），请刷新后重试", 409)
    return current


def _unchanged(current: WorkOrderInfo) -> Any:
    """The UPDATE's condition: the row is still as ``current`` read it."""
    return (WorkOrder.id == current.id) & (WorkOrder.updated_at == current.updated_at)


def _stamp(current: WorkOrderInfo, now: Optional[datetime]) -> datetime:
    """The new ``updated_at``: later than the one read, even with a fixed clock, so it marks the change."""
    now = now or utcnow()
    return now if now > current.updated_at else current.updated_at + timedelta(microseconds=1)


def _changed_meanwhile(order_id: int) -> WorkOrderError:
    current = require_order(order_id)
    return WorkOrderError(f"工单已被他人改动（现为「{current.status}」），请刷新后重试", 409)


def _one_line(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkOrderError(f"请填写{what}")
    value = " ".join(value.split())
    if len(value) > limit:
        raise WorkOrderError(f"{what}不能超过 {limit} 字（当前 {len(value)} 字）")
    return value


def allowed_statuses(info: WorkOrderInfo) -> List[str]:
    """The statuses the order can move to now, in the order of :data:`STATUSES`."""
    return [status for status in STATUSES if status in TRANSITIONS[info.status]
            and not (status == "办理中" and info.department is None)]


def log_action(order_id: int, actor: str, action: str, detail: str = "", now: Optional[datetime] = None) -> None:
    with session_scope() as session:
        _log(session, order_id, actor, action, detail, now or utcnow())


def assign(order_id: int, to: Optional[str], actor: str, now: Optional[datetime] = None,
           seen: Optional[datetime] = None) -> WorkOrderInfo:
    """Give the open order to ``to`` (the caller checked it is active staff); None takes it off anyone."""
    current = _current(order_id, seen)
    if not current.is_open:
        raise WorkOrderError(f"工单已{current.status}，不能再指派", 409)
    if to == current.assignee:
        return current
    now = _stamp(current, now)
    with session_scope() as session:
        changed = session.execute(update(WorkOrder).where(_unchanged(current))
                                  .values(assignee=to, updated_at=now)).rowcount
        if changed:
            _log(session, order_id, actor, "assigned", f"指派给 {to}" if to else "取消指派", now)
    if not changed:
        raise _changed_meanwhile(order_id)
    return require_order(order_id)


def check_transition(current: WorkOrderInfo, to: str) -> None:
    """400 for a status that does not exist, 409 for one the order cannot move to from where it is."""
    if to not in STATUSES:
        raise WorkOrderError(f"状态应为 {'、'.join(STATUSES)} 之一")
    if to not in TRANSITIONS[current.status]:
        allowed = "、".join(allowed_statuses(current)) or "（无：已是最终状态）"
        raise WorkOrderError(f"工单现为「{current.status}」，不能改为「{to}」；可改为：{allowed}", 409)
    if to == "办理中" and current.department is None:
        raise WorkOrderError("工单还在待分派队列：请先分派承办部门", 409)


def change_status(order_id: int, to: str, actor: str, reason: Optional[str] = None,
                  now: Optional[datetime] = None, seen: Optional[datetime] = None) -> WorkOrderInfo:
    """Move the order along 受理 → 办理中 → 办结 (or to 退回 with ``reason``)."""
    current = _current(order_id, seen)
    check_transition(current, to)
    reason = _one_line(reason, "退回原因", MAX_REASON) if to == "退回" else None
    if to == "办结" and not current.reply:
        raise WorkOrderError("请先答复居民，再办结工单", 409)
    now = _stamp(current, now)
    values: Dict[str, Any] = {
        "status": to, "updated_at": now,
        "responded_at": func.coalesce(WorkOrder.responded_at, literal(now, UtcDateTime())),
    }
    if to in ("办结", "退回"):
        values["closed_at"] = now
    if reason:
        values["return_reason"] = mask_pii(reason)
    with session_scope() as session:
        changed = session.execute(update(WorkOrder).where(_unchanged(current)).values(**values)).rowcount
        if changed:
            detail = f"{current.status} → {to}" + (f"：{reason}" if reason else "")
            _log(session, order_id, actor, "status", detail, now)
    if not changed:
        raise _changed_meanwhile(order_id)
    logger.info("work order %s: %s → %s by %s", current.number, current.status, to, actor)
    return require_order(order_id)


def add_reply(order_id: int, author: str, text: Any, now: Optional[datetime] = None) -> WorkOrderInfo:
    """The department's answer to the resident (kept with the earlier ones; the order shows the latest)."""
    if not isinstance(text, str) or not text.strip():
        raise WorkOrderError("答复内容不能为空")
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise WorkOrderError(f"答复不能超过 {MAX_REPLY} 字（当前 {len(text)} 字）", 413)
    current = require_order(order_id)
    if not current.is_open:
        raise WorkOrderError(f"工单已{current.status}，不能再答复", 409)
    masked = mask_pii(text)
    now = _stamp(current, now)
    with session_scope() as session:
        changed = session.execute(update(WorkOrder).where(
            WorkOrder.id == order_id, WorkOrder.status.in_(OPEN_STATUSES)).values(
            reply=masked, updated_at=now,
            responded_at=func.coalesce(WorkOrder.responded_at, literal(now, UtcDateTime())))).rowcount
        if changed:
            session.add(WorkOrderReply(order_id=order_id, author=author, department=current.department, text=masked,
                                       created_at=now))
            _log(session, order_id, author, "replied", f"{len(text)} 字", now)
    if not changed:
        raise _changed_meanwhile(order_id)
    return require_order(order_id)


def reroute(order_id: int, department: Any, reason: Any, actor: str, known: Sequence[str] = (),
            now: Optional[datetime] = None, seen: Optional[datetime] = None) -> WorkOrderInfo:
    """Send the order to ``department`` (one of ``known`` when that list is not empty), back to 受理.

    Kept as a correction: a ``triage`` one when the router had not decided (its best guess is the
    old label), a ``reroute`` one when staff overrule the department it chose or a colleague set.
    """
    department = _one_line(department, "承办部门", MAX_DEPARTMENT)
    reason = _one_line(reason, "改派原因", MAX_REASON)
    if known and department not in known:
        raise WorkOrderError(f"未知的承办部门「{department}」")
    current = _current(order_id, seen)
    if not current.is_open:
        raise WorkOrderError(f"工单已{current.status}，不能再改派", 409)
    if department == current.department:
        raise WorkOrderError(f"工单已由「{department}」承办", 409)
    kind = "triage" if current.department is None else "reroute"
    old_label = current.department or current.suggested
    now = _stamp(current, now)
    with session_scope() as session:
        changed = session.execute(update(WorkOrder).where(_unchanged(current)).values(
            department=department, triage=False, status="受理", updated_at=now)).rowcount
        if changed:
            session.add(RoutingCorrection(order_id=order_id, kind=kind, text=routing_text(current.what, current.place),
                                          old_label=old_label, new_label=department, reason=mask_pii(reason),
                                          actor=actor, created_at=now))
            was = current.department or f"待分派（建议：{current.suggested or '无'}）"
            _log(session, order_id, actor, "rerouted", f"{was} → {department}：{reason}", now)
    if not changed:
        raise _changed_meanwhile(order_id)
    logger.info("work order %s routed by %s to %s (%s)", current.number, actor, department, kind)
    return require_order(order_id)


def reveal_phone(order_id: int, actor: str) -> str:
    """The resident's number in full; every reveal is in the order's history."""
    current = require_order(order_id)
    if not current.phone:
        raise WorkOrderError("居民没有留下电话", 404)
    log_action(order_id, actor, "revealed_phone", "查看完整联系电话")
    logger.info("work order %s: %s revealed the phone number", current.number, actor)
    return current.phone


def record_notice(order_id: int, kind: str, text: str, delivered: bool, reason: Optional[str], actor: str,
                  now: Optional[datetime] = None) -> Dict[str, Any]:
    """Keep one push to the resident and whether it got there (also in the history)."""
    now = now or utcnow()
    with session_scope() as session:
        row = WorkOrderNotice(order_id=order_id, kind=kind, text=mask_pii(text), delivered=delivered,
                              reason=(reason or "")[:300] or None, actor=actor, created_at=now)
        session.add(row)
        _log(session, order_id, actor, "notified" if delivered else "notice_failed",
             "已推送给居民" if delivered else f"未送达：{reason}", now)
        session.flush()
        return _notice(row)


def _notice(row: WorkOrderNotice) -> Dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "text": row.text, "delivered": bool(row.delivered),
            "reason": row.reason, "actor": row.actor, "at": row.created_at.isoformat()}


# the detail page ----------------------------------------------------------------------------------
def history(order_id: int) -> List[Dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(WorkOrderLog).where(WorkOrderLog.order_id == order_id)
                               .order_by(WorkOrderLog.id)).scalars()
        return [{"actor": r.actor, "action": r.action, "detail": r.detail, "at": r.created_at.isoformat()}
                for r in rows]


def replies(order_id: int) -> List[Dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(WorkOrderReply).where(WorkOrderReply.order_id == order_id)
                               .order_by(WorkOrderReply.id)).scalars()
        return [{"author": r.author, "department": r.department, "text": mask_pii(r.text),
                 "at": r.created_at.isoformat()} for r in rows]


def notices(order_id: int) -> List[Dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(WorkOrderNotice).where(WorkOrderNotice.order_id == order_id)
                               .order_by(WorkOrderNotice.id)).scalars()
        return [_notice(r) for r in rows]


def corrections(order_id: int) -> List[Dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(RoutingCorrection).where(RoutingCorrection.order_id == order_id)
                               .order_by(RoutingCorrection.id)).scalars()
        return [{"kind": r.kind, "old_label": r.old_label, "new_label": r.new_label, "reason": r.reason,
                 "actor": r.actor, "at": r.created_at.isoformat()} for r in rows]
