"""The model console: the ``/admin/models`` page and its JSON API (every route ``requires("admin")``; the
auth middleware checks ``X-CSRF-Token`` on every change).

* ``GET /admin/api/models`` → ``{"versions": [{"version","created","macro_f1","active","by","state",…}],
  "active", "rollback_to", "training": the trainer's status, "serving": [running stacks' reports], "gate_points"}``;
* ``GET /admin/api/models/{version}`` → ``{"version": its meta (figures, per-intent F1, files, fingerprint …),
  "active": the active version's figures or null, "gate": why activation needs force, or null}``;
* ``GET /admin/api/models/{version}/confusion.png`` → the confusion matrix of its evaluation;
* ``GET /admin/api/models/training`` → the status and ``"log"``: the last lines of its log (numbers masked);
* ``POST /admin/api/models/train`` → 202 the status; 409 while a run is in progress;
* ``POST /admin/api/models/{version}/activate`` ``{"force"?, "reason"?}`` → 202 ``{"version","previous",
  "changed","forced","stacks"}`` (the page then watches ``serving``); 409 ``{"error","gate"}`` when the gate
  refuses; 400 force without a reason; 404 unknown version;
* ``POST /admin/api/models/rollback`` → 202 as above; 409 when there is nothing to go back to.

The NLU editor's 开始训练 (``bot.nlu_admin.training_hook``) is connected to the same trainer.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict

from aiohttp import web

from bot.desk.pages import html_page, static_files
from bot.models import lifecycle, serving, store, trainer
from bot.nlu_admin import training_hook
from bot.nlu_admin.annotations import NluError
from bot.nlu_admin.http import error, json_response, read_body
from bot.web.auth import current_user, requires
from bot.web.headers import SECURITY_HEADERS

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PAGE = "/admin/models"
API = "/admin/api/models"
DETAIL_KEYS = ("version", "created", "by", "state", "config", "fingerprint", "editor_fingerprint", "macro_f1",
               "accuracy", "intent_f1", "holdout", "evaluated", "train_seconds", "eval_seconds", "error", "adopted")


class ConsoleTrainer:
    """The trainer as the NLU editor's training hook sees it (``status()``, ``start(actor)``)."""

    def status(self) -> Dict[str, Any]:
        info = trainer.status()
        return {**info, "message": describe(info)}

    def start(self, actor: str) -> Dict[str, Any]:
        try:
            info = trainer.start_background(actor)
        except store.ModelError as exc:
            raise NluError(str(exc), exc.status) from None
        return {**info, "message": f"已开始训练版本 {info['version']}，进度和结果见「模型」页面"}


def describe(info: Dict[str, Any]) -> str:
    """One line for an administrator about the latest run."""
    version, state = info.get("version"), info.get("state")
    if not version:
        return "还没有训练过"
    step = info.get("progress") or {}
    if state == "training":
        return f"正在训练版本 {version}" + (f"：第 {step['epoch']}/{step['epochs']} 轮" if step else "：准备数据")
    if state == "evaluating":
        return f"版本 {version} 训练完成，正在用留出集评估"
    if state == "queued":
        return f"版本 {version} 即将开始训练"
    if state == "ready":
        f1 = info.get("macro_f1")
        return f"最近一次训练：版本 {version}，macro-F1 {f1:.3f}" if isinstance(f1, (int, float)) else \
            f"最近一次训练：版本 {version}"
    if state == "interrupted":
        return f"版本 {version} 的训练被中断了"
    return f"版本 {version} 训练失败：{info.get('error') or '详见训练日志'}"


def setup_models(app: web.Application) -> None:
    """Add the model page and API to ``app`` (which must have :func:`bot.web.auth.setup_auth`), and connect
    the NLU editor's training hook."""
    admin = requires("admin")
    app.router.add_get(PAGE, admin(html_page(STATIC / "models.html", nav=PAGE)))
    app.router.add_get("/admin/models/static/{name}", static_files(STATIC))
    app.router.add_get(API, admin(_overview))
    app.router.add_get(f"{API}/training", admin(_training))
    app.router.add_post(f"{API}/train", admin(_train))
    app.router.add_post(f"{API}/rollback", admin(_rollback))
    app.router.add_get(API + "/{version}", admin(_detail))
    app.router.add_get(API + "/{version}/confusion.png", admin(_confusion))
    app.router.add_post(API + "/{version}/activate", admin(_activate))
    # connected while the app serves (not when it is merely built, e.g. to list its routes)
    app.on_startup.append(_connect_trainer)  # type: ignore[arg-type]
    app.on_cleanup.append(_disconnect_trainer)  # type: ignore[arg-type]


