"""The administrator console of the service registry and the audit log: pages and JSON API.

Pages (static HTML + JS in ``bot/registry/static/``; every one ``requires("admin")``):

* ``/admin/registry`` search and list (deleted items on request, with 恢复);
* ``/admin/registry/new`` and ``/admin/registry/{code}`` the item form;
* ``/admin/audit`` the log (who, when, before → after by field; 撤销此修改).

API (every route ``requires("admin")``; the auth middleware checks the session and the
``X-CSRF-Token`` header of every POST, PUT and DELETE; bodies are JSON objects of at most
:data:`MAX_BODY` bytes; a refusal is ``{"error": …}``, an invalid item also has
``"problems": [{"field": "materials[2].name", "message": …}]``):

* ``GET /admin/api/registry/items?q=&deleted=1`` → ``{"items": [{"code","name","aliases","category",
  "agency","updated","deleted"}]}`` (by name, alias, code or agency; deleted only with ``deleted=1``);
* ``GET /admin/api/registry/items/{code}`` → ``{"item": seed-format record (+ "source"), "version",
  "deleted", "deleted_at", "history": [audit entries, newest first]}``; 404 unknown;
* ``POST /admin/api/registry/items`` ``{"item": {…}}`` → 201 ``{"saved": {"code","name","version","action",
  "audit_id"}, …the item as GET}``; 400 invalid; 409 the code exists;
* ``PUT /admin/api/registry/items/{code}`` ``{"item": {…}, "version": token from GET}`` → 200 the same;
  400 invalid; 404 unknown; 409 stale version (someone changed it since) or deleted;
* ``DELETE /admin/api/registry/items/{code}`` (optional ``{"version"}``) → 200 (soft delete);
* ``POST /admin/api/registry/items/{code}/restore`` → 200;
* ``GET /admin/api/registry/locations`` → ``{"locations": [{"code","name","district"}]}``;
* ``GET /admin/api/audit?entity=&key=&before_id=&limit=`` → ``{"entries": [{"id","at","actor","source",
  "entity","key","action","summary","before","after","reverts","changes"}], "next_before_id"}`` newest
  first (``next_before_id`` null on the last page);
* ``POST /admin/api/audit/{id}/revert`` → 200 ``{"entry": the new entry}``; 404 unknown; 409 refused.

Database work runs in a thread (``asyncio.to_thread``).
"""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Dict, Optional

from aiohttp import web

from bot.audit.log import AuditError, history, revert
from bot.desk.pages import html_page, static_files
from bot.registry.editing import (
    EditError,
    Saved,
    delete_item,
    item_detail,
    item_list,
    location_choices,
    restore_item,
    save_item,
)
from bot.registry.repository import REGISTRY_ENTITY
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_BODY = 256 * 1024  # an item with many situations and materials is a few KB
HISTORY_LIMIT = 50
PAGE_LIMIT = 50
# a code of the item form: a registry code, but not the console's own sub-pages
# (/admin/registry/new, and /admin/registry/import|export of the spreadsheet pages)
CODE_ROUTE = r"{code:(?!(?:new|import|export|static)$)[A-Za-z0-9_-]{1,64}}"


