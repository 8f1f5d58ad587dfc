"""The desk's JSON API (docs/desk.md): the console uses it, and a city's own tools can script it.

Handlers check the request, run the ticket store in a worker thread and talk to Rasa through
:class:`RasaApi`. A reply or a hand-back goes to Rasa first and is recorded after, so a
message Rasa did not take is reported to the staff member, never lost silently.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.accounts.service import list_users
from bot.desk import handback, tickets
from bot.desk.rasa_api import RasaApi, RasaUnavailable
from bot.desk.tickets import TicketError, TicketInfo, utcnow
from bot.desk.transcript import transcript
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 2000
WECHAT_WINDOW = timedelta(hours=48)
STATUSES = ("waiting", "active", "closed")
RASA_KEY: web.AppKey[RasaApi] = web.AppKey("desk_rasa_api", RasaApi)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _error(message: str, status: int) -> web.Response:
    return _json({"error": message}, status)


async def _body(request: web.Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise TicketError("请求体应为 JSON 对象", 400) from None
    if not isinstance(body, dict):
        raise TicketError("请求体应为 JSON 对象", 400)
    return body


def _ticket_id(request: web.Request) -> int:
    try:
        return int(request.match_info["ticket_id"])
    except ValueError:
        raise TicketError("工单号无效", 404) from None


def reply_refusal(ticket: TicketInfo, now: Optional[Any] = None) -> Optional[str]:
    """Why a staff message to this ticket's resident cannot be delivered, or None."""
    if ticket.status == "closed":
        return "工单已关闭，不能再回复。"
    if ticket.kind == "callback":
        return "这是非工作时间的留言工单：请按留下的电话回电，再填写处理结果关闭工单。"
    if ticket.channel == "rest":
        return "该居民通过 REST 接口访问，无法向其推送消息，请关闭工单并交还智能助手。"
    if ticket.channel == "wechat":
        last = ticket.last_resident_at or ticket.created_at
        if (now or utcnow()) - last > WECHAT_WINDOW:
            return "微信只允许在居民最后一条消息后 48 小时内发送客服消息，已超出时限，无法回复。"
    return None


def _with_errors(handler: Any) -> Any:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except TicketError as exc:
            return _error(str(exc), exc.status)
        except RasaUnavailable as exc:
            return _error(str(exc), 502)
    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


@requires("staff")
@_with_errors
async def list_view(request: web.Request) -> web.StreamResponse:
    status = request.query.get("status", "waiting")
    if status not in STATUSES:
        return _error("status 应为 waiting、active 或 closed", 400)
    now = utcnow()
    rows = await asyncio.to_thread(tickets.list_tickets, status)
    return _json([row.to_json(now) for row in rows])


@requires("staff")
@_with_errors
async def detail(request: web.Request) -> web.StreamResponse:
    ticket_id = _ticket_id(request)
    ticket = await asyncio.to_thread(tickets.get_ticket, ticket_id)
    if ticket is None:
        return _error("工单不存在", 404)
    data = ticket.to_json()
    data["notes"] = await asyncio.to_thread(tickets.notes, ticket_id)
    data["history"] = await asyncio.to_thread(tickets.history, ticket_id)
    try:
        tracker = await request.app[RASA_KEY].tracker(ticket.sender_id)
        data["messages"] = transcript(tracker.get("events") or [])
        data["transcript_error"] = None
    except RasaUnavailable as exc:
        data["messages"] = []
        data["transcript_error"] = str(exc)
    user = current_user(request)
    refusal = reply_refusal(ticket)
    if refusal is None and ticket.status == "waiting":
        refusal = "请先接待该工单。"
    elif refusal is None and ticket.assignee != user.username:
        refusal = f"该工单由 {ticket.assignee} 接待。"
    data["can_reply"] = refusal is None
    data["reply_refusal"] = refusal
    return _json(data)


