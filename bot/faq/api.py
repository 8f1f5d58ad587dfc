"""The FAQ in the admin console: the ``/admin/faq`` page and its JSON API (every route
``requires("admin")``; the CSRF header is checked by the auth middleware on every change).

* ``GET /admin/api/faq?q=&deleted=0|1|all&limit=&offset=`` → ``{"entries": [entry], "total"}``;
* ``POST /admin/api/faq`` ``{"question","answer","department","keywords"}`` → 201 entry;
* ``GET /admin/api/faq/{id}`` → entry plus ``"history"`` (its audit entries, newest first);
* ``PUT /admin/api/faq/{id}`` (the same fields) → entry; ``DELETE /admin/api/faq/{id}`` → entry
  (soft delete); ``POST /admin/api/faq/{id}/restore`` → entry;
* ``POST /admin/api/faq/history/{audit_id}/revert`` → the entry after undoing that change;
* ``GET /admin/api/faq/search?q=`` → ``{"hits": [{"id","question","answer","department","score"}],
  "threshold", "answered": id | null}`` (the top three, and which one the assistant would answer);
* ``POST /admin/api/faq/import`` multipart: ``file`` (xlsx/csv), ``question_col``, ``answer_col``,
  optional ``department_col``, ``keywords_col``, ``sheet``, ``replace`` and ``preview`` ("1") →
  the import report ``{"added","updated","unchanged","deleted","rejected":[{"row","reason"}],"preview"}``;
  a file that cannot be read → 400 ``{"error"}``.

Refusals answer ``{"error": …}`` with 400 (bad field), 404, 409 (duplicate question, already
deleted) or 413 (too large).
"""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Dict, Optional

from aiohttp import BodyPartReader, web

from bot.audit.log import AuditError, get_entry, history, revert
from bot.desk.pages import html_page, static_files
from bot.faq.store import (
    ENTITY,
    FaqError,
    check_fields,
    create_entry,
    delete_entry,
    import_rows,
    list_entries,
    restore_entry,
    update_entry,
)
from bot.faq.store import (
    get_entry as get_faq,
)
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_BODY = 64 * 1024
MAX_UPLOAD = 20 * 1024 * 1024


