"""The NLU editor in the admin console: the ``/admin/nlu`` page and its JSON API (every route
``requires("admin")``; the auth middleware checks the session and ``X-CSRF-Token`` on every change).

Every change carries the ``version`` its form was loaded with (409 when the data changed since)
and answers with the new one. Refusals are ``{"error": …}`` with 400 (bad input), 404 (unknown
intent, example, word), 409 (clash, duplicate, stale; a clash also has ``"clash": {"intent","example"}``)
or 413 (body over 64 KB).

* ``GET /admin/api/nlu/intents`` → ``{"intents": [{"name","count","in_domain","files"}], "fingerprint"}``;
* ``GET /admin/api/nlu/intents/{intent}?q=`` → ``{"name","version","files","editable","in_domain",
  "examples": [{"text","plain","entities": [{"entity","value","text","start","end"}]}]}``;
* ``POST /admin/api/nlu/intents/{intent}/examples`` ``{"text","version"}`` → 201 ``{"intent","version",
  "similar": [{"intent","example","score"}], "audit_id"}`` (``similar``: near-duplicates, flagged only);
* ``PUT`` the same path ``{"old","text","version"}`` → 200; ``DELETE`` ``{"text","version"}`` → 200;
* ``POST /admin/api/nlu/check`` ``{"intent","text","old"?}`` → ``{"ok": true, "similar"}`` or the refusal
  a save would get (nothing written);
* ``GET /admin/api/nlu/search?q=`` → ``{"hits": [{"intent","text","plain","entities"}]}``;
* ``GET /admin/api/nlu/synonyms`` → ``{"synonyms": [{"value","examples","file","editable"}], "generated",
  "version"}``; ``PUT`` ``{"value","examples": [..],"version"}`` (create or replace); ``DELETE``
  ``{"value","version"}``;
* ``GET /admin/api/nlu/words`` → ``{"rows": [{"word","freq","tag"}], "version"}``; ``POST``
  ``{"word","freq","tag","version"}`` → 201; ``PUT /admin/api/nlu/words/{word}`` ``{"freq","tag","version"}``;
  ``DELETE /admin/api/nlu/words/{word}`` ``{"version"}``;
* ``GET /admin/api/nlu/corrections`` → ``{"rows": [{"wrong","right"}], "version"}``; ``POST``
  ``{"wrong","right","version"}`` → 201; ``PUT|DELETE /admin/api/nlu/corrections/{wrong}``;
* ``GET /admin/api/nlu/status`` → ``{"fingerprint", "trainer": status or null}``; ``POST /admin/api/nlu/train``
  → the trainer's answer, 501 while none is connected (:mod:`bot.nlu_admin.training_hook`).

History and revert go through the audit log's API (``/admin/api/audit?entity=nlu_example&key=…``,
``POST /admin/api/audit/{id}/revert``). File work runs in a thread (``asyncio.to_thread``).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict

from aiohttp import web

from bot.desk.pages import html_page, static_files
from bot.nlu_admin import examples, lexicon, synonyms, training_hook
from bot.nlu_admin.http import error, guarded, json_response, read_body
from bot.web.auth import current_user, requires

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PAGE = "/admin/nlu"


def setup_nlu_admin(app: web.Application) -> None:
    """Add the NLU editor's page and API to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    admin = requires("admin")
    app.router.add_get(PAGE, admin(html_page(STATIC / "nlu.html", nav=PAGE)))
    app.router.add_get("/admin/nlu/static/{name}", static_files(STATIC))
    api = "/admin/api/nlu"
    app.router.add_get(f"{api}/intents", admin(_intents))
    app.router.add_get(api + "/intents/{intent}", admin(_intent))
    app.router.add_post(api + "/intents/{intent}/examples", admin(_add))
    app.router.add_put(api + "/intents/{intent}/examples", admin(_update))
    app.router.add_delete(api + "/intents/{intent}/examples", admin(_delete))
    app.router.add_post(f"{api}/check", admin(_check))
    app.router.add_get(f"{api}/search", admin(_search))
    app.router.add_get(f"{api}/synonyms", admin(_synonyms))
    app.router.add_put(f"{api}/synonyms", admin(_set_synonym))
    app.router.add_delete(f"{api}/synonyms", admin(_delete_synonym))
    for name, table in (("words", lexicon.WORDS), ("corrections", lexicon.CORRECTIONS)):
        app.router.add_get(f"{api}/{name}", admin(_table_rows(table)))
        app.router.add_post(f"{api}/{name}", admin(_table_change(table, keyed=False)))
        app.router.add_put(api + f"/{name}/{{key}}", admin(_table_change(table, keyed=True)))
        app.router.add_delete(api + f"/{name}/{{key}}", admin(_table_change(table, keyed=True, delete=True)))
    app.router.add_get(f"{api}/status", admin(_status))
    app.router.add_post(f"{api}/train", admin(_train))


