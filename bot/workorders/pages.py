"""The work-order console's pages: the list and detail for staff, the statistics for administrators.

Static HTML and JavaScript like the desk's (``bot/desk/pages.py``: the same headers and strict
Content-Security-Policy, nothing inline); everything they show comes from ``/desk/api/workorders…``
through the desk's ``common.js``.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.desk.pages import html_page, static_files
from bot.web.auth import requires

STATIC = Path(__file__).parent / "static"
LIST_PAGE = "/desk/workorders"
STATS_PAGE = "/desk/workorders/stats"


def setup_workorder_pages(app: web.Application) -> None:
    """Add the pages and their files to ``app`` (which must have :func:`bot.web.auth.setup_auth`)."""
    app.router.add_get(LIST_PAGE, requires("staff")(html_page(STATIC / "workorders.html")))
    app.router.add_get(STATS_PAGE, requires("admin")(html_page(STATIC / "stats.html", nav=STATS_PAGE)))
    app.router.add_get("/desk/workorders/static/{name}", static_files(STATIC))
