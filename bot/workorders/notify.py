"""Telling the resident: a status change or the department's reply, pushed into their conversation.

The message goes in as a ``BotUttered`` through Rasa's HTTP API, the same way the desk's staff
replies do (:meth:`bot.desk.rasa_api.RasaApi.append`: ``POST /conversations/{id}/tracker/events?
output_channel=latest&execute_side_effects=true&token=…``), so it is in the conversation's
history and Rasa sends it through the channel the resident last used. Its metadata marks it as
a work-order update (``{"workorder": {"number", "status", "kind"}}``).

Every push is recorded with whether it got there (:func:`bot.workorders.handling.record_notice`),
and the desk shows it. A push is refused (recorded as not delivered, with the reason) when the
conversation came through the REST webhook (nothing can be pushed to it), when Rasa holds no
conversation for the resident any more, when WeChat's 48-hour window for 客服 messages has
passed since the resident's last message, when WeChat refused the message, or when Rasa cannot
be reached. The resident can always ask for the order by its number in the chat.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from bot.desk import handback
from bot.desk.api import WECHAT_WINDOW
from bot.desk.rasa_api import RasaApi, RasaUnavailable
from bot.desk.transcript import latest_input_channel
from bot.ratings.levels import rating_buttons
from bot.workorders import handling
from bot.workorders.store import WorkOrderInfo, utcnow

logger = logging.getLogger(__name__)

PUSH_CHANNELS = ("socketio", "wechat")
LOOKUP_HINT = "如需查询，可以发送「我的工单 {number}」。"


def status_text(order: WorkOrderInfo) -> Optional[str]:
    """What the resident is told about the order's new status (None: 受理 is not announced)."""
    department = order.department or "承办部门"
    if order.status == "办理中":
        return f"您的工单 {order.number} 已由{department}受理，正在办理中。{LOOKUP_HINT.format(number=order.number)}"
    if order.status == "办结":
        answer = f"答复：{order.reply}" if order.reply else ""
        return f"您的工单 {order.number} 已办结。{answer}"
    if order.status == "退回":
        reason = f"原因：{order.return_reason}。" if order.return_reason else ""
        return f"您的工单 {order.number} 已退回。{reason}如需继续反映，可以补充情况后重新提交。"
    return None


RATE_ORDER = "请为本次工单的办理评价（可不评价）："


def satisfaction_callback(order: WorkOrderInfo, kind: str, at: float) -> List[Dict[str, Any]]:
    """After 办结, the 好差评 call-back: the five levels as buttons, about this order (the rating
    action reads ``rating_subject``). Residents who don't rate are not asked again."""
    if kind != "status" or order.status != "办结":
        return []
    return [{"event": "bot", "text": RATE_ORDER, "timestamp": at, "data": {"buttons": rating_buttons()}},
            {"event": "slot", "name": "rating_subject", "value": f"workorder:{order.number}", "timestamp": at}]


def reply_text(order: WorkOrderInfo) -> str:
    department = f"（{order.department}）" if order.department else ""
    return f"您的工单 {order.number} 有新的答复{department}：{order.reply or ''}"


def last_resident_at(events: List[Dict[str, Any]]) -> Optional[datetime]:
    """When the resident last wrote (the latest ``user`` event), from the tracker."""
    for event in reversed(events):
        if event.get("event") == "user":
            try:
                return datetime.fromtimestamp(float(event.get("timestamp")), tz=timezone.utc)
            except (TypeError, ValueError, OverflowError):
                return None
    return None


def refusal(order: WorkOrderInfo, tracker: Dict[str, Any], now: datetime) -> Optional[str]:
    """Why nothing can be pushed to the order's resident now, or None."""
    if order.channel not in PUSH_CHANNELS:
        return "居民通过 REST 接口提交，无法向其推送消息；居民可凭工单号在对话中查询。"
    events = tracker.get("events") or []
    channel = latest_input_channel(events)
    if channel is None:
        return "找不到居民的会话（可能已过期或服务重启过），无法推送；居民可凭工单号在对话中查询。"
    if channel not in PUSH_CHANNELS:
        return "居民最近通过 REST 接口访问，无法向其推送消息；居民可凭工单号在对话中查询。"
    if channel == "wechat":
        last = last_resident_at(events)
        if last is None or now - last > WECHAT_WINDOW:
            return "微信只允许在居民最后一条消息后 48 小时内发送客服消息，已超出时限，无法推送。"
    return None


async def push_refusal(rasa: RasaApi, order: WorkOrderInfo, now: Optional[datetime] = None) -> Optional[str]:
    """Why a push to the order's resident would not be delivered now (for the desk, before it tries)."""
    if order.channel not in PUSH_CHANNELS:
        return refusal(order, {}, now or utcnow())
    try:
        tracker = await rasa.tracker(order.sender_id)
    except RasaUnavailable as exc:
        return str(exc)
    return refusal(order, tracker, now or utcnow())


async def push(rasa: RasaApi, order: WorkOrderInfo, text: str, kind: str, actor: str,
               now: Optional[datetime] = None) -> Dict[str, Any]:
    """Push ``text`` (``kind``: status | reply) to the order's resident; the recorded notice
    ``{"id", "kind", "text", "delivered", "reason", "actor", "at"}``."""
    now = now or utcnow()
    reason: Optional[str] = None
    try:
        tracker = await rasa.tracker(order.sender_id)
    except RasaUnavailable as exc:
        reason = str(exc)
    else:
        reason = refusal(order, tracker, now)
    if reason is None:
        started = time.time()
        event = {"event": "bot", "text": text, "timestamp": started,
                 "metadata": {"workorder": {"number": order.number, "status": order.status, "kind": kind}}}
        try:
            await rasa.append(order.sender_id, [event, *satisfaction_callback(order, kind, started)])
        except RasaUnavailable as exc:
            reason = str(exc)
        else:
            if order.channel == "wechat":
                failure = await asyncio.to_thread(handback.wechat_failure_since, order.sender_id, started)
                if failure:
                    reason = f"微信未能送达：{failure}"
    if reason:
        logger.info("work order %s: %s notice not delivered (%s)", order.number, kind, reason)
    return await asyncio.to_thread(handling.record_notice, order.id, kind, text, reason is None, reason, actor)