async def _connect_trainer(_: web.Application) -> None:
    training_hook.register_trainer(ConsoleTrainer())


async def _disconnect_trainer(_: web.Application) -> None:
    training_hook.register_trainer(None)


async def _guard(call: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        return await call()
    except store.ModelError as exc:
        return error(exc.status, str(exc), **exc.extra)
    except NluError as exc:  # a body that is not a JSON object, or too big
        return error(exc.status, str(exc), **exc.extra)


def _overview_now() -> Dict[str, Any]:
    info = trainer.status()
    return {"versions": lifecycle.versions(), "active": store.active_version(), "rollback_to": store.rollback_target(),
            "training": {**info, "message": describe(info)}, "serving": serving.live(),
            "gate_points": round(lifecycle.GATE_DROP * 100)}


async def _overview(_: web.Request) -> web.StreamResponse:
    return json_response(await asyncio.to_thread(_overview_now))


def _detail_now(version: str) -> Dict[str, Any]:
    meta = store.read_meta(store.check_name(version))
    shown = {key: meta.get(key) for key in DETAIL_KEYS}
    shown["files"] = len(meta.get("files") or [])
    shown["confusion"] = (store.version_dir(version) / store.CONFUSION_FILE).is_file()
    shown["state"] = trainer.state_of(meta)
    active = store.active_version()
    active_meta = store.read_meta(active) if active else None
    figures = {key: active_meta.get(key) for key in ("version", "macro_f1", "accuracy", "intent_f1")} \
        if active_meta else None
    return {"version": shown, "active": figures,
            "gate": lifecycle.gate(meta, active_meta) if active != version else None}


async def _detail(request: web.Request) -> web.StreamResponse:
    return await _guard(lambda: _answer(_detail_now, request.match_info["version"]))


async def _answer(function: Callable[..., Any], *args: Any, status: int = 200) -> web.Response:
    return json_response(await asyncio.to_thread(function, *args), status=status)


async def _confusion(request: web.Request) -> web.StreamResponse:
    async def run() -> web.StreamResponse:
        path = store.version_dir(request.match_info["version"]) / store.CONFUSION_FILE
        if not path.is_file():
            return error(404, "这个版本没有混淆矩阵图")
        return web.FileResponse(path, headers={**SECURITY_HEADERS, "Content-Type": "image/png",
                                               "Cache-Control": "private, max-age=3600"})
    return await _guard(run)


def _training_now() -> Dict[str, Any]:
    info = trainer.status()
    log = store.version_dir(info["version"]) / store.LOG_FILE if info.get("version") else None
    return {**info, "message": describe(info), "log": trainer.log_tail(log) if log else []}


async def _training(_: web.Request) -> web.StreamResponse:
    return json_response(await asyncio.to_thread(_training_now))


async def _train(request: web.Request) -> web.StreamResponse:
    user = current_user(request)

    async def run() -> web.StreamResponse:
        info = await asyncio.to_thread(trainer.start_background, user.username)
        logger.info("admin %s started training version %s", user.username, info.get("version"))
        return json_response({**info, "message": describe(info)}, status=202)
    return await _guard(run)


def _with_stacks(result: Dict[str, Any]) -> Dict[str, Any]:
    return {**result, "stacks": len(serving.live())}


async def _activate(request: web.Request) -> web.StreamResponse:
    user = current_user(request)

    async def run() -> web.StreamResponse:
        body = await read_body(request)
        force = body.get("force") is True
        result = await asyncio.to_thread(lifecycle.activate, request.match_info["version"], user.username, "console",
                                         force, body.get("reason", ""))
        return json_response(_with_stacks(result), status=202)
    return await _guard(run)


async def _rollback(request: web.Request) -> web.StreamResponse:
    user = current_user(request)

    async def run() -> web.StreamResponse:
        result = await asyncio.to_thread(lifecycle.rollback, user.username, "console")
        return json_response(_with_stacks(result), status=202)
    return await _guard(run)
