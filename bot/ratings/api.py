"""The desk's 好差评 endpoints: 差评 follow-ups (整改) to work through, and the rating summary.

Login, roles and the CSRF check come from :mod:`bot.web.auth`; the store is synchronous, so
every call runs in a thread. Errors are ``{"error": "<reason in Chinese>"}``.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from bot.ratings import store
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

STATUSES = ("open", "closed")
SUMMARY_BY = ("service", "staff")
MAX_NOTE_CHARS = 2000


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _error(message: str, status: int) -> web.Response:
    return _json({"error": message}, status)


@requires("staff")
async def list_followups(request: web.Request) -> web.StreamResponse:
    """``GET /desk/api/followups?status=open|closed``: overdue first among open ones, newest first."""
    status = request.query.get("status", "open")
    if status not in STATUSES:
        return _error("status 应为 open 或 closed", 400)
    rows = await asyncio.to_thread(store.list_followups, status)
    return _json([row.as_dict() for row in rows])


@requires("staff")
async def close_followup(request: web.Request) -> web.StreamResponse:
    """``POST /desk/api/followups/{id}/close`` with ``{"note"}``: 400 no note, 404 unknown, 409 closed."""
    try:
        followup_id = int(request.match_info["followup_id"])
    except ValueError:
        return _error("整改记录编号无效", 404)
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _error("请求体应为 JSON 对象", 400)
    note = body.get("note") if isinstance(body, dict) else None
    if not isinstance(note, str) or not note.strip():
        return _error(str(store.NoteRequired()), 400)
    if len(note) > MAX_NOTE_CHARS:
        return _error(f"整改情况说明不能超过 {MAX_NOTE_CHARS} 字", 400)
    username = current_user(request).username
    try:
        info = await asyncio.to_thread(store.close_followup, followup_id, note, username)
    except store.FollowUpNotFound as error:
        return _error(str(error), 404)
    except store.AlreadyClosed as error:
        return _error(str(error), 409)
    except store.FollowUpError as error:
        return _error(str(error), 400)
    return _json(info.as_dict())


@requires("staff")
async def rating_summary(request: web.Request) -> web.StreamResponse:
    """``GET /desk/api/ratings/summary?by=service|staff``: counts per level and 满意率 per row."""
    by = request.query.get("by", "service")
    if by not in SUMMARY_BY:
        return _error("by 应为 service 或 staff", 400)
    rows = await asyncio.to_thread(store.summary, by)
    return _json([row.as_dict() for row in rows])


def setup_ratings_api(app: web.Application) -> None:
    """Add the follow-up and summary routes (the app already has :func:`bot.web.auth.setup_auth`)."""
    app.router.add_get("/desk/api/followups", list_followups)
    app.router.add_post("/desk/api/followups/{followup_id}/close", close_followup)
    app.router.add_get("/desk/api/ratings/summary", rating_summary)


__all__ = ["setup_ratings_api"]
