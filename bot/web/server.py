"""The page server: the web chat page, the service desk (/desk/) and the admin console (/admin/).

The chat page talks to Rasa's Socket.IO channel directly; the desk talks to this server's JSON
API, which reaches Rasa's HTTP API on the loopback address with the API token.
"""
from __future__ import annotations

import html
import logging
from pathlib import Path

from aiohttp import web

from bot.admin.users import setup_admin
from bot.analytics.api import setup_analytics
from bot.config import PROJECT_ROOT
from bot.desk.api import setup_desk_api
from bot.desk.pages import setup_desk_pages
from bot.faq.api import setup_faq_admin
from bot.models.api import setup_models
from bot.nlu_admin.api import setup_nlu_admin
from bot.ratings.api import setup_ratings_api
from bot.registry.admin_api import setup_registry_admin
from bot.registry.sheet_api import setup_registry_sheets
from bot.review.api import setup_review
from bot.web.auth import setup_auth
from bot.web.headers import SECURITY_HEADERS
from bot.workorders.api import setup_workorders_api
from bot.workorders.pages import setup_workorder_pages

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
SOCKET_IO_JS = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


def create_app(rasa_url: str) -> web.Application:
    if not SOCKET_IO_JS.exists():
        raise FileNotFoundError(f"{SOCKET_IO_JS} 不存在：请先运行 make setup（npm install）")
    page = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{RASA_URL}}",
                                                                      html.escape(rasa_url, quote=True))
    connect_src = f"'self' {rasa_url} {rasa_url.replace('http', 'ws', 1)}"

    async def index(_: web.Request) -> web.Response:
        headers = {
            **SECURITY_HEADERS,
            "Content-Security-Policy": f"default-src 'self'; connect-src {connect_src}; img-src 'self' data:; "
                                       "style-src 'self'; script-src 'self'",
        }
        return web.Response(text=page, content_type="text/html", charset="utf-8", headers=headers)

    async def socket_io(_: web.Request) -> web.FileResponse:
        return web.FileResponse(SOCKET_IO_JS, headers={**SECURITY_HEADERS, "Content-Type": "application/javascript"})

    app = web.Application(client_max_size=64 * 1024)  # desk replies; the chat page itself posts nothing here
    setup_auth(app)
    setup_desk_api(app)
    setup_ratings_api(app)
    setup_desk_pages(app)
    setup_workorders_api(app)
    setup_workorder_pages(app)
    setup_admin(app)
    setup_registry_admin(app)
    setup_registry_sheets(app)
    setup_faq_admin(app)
    setup_nlu_admin(app)
    setup_models(app)
    setup_review(app)
    setup_analytics(app)
    app.router.add_get("/", index)
    app.router.add_get("/vendor/socket.io.min.js", socket_io)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app


def serve(port: int, rasa_url: str) -> None:
    logger.info("web chat on http://localhost:%s/ (Rasa at %s)", port, rasa_url)
    web.run_app(create_app(rasa_url), host="0.0.0.0", port=port, print=None)