def setup_faq_admin(app: web.Application) -> None:
    """Add the FAQ page and API to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    admin = requires("admin")
    app.router.add_get("/admin/faq", admin(html_page(STATIC / "faq.html", nav="/admin/faq")))
    app.router.add_get("/admin/faq/static/{name}", static_files(STATIC))
    app.router.add_get("/admin/api/faq", admin(_list))
    app.router.add_post("/admin/api/faq", admin(_create))
    app.router.add_get("/admin/api/faq/search", admin(_search))
    app.router.add_post("/admin/api/faq/import", admin(_import))
    app.router.add_post("/admin/api/faq/history/{audit_id:\\d+}/revert", admin(_revert))
    app.router.add_get("/admin/api/faq/{id:\\d+}", admin(_get))
    app.router.add_put("/admin/api/faq/{id:\\d+}", admin(_update))
    app.router.add_delete("/admin/api/faq/{id:\\d+}", admin(_delete))
    app.router.add_post("/admin/api/faq/{id:\\d+}/restore", admin(_restore))


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


async def _body(request: web.Request) -> Dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise FaqError(f"请求太大（上限 {MAX_BODY // 1024} KB）", 413)
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise FaqError(f"请求太大（上限 {MAX_BODY // 1024} KB）", 413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FaqError("请求格式错误：不是有效的 JSON") from None
    if not isinstance(body, dict):
        raise FaqError("请求格式错误：需要 JSON 对象")
    return body


def _fields(body: Dict[str, Any]) -> Any:
    keywords = body.get("keywords", "")
    if not isinstance(keywords, (str, list)) or (isinstance(keywords, list)
                                                  and not all(isinstance(k, str) for k in keywords)):
        raise FaqError("关键词须为文字")
    return check_fields(body.get("question", ""), body.get("answer", ""), body.get("department", ""), keywords)


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _entry_history(entry_id: int) -> list:
    return [h.as_dict() for h in history(ENTITY, str(entry_id), limit=50)]


async def _guarded(call: Any) -> web.Response:
    try:
        return await call
    except FaqError as exc:
        return _error(exc.status, str(exc))
    except AuditError as exc:
        return _error(exc.status, str(exc))


async def _list(request: web.Request) -> web.StreamResponse:
    deleted = request.query.get("deleted", "0")
    try:
        limit = max(1, min(int(request.query.get("limit", "100")), 500))
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError:
        return _error(400, "limit 和 offset 须为数字")
    entries, total = await asyncio.to_thread(list_entries, request.query.get("q", ""), deleted == "all",
                                             deleted == "1", limit, offset)
    return _json({"entries": [e.as_dict() for e in entries], "total": total})


async def _create(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        fields = _fields(await _body(request))
        view = await asyncio.to_thread(create_entry, fields, user.username, "console")
        logger.info("admin %s added FAQ entry %s", user.username, view.id)
        return _json(view.as_dict(), status=201)
    return await _guarded(run())


async def _get(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        view = await asyncio.to_thread(get_faq, _id(request))
        return _json({**view.as_dict(), "history": await asyncio.to_thread(_entry_history, view.id)})
    return await _guarded(run())


async def _update(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        fields = _fields(await _body(request))
        view = await asyncio.to_thread(update_entry, _id(request), fields, user.username, "console")
        return _json(view.as_dict())
    return await _guarded(run())


async def _delete(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        view = await asyncio.to_thread(delete_entry, _id(request), user.username, "console")
        return _json(view.as_dict())
    return await _guarded(run())


async def _restore(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        view = await asyncio.to_thread(restore_entry, _id(request), user.username, "console")
        return _json(view.as_dict())
    return await _guarded(run())


async def _revert(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        audit_id = int(request.match_info["audit_id"])
        entry = await asyncio.to_thread(get_entry, audit_id)
        if entry is None or entry.entity != ENTITY:
            raise FaqError("常见问题的修改记录不存在", 404)
        await asyncio.to_thread(revert, audit_id, user.username, "console")
        view = await asyncio.to_thread(get_faq, int(entry.key))
        return _json(view.as_dict())
    return await _guarded(run())


async def _search(request: web.Request) -> web.StreamResponse:
    from bot.faq.search import live_faq

    query = request.query.get("q", "").strip()
    if not query:
        return _error(400, "请输入要检索的问题")

    def run() -> Dict[str, Any]:
        index = live_faq().index()
        hits = index.search(query[:500], top=3)
        answered: Optional[int] = hits[0].id if hits and hits[0].score >= index.tuning.threshold else None
        return {"hits": [{**h.as_dict(), "updated": h.updated.isoformat()} for h in hits],
                "threshold": index.tuning.threshold, "answered": answered}

    return _json(await asyncio.to_thread(run))


async def _import(request: web.Request) -> web.StreamResponse:
    from bot.faq.sheet import Columns, SheetError, read_sheet

    user = current_user(request)
    if not request.content_type.startswith("multipart/"):
        return _error(400, "请用 multipart/form-data 上传文件")
    if request.content_length is not None and request.content_length > MAX_UPLOAD:
        return _error(413, f"文件太大（上限 {MAX_UPLOAD // 1024 // 1024} MB）")
    fields: Dict[str, str] = {}
    data: Optional[bytes] = None
    filename = ""
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        chunk = await part.read(decode=False) if part.name == "file" else None
        if part.name == "file":
            if chunk is not None and len(chunk) > MAX_UPLOAD:
                return _error(413, f"文件太大（上限 {MAX_UPLOAD // 1024 // 1024} MB）")
            data, filename = bytes(chunk or b""), part.filename or ""
        else:
            fields[part.name] = (await part.text())[:200]
    if data is None:
        return _error(400, "请选择要导入的文件")
    if not fields.get("question_col", "").strip() or not fields.get("answer_col", "").strip():
        return _error(400, "请填写问题列和答案列的表头文字")
    columns = Columns(fields["question_col"].strip(), fields["answer_col"].strip(),
                      fields.get("department_col", "").strip() or None, fields.get("keywords_col", "").strip() or None)
    preview = fields.get("preview", "") in ("1", "true", "on")
    replace = fields.get("replace", "") in ("1", "true", "on")

    def run() -> Dict[str, Any]:
        rows = read_sheet(data or b"", columns, filename, fields.get("sheet", "").strip() or None)
        return import_rows(rows, user.username, "import", replace=replace, preview=preview).as_dict()

    try:
        report = await asyncio.to_thread(run)
    except SheetError as exc:
        return _error(400, str(exc))
    logger.info("admin %s imported an FAQ file (%s added, %s updated, %s rejected%s)", user.username,
                report["added"], report["updated"], len(report["rejected"]), ", preview" if preview else "")
    return _json(report)
