"""The desk's work-order API (docs/workorders.md): the console uses it, and a city's own tools can script it.

Same conventions as the ticket API (:mod:`bot.desk.api`, whose helpers are used here): JSON in
and out, ``{"error": "<reason in Chinese>"}`` on failure, the session cookie and ``X-CSRF-Token``
on every change (:mod:`bot.web.auth`), role ``staff`` (administrators too) and ``admin`` for the
statistics and the corrections export. The stores are synchronous and run in a worker thread;
a status change or reply is stored first and then pushed to the resident
(:mod:`bot.workorders.notify`), and the answer says whether the push got there.

An order is addressed by its id or its number (``/desk/api/workorders/JZ20261127-0042``).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.accounts.service import list_users
from bot.desk.api import RASA_KEY, _body, _error, _json, _with_errors
from bot.desk.rasa_api import RasaApi
from bot.routing import store as routing_store
from bot.web.auth import current_user, requires
from bot.workorders import handling, notify, stats
from bot.workorders.models import CATEGORIES, STATUSES
from bot.workorders.policy import PolicyError, load_policy
from bot.workorders.store import (
    OrderFilter,
    WorkOrderError,
    WorkOrderInfo,
    departments_in_use,
    find_number,
    get_by_number,
    get_order,
    list_orders,
    utcnow,
)

logger = logging.getLogger(__name__)

BASE = "/desk/api/workorders"
ROUTER_NAME = "department"
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")


def _guarded(handler: Any) -> Any:
    """The desk's error handling (its TicketError and Rasa errors) plus the store's WorkOrderError."""
    inner = _with_errors(handler)

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await inner(request)
        except WorkOrderError as exc:
            return _error(str(exc), exc.status)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def _order(request: web.Request) -> WorkOrderInfo:
    """The order the path names, by id or number; 404 when there is none."""
    ref = request.match_info["ref"]
    order: Optional[WorkOrderInfo] = None
    if ref.isdigit() and len(ref) < 10:
        order = await asyncio.to_thread(get_order, int(ref))
    else:
        number = find_number(ref)
        if number and number == ref.upper():
            order = await asyncio.to_thread(get_by_number, number)
    if order is None:
        raise WorkOrderError("工单不存在", 404)
    return order


def _flag(value: Optional[str], name: str) -> Optional[bool]:
    if value is None or value == "":
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise WorkOrderError(f"{name} 应为 1 或 0")


def _number(value: Optional[str], name: str, cast: Any = float) -> Any:
    if value is None or value == "":
        return None
    try:
        return cast(value)
    except ValueError:
        raise WorkOrderError(f"{name} 应为数字") from None


def _seen(body: Dict[str, Any]) -> Optional[datetime]:
    """``"version"``: the order's ``updated_at`` as the staff member saw it (a change since → 409)."""
    value = body.get("version")
    if value is None:
        return None
    try:
        seen = datetime.fromisoformat(str(value))
    except ValueError:
        raise WorkOrderError("version 应为工单的 updated_at（ISO 8601 时间）") from None
    if seen.tzinfo is None:
        raise WorkOrderError("version 应带时区，即工单的 updated_at 原样")
    return seen.astimezone(timezone.utc)


def known_departments() -> List[str]:
    """The active department router's classes and the departments orders already have."""
    classes: List[str] = []
    with contextlib.suppress(routing_store.StoreError):  # no trained router yet: the departments in use
        classes = [str(c) for c in routing_store.active(ROUTER_NAME).meta.get("classes") or []]
    return sorted(set(classes) | set(departments_in_use()))


def _rasa(request: web.Request) -> RasaApi:
    return request.app[RASA_KEY]


