"""JSON in and out for the console APIs of the NLU editor, the review queue and analytics: bodies
capped and checked, refusals as ``{"error": …}`` with the feature's status."""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict

from aiohttp import web

from bot.audit.log import AuditError
from bot.nlu_admin.annotations import NluError

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # as the page server's client_max_size


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def error(status: int, message: str, **extra: Any) -> web.Response:
    return json_response({"error": message, **extra}, status=status)


async def read_body(request: web.Request) -> Dict[str, Any]:
    """The request's JSON object; :class:`NluError` 413 past :data:`MAX_BODY`, 400 when not an object."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise NluError(f"请求太大（上限 {MAX_BODY // 1024} KB）", 413)
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise NluError(f"请求太大（上限 {MAX_BODY // 1024} KB）", 413)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NluError("请求格式错误：不是有效的 JSON") from None
    if not isinstance(body, dict):
        raise NluError("请求格式错误：需要 JSON 对象")
    return body


async def guarded(call: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Run a handler body; a refusal becomes its JSON answer, a file that cannot be written a 500 that
    says so (nothing was changed: the rename is the last step)."""
    try:
        return await call()
    except NluError as exc:
        return error(exc.status, str(exc), **exc.extra)
    except AuditError as exc:
        return error(exc.status, str(exc))
    except OSError as exc:
        logger.exception("training data could not be written")
        return error(500, f"无法写入训练数据文件（{exc.strerror or exc}），修改没有保存，请联系运维")
