"""Spreadsheet import and export of the registry in the administrator console.

Routes (every one ``requires("admin")``; the CSRF header of POSTs is checked by the auth middleware):

* ``GET /admin/registry/import`` the page (files under ``/admin/registry/import/static/``);
* ``POST /admin/api/registry/import/preview`` multipart/form-data with one ``file`` part (xlsx or
  csv, at most 10 MB) → ``{"token", "filename", "format", "rows": [{"sheet","row","code","name",
  "status","messages":[{"sheet","row","column","message"}],"changes"}], "problems", "warnings",
  "errors", "summary"}``. The file is kept server-side under ``token`` (an unguessable random
  string, bound to the uploading account, 30 minutes) so that commit imports exactly what was
  previewed; ``token`` is null when the file is no spreadsheet at all;
* ``POST /admin/api/registry/import/commit`` ``{"token"}`` → ``{"created","updated","unchanged",
  "skipped","items"}``; 409 when the file had errors or the registry changed since the preview
  (nothing written), 404 for an unknown or expired token. A token is used once;
* ``GET /admin/api/registry/export?format=xlsx|csv|yaml`` → the file (yaml: a zip of the seed
  directory layout, ``locations.yaml`` + ``items/*.yaml``, as ``python -m bot registry export``).

The page server's ``client_max_size`` does not limit the upload: the multipart body is streamed
and capped here (413 beyond 10 MB).
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.db import session_scope
from bot.desk.pages import html_page, static_files
from bot.registry.export import export_registry
from bot.registry.sheet_export import write_csv, write_xlsx
from bot.registry.sheet_import import SheetImportError, commit, export_records, preview
from bot.registry.spreadsheet import MAX_FILE_BYTES
from bot.web.auth import current_user, requires
from bot.web.headers import SECURITY_HEADERS

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "sheet_static"
TOKEN_TTL_SECONDS = 30 * 60
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "yaml": "application/zip",
}


@dataclass
class Upload:
    path: Path
    filename: str
    username: str
    digest: str
    created: float


class UploadStore:
    """Previewed files in a private temporary directory, by token; expired ones are swept."""

    def __init__(self, ttl: float = TOKEN_TTL_SECONDS) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="registry-import-"))
        self.ttl = ttl
        self._lock = threading.Lock()
        self._uploads: Dict[str, Upload] = {}

    def put(self, data: bytes, filename: str, username: str, digest: str) -> str:
        token = secrets.token_urlsafe(32)
        path = self.directory / token
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        with self._lock:
            self._uploads[token] = Upload(path, filename, username, digest, time.monotonic())
        self.sweep()
        return token

    def take(self, token: str, username: str) -> Optional[Tuple[Upload, bytes]]:
        """The upload and its bytes, removed from the store (a token is used once)."""
        self.sweep()
        with self._lock:
            upload = self._uploads.get(token)
            if upload is None or upload.username != username:
                return None
            del self._uploads[token]
        try:
            return upload, upload.path.read_bytes()
        finally:
            upload.path.unlink(missing_ok=True)

    def sweep(self) -> None:
        now = time.monotonic()
        with self._lock:
            old = [t for t, u in self._uploads.items() if now - u.created > self.ttl]
            expired = [self._uploads.pop(t) for t in old]
        for upload in expired:
            upload.path.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


STORE_KEY = web.AppKey("registry_sheet_uploads", UploadStore)


def setup_registry_sheets(app: web.Application, store: Optional[UploadStore] = None) -> None:
    """Add the import/export page and API to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    app[STORE_KEY] = store or UploadStore()

    async def _close(application: web.Application) -> None:
        application[STORE_KEY].close()

    app.on_cleanup.append(_close)  # type: ignore[arg-type]
    admin = requires("admin")
    app.router.add_get("/admin/registry/import", admin(html_page(STATIC / "import.html", nav="/admin/registry/import")))
    app.router.add_get("/admin/registry/import/static/{name}", static_files(STATIC))
    app.router.add_post("/admin/api/registry/import/preview", admin(_preview))
    app.router.add_post("/admin/api/registry/import/commit", admin(_commit))
    app.router.add_get("/admin/api/registry/export", admin(_export))


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False),
                             headers={"Cache-Control": "no-store"})


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