# reading -------------------------------------------------------------------------------------------
@requires("staff")
@_guarded
async def list_view(request: web.Request) -> web.StreamResponse:
    """``GET /desk/api/workorders?status=&department=&category=&triage=&overdue=&min_age_days=&max_age_days=
    &assignee=&q=&limit=&offset=`` → ``{"orders", "total", "triage_waiting", "overdue"}``."""
    query = request.query
    department = query.get("department")
    assignee = query.get("assignee") or None
    if assignee == "me":
        assignee = current_user(request).username
    where = OrderFilter(
        status=query.get("status") or None, department=(department or "").strip() or None,
        category=query.get("category") or None, triage=_flag(query.get("triage"), "triage"),
        overdue=_flag(query.get("overdue"), "overdue"),
        min_age_days=_number(query.get("min_age_days"), "min_age_days"),
        max_age_days=_number(query.get("max_age_days"), "max_age_days"), assignee=assignee,
        q=(query.get("q") or "").strip() or None)
    limit = _number(query.get("limit"), "limit", int) or 200
    offset = _number(query.get("offset"), "offset", int) or 0
    now = utcnow()
    rows, total = await asyncio.to_thread(list_orders, where, limit=limit, offset=offset, now=now)
    _, waiting = await asyncio.to_thread(list_orders, OrderFilter(triage=True, status="open"), limit=1, now=now)
    _, overdue = await asyncio.to_thread(list_orders, OrderFilter(overdue=True), limit=1, now=now)
    return _json({"orders": [row.to_json(now) for row in rows], "total": total, "limit": limit, "offset": offset,
                  "triage_waiting": waiting, "overdue": overdue})


@requires("staff")
@_guarded
async def meta(request: web.Request) -> web.StreamResponse:
    """What the console's filters and forms offer: statuses, categories, departments, time limits."""
    departments = await asyncio.to_thread(known_departments)
    try:
        limits: Optional[Dict[str, Any]] = (await asyncio.to_thread(load_policy)).as_dict()
        policy_error = None
    except PolicyError as exc:
        limits, policy_error = None, str(exc)
    staff = [{"username": u.username, "display_name": u.display_name}
             for u in await asyncio.to_thread(list_users) if u.active]
    return _json({"statuses": list(STATUSES), "categories": list(CATEGORIES), "departments": departments,
                  "transitions": {k: sorted(v, key=STATUSES.index) for k, v in handling.TRANSITIONS.items()},
                  "policy": limits, "policy_error": policy_error, "staff": staff,
                  "max_reply_chars": handling.MAX_REPLY})


@requires("staff")
@_guarded
async def detail(request: web.Request) -> web.StreamResponse:
    """One order with its history, replies, pushes to the resident and routing corrections, and why a
    push would not reach the resident now (``push_refusal``, asked of Rasa; None for closed orders)."""
    order = await _order(request)
    data = order.to_json()
    data["history"] = await asyncio.to_thread(handling.history, order.id)
    data["replies"] = await asyncio.to_thread(handling.replies, order.id)
    data["notices"] = await asyncio.to_thread(handling.notices, order.id)
    data["corrections"] = await asyncio.to_thread(handling.corrections, order.id)
    data["allowed_statuses"] = handling.allowed_statuses(order)
    data["can_push"] = order.channel in notify.PUSH_CHANNELS
    data["push_refusal"] = await notify.push_refusal(_rasa(request), order) if order.is_open else None
    return _json(data)


# changing ------------------------------------------------------------------------------------------
@requires("staff")
@_guarded
async def assign(request: web.Request) -> web.StreamResponse:
    """``{"to": "username", "version"?}`` (``to`` null: nobody)."""
    order = await _order(request)
    body = await _body(request)
    to = body.get("to")
    if to is not None:
        if not isinstance(to, str) or not to.strip():
            raise WorkOrderError("请选择指派给谁")
        to = to.strip()
        if to not in {u.username for u in await asyncio.to_thread(list_users) if u.active}:
            raise WorkOrderError("找不到该同事，或其账号已停用")
    user = current_user(request)
    updated = await asyncio.to_thread(handling.assign, order.id, to, user.username, None, _seen(body))
    return _json({"order": updated.to_json()})


