"""The service-desk console's web pages: login, the ticket console, 差评 follow-ups, and their files.

The pages are static HTML; everything they show comes from the JSON API (``/desk/api/…``, see
docs/desk.md) through ``common.js``, which also carries the CSRF token. Every page and file is
served with a strict Content-Security-Policy (only this origin's own scripts and styles, nothing
inline) and the security headers of the chat page.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from bot.web.auth import requires
from bot.web.headers import PAGE_HEADERS, SECURITY_HEADERS

STATIC = Path(__file__).parent / "static"

CONTENT_TYPES = {".html": "text/html", ".js": "application/javascript", ".css": "text/css"}
_FILE_NAME = re.compile(r"[a-z][a-z0-9_-]*\.(?:js|css)")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# The administrator console's pages, in the order of its navigation (one list for every page).
ADMIN_NAV = (("/desk/", "工单"), ("/desk/workorders", "12345工单"), ("/desk/followups", "差评整改"),
             ("/desk/workorders/stats", "工单统计"), ("/admin/registry", "办事指南"),
             ("/admin/registry/import", "表格导入导出"), ("/admin/faq", "常见问题"), ("/admin/nlu", "语言理解"),
             ("/admin/models", "模型"), ("/admin/review", "待审消息"), ("/admin/analytics", "统计分析"),
             ("/admin/audit", "修改记录"), ("/admin/users", "账号管理"))
NAV_MARK = "<!-- admin-nav -->"


def admin_nav(current: str) -> str:
    """The console's navigation with ``current`` marked as the page the administrator is on."""
    links = []
    for href, title in ADMIN_NAV:
        mark = ' aria-current="page"' if href == current else ""
        links.append(f'      <a href="{href}"{mark}>{title}</a>')
    return '<nav class="nav admin-nav" aria-label="管理后台">\n' + "\n".join(links) + "\n    </nav>"


def html_page(path: Path, nav: str = "") -> Handler:
    """A handler answering the HTML file at ``path`` (read once) with the pages' headers;
    ``nav``: the page's place in the administrator console's navigation (its ``NAV_MARK``)."""
    text = path.read_text(encoding="utf-8")
    if nav:
        text = text.replace(NAV_MARK, admin_nav(nav))

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)

    return page


def static_files(directory: Path) -> Handler:
    """A handler for ``…/{name}``: a ``.js`` or ``.css`` file directly in ``directory``, nothing else.

    Not ``add_static``: the files get the same security headers as the pages, and a name is a
    plain file name (no sub-directory, no ``..``).
    """
    files = {p.name: p for p in directory.iterdir() if p.is_file() and _FILE_NAME.fullmatch(p.name)}

    async def serve(request: web.Request) -> web.StreamResponse:
        path = files.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound(text="找不到文件", headers=SECURITY_HEADERS)
        headers = {**SECURITY_HEADERS, "Content-Type": f"{CONTENT_TYPES[path.suffix]}; charset=utf-8",
                   "Cache-Control": "no-cache"}
        return web.FileResponse(path, headers=headers)

    return serve


def setup_desk_pages(app: web.Application) -> None:
    """Add the console's pages and files to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    app.router.add_get("/desk/login", html_page(STATIC / "login.html"))
    app.router.add_get("/desk", _to_desk)
    app.router.add_get("/desk/", requires("staff")(html_page(STATIC / "desk.html")))
    app.router.add_get("/desk/followups", requires("staff")(html_page(STATIC / "followups.html")))
    app.router.add_get("/desk/static/{name}", static_files(STATIC))


async def _to_desk(_: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/desk/")