async def _read_upload(request: web.Request) -> Tuple[str, bytes]:
    """The ``file`` part of a multipart body, read in chunks and capped at MAX_FILE_BYTES."""
    too_big = web.HTTPRequestEntityTooLarge(
        max_size=MAX_FILE_BYTES, actual_size=request.content_length or MAX_FILE_BYTES + 1,
        text=json.dumps({"error": f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB"}, ensure_ascii=False),
        content_type="application/json")
    if request.content_length is not None and request.content_length > MAX_FILE_BYTES + 64 * 1024:
        raise too_big
    if not request.content_type.startswith("multipart/form-data"):
        raise _bad("请用 multipart/form-data 上传文件（字段名 file）")
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            raise _bad("没有收到文件（字段名 file）")
        if isinstance(part, BodyPartReader) and part.name == "file":
            break
    filename = os.path.basename((part.filename or "").replace("\\", "/"))[:200] or "upload"
    buffer = bytearray()
    while True:
        chunk = await part.read_chunk(256 * 1024)
        if not chunk:
            break
        buffer += chunk
        if len(buffer) > MAX_FILE_BYTES:
            raise too_big
    return filename, bytes(buffer)


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}, ensure_ascii=False),
                              content_type="application/json")


def _preview_file(data: bytes, filename: str) -> Dict[str, Any]:
    with session_scope() as session:
        result = preview(session, data, filename)
    return {"result": result, "body": result.as_dict()}


async def _preview(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    filename, data = await _read_upload(request)
    done = await asyncio.to_thread(_preview_file, data, filename)
    result, body = done["result"], done["body"]
    store = request.app[STORE_KEY]
    # a file that is no spreadsheet gets no token; one with row errors does (the page shows them)
    body["token"] = await asyncio.to_thread(store.put, data, filename, user.username, result.digest) \
        if result.format else None
    logger.info("registry sheet preview by %s: %s (%s bytes), %s", user.username, filename, len(data),
                body["summary"])
    return _json(body)


def _commit_upload(data: bytes, filename: str, actor: str, digest: str) -> Dict[str, Any]:
    with session_scope() as session:
        result, report = commit(session, data, filename, actor, expected_digest=digest)
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "skipped": len(report.skipped_deleted), "items": len(result.rows), "filename": filename}


async def _commit(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "请求格式错误：不是有效的 JSON")
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return _error(400, "请求格式错误：需要 token")
    store = request.app[STORE_KEY]
    taken = await asyncio.to_thread(store.take, token, user.username)
    if taken is None:
        return _error(404, "预览已过期或不存在，请重新上传文件")
    upload, data = taken
    try:
        answer = await asyncio.to_thread(_commit_upload, data, upload.filename, user.username, upload.digest)
    except SheetImportError as exc:
        return _error(exc.status, str(exc))
    logger.info("registry sheet import by %s: %s", user.username, answer)
    return _json(answer)


def _export_file(kind: str) -> bytes:
    if kind == "yaml":
        with tempfile.TemporaryDirectory(prefix="registry-export-") as tmp:
            with session_scope() as session:
                export_registry(Path(tmp), session)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(Path(tmp).rglob("*.yaml")):
                    archive.write(path, path.relative_to(tmp).as_posix())
            return out.getvalue()
    with session_scope() as session:
        items, locations = export_records(session)
    return write_xlsx(items, locations) if kind == "xlsx" else write_csv(items, locations)


async def _export(request: web.Request) -> web.StreamResponse:
    kind = request.query.get("format", "xlsx")
    if kind not in CONTENT_TYPES:
        return _error(400, "format 应为 xlsx、csv 或 yaml")
    data = await asyncio.to_thread(_export_file, kind)
    name = f"registry-{date.today().isoformat()}.{'zip' if kind == 'yaml' else kind}"
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store",
               "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"}
    return web.Response(body=data, content_type=CONTENT_TYPES[kind].split(";")[0], headers=headers,
                        charset="utf-8" if kind == "csv" else None)