@requires("staff")
@_with_errors
async def claim(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ticket = await asyncio.to_thread(tickets.claim, _ticket_id(request), user.username)
    return _json(ticket.to_json())


@requires("staff")
@_with_errors
async def post_message(request: web.Request) -> web.StreamResponse:
    """A staff reply: appended to the tracker and pushed through the resident's channel."""
    user = current_user(request)
    body = await _body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _error("回复内容不能为空", 400)
    text = text.strip()
    if len(text) > MAX_REPLY_CHARS:
        return _error(f"回复不能超过 {MAX_REPLY_CHARS} 字（当前 {len(text)} 字），请分几条发送", 413)
    ticket = await asyncio.to_thread(tickets.require_holder, _ticket_id(request), user.username)
    refusal = reply_refusal(ticket)
    if refusal:
        return _error(refusal, 409)
    started = time.time()
    event = {"event": "bot", "text": text, "timestamp": started,
             "metadata": {"staff": user.display_name or user.username, "staff_username": user.username}}
    await request.app[RASA_KEY].append(ticket.sender_id, [event])
    if ticket.channel == "wechat":
        failure = await asyncio.to_thread(handback.wechat_failure_since, ticket.sender_id, started)
        if failure:
            await asyncio.to_thread(tickets.log_action, ticket.id, user.username, "reply_failed", failure)
            return _error(f"微信未能送达：{failure}", 409)
    await asyncio.to_thread(tickets.log_action, ticket.id, user.username, "replied", f"{len(text)} 字")
    return _json({"ok": True, "message": {"from": "staff", "text": text, "at": utcnow().isoformat()}})


@requires("staff")
@_with_errors
async def add_note(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    body = await _body(request)
    note = await asyncio.to_thread(tickets.add_note, _ticket_id(request), user.username, str(body.get("text") or ""))
    return _json(note)


@requires("staff")
@_with_errors
async def transfer(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    body = await _body(request)
    to = str(body.get("to") or "").strip()
    colleagues = {u.username for u in await asyncio.to_thread(list_users) if u.active}
    if to not in colleagues:
        return _error("找不到该同事，或其账号已停用", 400)
    ticket = await asyncio.to_thread(tickets.transfer, _ticket_id(request), user.username, to)
    return _json(ticket.to_json())


@requires("staff")
@_with_errors
async def close(request: web.Request) -> web.StreamResponse:
    """Close; a live conversation resumes first (Rasa), so a failure leaves the ticket open."""
    user = current_user(request)
    body = await _body(request)
    outcome = body.get("outcome")
    hand_back = body.get("hand_back", True)
    if not isinstance(outcome, str) or not outcome.strip():
        return _error("请填写处理结果", 400)
    if not isinstance(hand_back, bool):
        return _error("hand_back 应为 true 或 false", 400)
    ticket_id = _ticket_id(request)
    ticket = await asyncio.to_thread(tickets.get_ticket, ticket_id)
    if ticket is None:
        return _error("工单不存在", 404)
    if not (ticket.kind == "callback" and ticket.status == "waiting"):
        ticket = await asyncio.to_thread(tickets.require_holder, ticket_id, user.username)
    if ticket.kind == "live":
        await request.app[RASA_KEY].append(ticket.sender_id, handback.resume_events(ticket, hand_back),
                                           push=ticket.channel != "rest")
    closed = await asyncio.to_thread(tickets.close, ticket_id, user.username, outcome, hand_back)
    return _json(closed.to_json())


@requires("staff")
@_with_errors
async def reveal_phone(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    phone = await asyncio.to_thread(tickets.reveal_phone, _ticket_id(request), user.username)
    return _json({"phone": phone})


@requires("staff")
async def staff(request: web.Request) -> web.StreamResponse:
    users = await asyncio.to_thread(list_users)
    me = current_user(request).username
    return _json([{"username": u.username, "display_name": u.display_name, "role": u.role}
                  for u in users if u.active and u.username != me])


@requires("staff")
async def quick_answers(request: web.Request) -> web.StreamResponse:
    from bot.desk.quick_answers import search

    results: List[Dict[str, str]] = await asyncio.to_thread(search, request.query.get("q", ""))
    return _json(results)


async def _close_rasa(app: web.Application) -> None:
    await app[RASA_KEY].close()



def setup_desk_api(app: web.Application, rasa: Optional[RasaApi] = None) -> None:
    app[RASA_KEY] = rasa or RasaApi()
    app.on_cleanup.append(_close_rasa)  # type: ignore[arg-type]
    base = "/desk/api/tickets"
    app.router.add_get(base, list_view)
    app.router.add_get(base + "/{ticket_id}", detail)
    app.router.add_post(base + "/{ticket_id}/claim", claim)
    app.router.add_post(base + "/{ticket_id}/messages", post_message)
    app.router.add_post(base + "/{ticket_id}/notes", add_note)
    app.router.add_post(base + "/{ticket_id}/transfer", transfer)
    app.router.add_post(base + "/{ticket_id}/close", close)
    app.router.add_post(base + "/{ticket_id}/reveal-phone", reveal_phone)
    app.router.add_get("/desk/api/staff", staff)
    app.router.add_get("/desk/api/quick-answers", quick_answers)