def setup_registry_admin(app: web.Application) -> None:
    """Add the registry console and the audit log to ``app`` (which must have ``setup_auth``)."""
    admin = requires("admin")
    edit_page = admin(html_page(STATIC / "item.html", nav="/admin/registry"))
    app.router.add_get("/admin/registry", admin(html_page(STATIC / "registry.html", nav="/admin/registry")))
    app.router.add_get("/admin/registry/new", edit_page)
    app.router.add_get("/admin/registry/static/{name}", static_files(STATIC))
    app.router.add_get("/admin/registry/" + CODE_ROUTE, edit_page)
    app.router.add_get("/admin/audit", admin(html_page(STATIC / "audit.html", nav="/admin/audit")))
    app.router.add_get("/admin/api/registry/items", admin(_list))
    app.router.add_post("/admin/api/registry/items", admin(_create))
    app.router.add_get("/admin/api/registry/items/{code}", admin(_get))
    app.router.add_put("/admin/api/registry/items/{code}", admin(_update))
    app.router.add_delete("/admin/api/registry/items/{code}", admin(_delete))
    app.router.add_post("/admin/api/registry/items/{code}/restore", admin(_restore))
    app.router.add_get("/admin/api/registry/locations", admin(_locations))
    app.router.add_get("/admin/api/audit", admin(_audit))
    app.router.add_post("/admin/api/audit/{entry_id}/revert", admin(_revert))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=_dumps)


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status=status)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _body(request: web.Request, required: bool = True) -> Dict[str, Any]:
    """The request's JSON object, at most MAX_BODY bytes (an empty body is {} when not required)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise _BadRequest(413, f"请求太大（上限 {MAX_BODY // 1024} KB）")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise _BadRequest(413, f"请求太大（上限 {MAX_BODY // 1024} KB）")
    if not raw.strip() and not required:
        return {}
    if request.content_type != "application/json":
        raise _BadRequest(400, "请求格式错误：需要 JSON")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _BadRequest(400, "请求格式错误：不是有效的 JSON") from None
    if not isinstance(body, dict):
        raise _BadRequest(400, "请求格式错误：应为 JSON 对象")
    return body


def _item_of(body: Dict[str, Any]) -> Dict[str, Any]:
    item = body.get("item")
    if not isinstance(item, dict):
        raise _BadRequest(400, "请求格式错误：需要 item（事项对象）")
    return item


async def _detail(code: str) -> Optional[Dict[str, Any]]:
    detail = await asyncio.to_thread(item_detail, code)
    if detail is None:
        return None
    entries = await asyncio.to_thread(history, REGISTRY_ENTITY, code, HISTORY_LIMIT)
    return {**detail, "history": [e.as_dict() for e in entries]}


async def _answer(saved: Saved, status: int = 200) -> web.Response:
    detail = await _detail(saved.code)
    return _json({"saved": saved.as_dict(), **(detail or {})}, status=status)


def _refused(exc: EditError) -> web.Response:
    return _json(exc.as_dict(), status=exc.status)


async def _list(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "")[:100]
    deleted = request.query.get("deleted", "") in ("1", "true", "yes")
    rows = await asyncio.to_thread(item_list, query, deleted)
    return _json({"items": rows})


async def _get(request: web.Request) -> web.StreamResponse:
    detail = await _detail(request.match_info["code"])
    if detail is None:
        return _error(404, "没有这个事项")
    return _json(detail)


async def _create(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        item = _item_of(await _body(request))
        saved = await asyncio.to_thread(save_item, item, user.username, "console", None, mode="create")
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    except EditError as exc:
        return _refused(exc)
    return await _answer(saved, 201)


async def _update(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    code = request.match_info["code"]
    try:
        body = await _body(request)
        item = dict(_item_of(body))
        version = body.get("version")
        if not isinstance(version, str) or not version:
            raise _BadRequest(400, "请求格式错误：需要 version（打开时的版本）")
        if item.setdefault("code", code) != code:
            return _error(400, "事项编码不能修改", problems=[{"field": "code", "message": "编码不能修改；请新建事项"}])
        saved = await asyncio.to_thread(save_item, item, user.username, "console", version, mode="update")
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    except EditError as exc:
        return _refused(exc)
    return await _answer(saved)


async def _delete(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        body = await _body(request, required=False)
        version = body.get("version") or request.query.get("version") or None
        if version is not None and not isinstance(version, str):
            raise _BadRequest(400, "请求格式错误：version 应为文字")
        saved = await asyncio.to_thread(delete_item, request.match_info["code"], user.username, "console", version)
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    except EditError as exc:
        return _refused(exc)
    return await _answer(saved)


async def _restore(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        await _body(request, required=False)
        saved = await asyncio.to_thread(restore_item, request.match_info["code"], user.username)
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    except EditError as exc:
        return _refused(exc)
    return await _answer(saved)


async def _locations(_: web.Request) -> web.StreamResponse:
    return _json({"locations": await asyncio.to_thread(location_choices)})


def _int(value: Optional[str], name: str, default: Optional[int] = None) -> Optional[int]:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise _BadRequest(400, f"参数 {name} 应为整数") from None


async def _audit(request: web.Request) -> web.StreamResponse:
    try:
        before_id = _int(request.query.get("before_id"), "before_id")
        limit = max(1, min(200, _int(request.query.get("limit"), "limit", PAGE_LIMIT) or PAGE_LIMIT))
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    entity = request.query.get("entity") or None
    key = request.query.get("key") or None
    entries = await asyncio.to_thread(history, entity, key, limit + 1, before_id)
    page = entries[:limit]
    return _json({"entries": [e.as_dict() for e in page],
                  "next_before_id": page[-1].id if len(entries) > limit else None})


async def _revert(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        entry_id = _int(request.match_info["entry_id"], "id")
        await _body(request, required=False)
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    try:
        entry = await asyncio.to_thread(revert, int(entry_id or 0), user.username)
    except AuditError as exc:
        return _error(exc.status, str(exc))
    logger.info("admin %s reverted audit entry %s", user.username, entry_id)
    return _json({"entry": entry.as_dict()})
