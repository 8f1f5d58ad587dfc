"""The review queue in the admin console: the ``/admin/review`` page and its JSON API (every route
``requires("admin")``; the auth middleware checks ``X-CSRF-Token`` on every change).

* ``GET /admin/api/review?days=30&limit=50&offset=0`` → ``{"groups": [{"text","count","texts": [{"text","count"}],
  "reasons": {"fallback","low_confidence","rated"}, "intents": [{"intent","count"}], "levels", "first_at",
  "last_at"}], "total_groups", "total_messages", "days", "threshold"}`` (biggest group first);
* ``POST /admin/api/review/decisions`` ``{"action": "examples"|"faq"|"dismiss", "texts": [the group's texts
  chosen], "days", "note"?}`` plus, for ``examples``, ``"intent"`` and optionally ``"examples"`` (the texts to
  add, edited or annotated), for ``faq``, ``"question","answer","department","keywords"`` → 201 the decision
  (``{"id","action","messages","examples","refused","similar","faq_id",…}``); 400 bad input, 404 unknown
  intent, 409 already handled or nothing could be added (``"refused"`` says why);
* ``GET /admin/api/review/decisions`` → ``{"decisions": [...]}`` newest first. Reopening a decision is
  reverting its audit entry (``POST /admin/api/audit/{id}/revert``).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict

from aiohttp import web

from bot.desk.pages import html_page, static_files
from bot.nlu_admin.http import error, guarded, json_response, read_body
from bot.review.queue import DEFAULT_DAYS, MAX_DAYS, ReviewError, decide, decisions, queue
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PAGE = "/admin/review"


def setup_review(app: web.Application) -> None:
    """Add the review page and API to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    admin = requires("admin")
    app.router.add_get(PAGE, admin(html_page(STATIC / "review.html", nav=PAGE)))
    app.router.add_get("/admin/review/static/{name}", static_files(STATIC))
    app.router.add_get("/admin/api/review", admin(_queue))
    app.router.add_post("/admin/api/review/decisions", admin(_decide))
    app.router.add_get("/admin/api/review/decisions", admin(_decisions))


def _days(value: Any) -> int:
    try:
        days = int(value) if value not in (None, "") else DEFAULT_DAYS
    except (TypeError, ValueError):
        raise ReviewError("days 须为整数") from None
    if not 1 <= days <= MAX_DAYS:
        raise ReviewError(f"days 须在 1 到 {MAX_DAYS} 之间")
    return days


async def _queue(request: web.Request) -> web.StreamResponse:
    try:
        days = _days(request.query.get("days"))
        limit = max(1, min(int(request.query.get("limit", "50")), 200))
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError as exc:
        return error(400, str(exc) if isinstance(exc, ReviewError) else "limit 和 offset 须为数字")
    return json_response(await asyncio.to_thread(queue, days, limit, offset))


async def _decide(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        body: Dict[str, Any] = await read_body(request)
        try:
            result = await asyncio.to_thread(decide, body.get("action"), body, user.username, _days(body.get("days")))
        except ReviewError as exc:
            return error(exc.status, str(exc), **exc.extra)
        return json_response(result, status=201)
    return await guarded(run)


async def _decisions(_: web.Request) -> web.StreamResponse:
    return json_response({"decisions": await asyncio.to_thread(decisions)})