def _intent_name(request: web.Request) -> str:
    return request.match_info["intent"]


async def _intents(_: web.Request) -> web.StreamResponse:
    rows = await asyncio.to_thread(examples.intent_summaries)
    return json_response({"intents": rows, "fingerprint": await asyncio.to_thread(training_hook.data_fingerprint)})


async def _intent(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        detail = await asyncio.to_thread(examples.intent_detail, _intent_name(request), request.query.get("q", ""))
        return json_response(detail)
    return await guarded(run)


async def _add(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        body = await read_body(request)
        change = await asyncio.to_thread(examples.add_example, _intent_name(request), body.get("text"),
                                         body.get("version"), user.username)
        return json_response(change.as_dict(), status=201)
    return await guarded(run)


async def _update(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        body = await read_body(request)
        change = await asyncio.to_thread(examples.update_example, _intent_name(request), body.get("old"),
                                         body.get("text"), body.get("version"), user.username)
        return json_response(change.as_dict())
    return await guarded(run)


async def _delete(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        body = await read_body(request)
        change = await asyncio.to_thread(examples.delete_example, _intent_name(request), body.get("text"),
                                         body.get("version"), user.username)
        return json_response(change.as_dict())
    return await guarded(run)


async def _check(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        body = await read_body(request)
        intent = examples.check_intent(body.get("intent"))
        old = body.get("old") if isinstance(body.get("old"), str) else None
        _, similar = await asyncio.to_thread(examples.check, intent, body.get("text"), None, old)
        return json_response({"ok": True, "similar": [s.as_dict() for s in similar]})
    return await guarded(run)


async def _search(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "").strip()[:100]
    if not query:
        return error(400, "请输入要查找的文字")
    return json_response({"hits": await asyncio.to_thread(examples.search, query)})


async def _synonyms(_: web.Request) -> web.StreamResponse:
    return json_response(await asyncio.to_thread(synonyms.list_synonyms))


async def _set_synonym(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        body = await read_body(request)
        result = await asyncio.to_thread(synonyms.set_synonym, body.get("value"), body.get("examples"),
                                         body.get("version"), user.username)
        return json_response(result)
    return await guarded(run)


async def _delete_synonym(request: web.Request) -> web.StreamResponse:
    async def run() -> web.Response:
        user = current_user(request)
        body = await read_body(request)
        result = await asyncio.to_thread(synonyms.delete_synonym, body.get("value"), body.get("version"),
                                         user.username)
        return json_response(result)
    return await guarded(run)


def _table_rows(table: lexicon.Table) -> Any:
    async def handler(_: web.Request) -> web.StreamResponse:
        rows, version = await asyncio.to_thread(lexicon.rows, table)
        return json_response({"rows": rows, "version": version})
    return handler


def _table_change(table: lexicon.Table, keyed: bool, delete: bool = False) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        async def run() -> web.Response:
            user = current_user(request)
            body: Dict[str, Any] = await read_body(request)
            key = request.match_info["key"] if keyed else None
            result = await asyncio.to_thread(lexicon.change, table, key, body, user.username, "console", delete)
            rows, version = await asyncio.to_thread(lexicon.rows, table)
            return json_response({**result, "rows": rows, "version": version}, status=200 if keyed else 201)
        return await guarded(run)
    return handler


async def _status(_: web.Request) -> web.StreamResponse:
    trainer = training_hook.current_trainer()
    status = await asyncio.to_thread(trainer.status) if trainer is not None else None
    return json_response({"fingerprint": await asyncio.to_thread(training_hook.data_fingerprint), "trainer": status})


async def _train(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    trainer = training_hook.current_trainer()
    if trainer is None:
        return error(501, "模型训练尚未接入：请由模型管理开始训练")

    async def run() -> web.Response:
        result = await asyncio.to_thread(trainer.start, user.username)
        logger.info("admin %s started a training run from the NLU editor", user.username)
        return json_response(result, status=202)
    return await guarded(run)