@requires("staff")
@_guarded
async def change_status(request: web.Request) -> web.StreamResponse:
    """``{"status", "reason"?, "reply"?, "version"?}``: 退回 needs a reason; 办结 needs an answer (given
    here or before). The resident is told (not for 受理); the answer holds the recorded notice."""
    order = await _order(request)
    body = await _body(request)
    status, reason, reply = body.get("status"), body.get("reason"), body.get("reply")
    user = current_user(request)
    if not isinstance(status, str):
        raise WorkOrderError(f"status 应为 {'、'.join(STATUSES)} 之一")
    if reason is not None and not isinstance(reason, str):
        raise WorkOrderError("reason 应为文字")
    if reply is not None and (status != "办结" or not isinstance(reply, str)):
        raise WorkOrderError("reply 只能随「办结」一起提交，且应为文字")
    seen = _seen(body)
    if seen is not None and seen != order.updated_at:
        raise WorkOrderError(f"工单已被他人改动（现为「{order.status}」），请刷新后重试", 409)
    handling.check_transition(order, status)  # before storing a reply that comes with it
    if reply is not None and reply.strip():
        order = await asyncio.to_thread(handling.add_reply, order.id, user.username, reply)
        seen = order.updated_at if seen is not None else None  # the reply is this staff member's own change
    try:
        updated = await asyncio.to_thread(handling.change_status, order.id, status, user.username, reason, None,
                                          seen)
    except WorkOrderError:
        if reply is not None and reply.strip():  # the answer is stored: it still reaches the resident
            await notify.push(_rasa(request), order, notify.reply_text(order), "reply", user.username)
        raise
    text = notify.status_text(updated)
    notice = await notify.push(_rasa(request), updated, text, "status", user.username) if text else None
    return _json({"order": updated.to_json(), "notice": notice})


@requires("staff")
@_guarded
async def reply(request: web.Request) -> web.StreamResponse:
    """``{"text"}`` (at most 2,000 characters, else 413): stored, then pushed to the resident."""
    order = await _order(request)
    body = await _body(request)
    user = current_user(request)
    updated = await asyncio.to_thread(handling.add_reply, order.id, user.username, body.get("text"))
    notice = await notify.push(_rasa(request), updated, notify.reply_text(updated), "reply", user.username)
    return _json({"order": updated.to_json(), "notice": notice})


@requires("staff")
@_guarded
async def reroute(request: web.Request) -> web.StreamResponse:
    """``{"department", "reason", "version"?}``: to another department (or out of the triage queue),
    kept as a correction."""
    order = await _order(request)
    body = await _body(request)
    user = current_user(request)
    known = await asyncio.to_thread(known_departments)
    updated = await asyncio.to_thread(handling.reroute, order.id, body.get("department"), body.get("reason"),
                                      user.username, known, None, _seen(body))
    return _json({"order": updated.to_json()})


@requires("staff")
@_guarded
async def reveal_phone(request: web.Request) -> web.StreamResponse:
    order = await _order(request)
    phone = await asyncio.to_thread(handling.reveal_phone, order.id, current_user(request).username)
    return _json({"phone": phone})


# administrators ------------------------------------------------------------------------------------
@requires("admin")
@_guarded
async def stats_view(request: web.Request) -> web.StreamResponse:
    """``GET /desk/api/workorders/stats?days=N``: counts by department and category, router accuracy."""
    days = _number(request.query.get("days"), "days", int)
    now = utcnow()
    counts = await asyncio.to_thread(stats.counts, days, now)
    router = await asyncio.to_thread(stats.router_accuracy, days, now)
    return _json({"counts": counts, "router": router})


@requires("admin")
@_guarded
async def corrections_csv(request: web.Request) -> web.StreamResponse:
    """The staff's routings as training rows ``诉求内容,承办部门`` (for ``python -m bot routing train``)."""
    text = await asyncio.to_thread(stats.corrections_csv)
    name = f"routing-corrections-{utcnow():%Y%m%d}.csv"
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


async def _close_rasa(app: web.Application) -> None:
    await app[RASA_KEY].close()


def setup_workorders_api(app: web.Application, rasa: Optional[RasaApi] = None) -> None:
    """Add the routes; the Rasa client is the desk's (``setup_desk_api``) when the app has one."""
    if RASA_KEY not in app:
        app[RASA_KEY] = rasa or RasaApi()
        app.on_cleanup.append(_close_rasa)  # type: ignore[arg-type]
    app.router.add_get(BASE, list_view)
    app.router.add_get(BASE + "/meta", meta)
    app.router.add_get(BASE + "/stats", stats_view)
    app.router.add_get(BASE + "/corrections.csv", corrections_csv)
    app.router.add_get(BASE + "/{ref}", detail)
    app.router.add_post(BASE + "/{ref}/assign", assign)
    app.router.add_post(BASE + "/{ref}/status", change_status)
    app.router.add_post(BASE + "/{ref}/reply", reply)
    app.router.add_post(BASE + "/{ref}/reroute", reroute)
    app.router.add_post(BASE + "/{ref}/reveal-phone", reveal_phone)
