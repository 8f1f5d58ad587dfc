"""Analytics in the admin console: the ``/admin/analytics`` page (charts drawn with ECharts from
npm, served from ``node_modules`` as ``/vendor/echarts.min.js``; nothing from a CDN) and its API
(``requires("admin")``):

* ``GET /admin/api/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD`` (default: the last 7 city days) →
  ``{"summary", "daily", "services", "intents", "satisfaction_levels", "satisfaction_services",
  "titles"}`` (:mod:`bot.analytics.report` says what each figure counts); 400 ``{"error"}`` for a bad
  period;
* ``GET /admin/api/analytics/{table}.csv?from=&to=`` → one table as CSV (every row, not only the top 20),
  ``table`` one of daily, services, intents, satisfaction_levels, satisfaction_services.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from bot.analytics.report import PeriodError, build_report, parse_period
from bot.analytics.tables import COLUMNS, TITLES, to_csv
from bot.config import PROJECT_ROOT
from bot.desk.pages import html_page, static_files
from bot.nlu_admin.http import error, json_response
from bot.web.auth import requires
from bot.web.headers import SECURITY_HEADERS

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PAGE = "/admin/analytics"
ECHARTS_JS = PROJECT_ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"


def setup_analytics(app: web.Application) -> None:
    """Add the analytics page, its API and the chart library to ``app`` (with :func:`bot.web.auth.setup_auth`)."""
    admin = requires("admin")
    app.router.add_get(PAGE, admin(html_page(STATIC / "analytics.html", nav=PAGE)))
    app.router.add_get("/admin/analytics/static/{name}", static_files(STATIC))
    app.router.add_get("/admin/api/analytics", admin(_report))
    app.router.add_get("/admin/api/analytics/{table:[a-z_]+}.csv", admin(_csv))
    app.router.add_get("/vendor/echarts.min.js", _echarts)


async def _echarts(_: web.Request) -> web.StreamResponse:
    if not ECHARTS_JS.exists():
        raise web.HTTPNotFound(text="echarts 未安装：请先运行 make setup（npm ci）", headers=SECURITY_HEADERS)
    return web.FileResponse(ECHARTS_JS, headers={**SECURITY_HEADERS, "Content-Type": "application/javascript",
                                                 "Cache-Control": "public, max-age=86400"})


async def _report(request: web.Request) -> web.StreamResponse:
    try:
        period = parse_period(request.query.get("from"), request.query.get("to"))
    except PeriodError as exc:
        return error(400, str(exc))
    report = await asyncio.to_thread(build_report, period)
    return json_response({**report, "titles": TITLES})


async def _csv(request: web.Request) -> web.StreamResponse:
    table = request.match_info["table"]
    if table not in COLUMNS:
        return error(404, f"没有这张表：{table}")
    try:
        period = parse_period(request.query.get("from"), request.query.get("to"))
    except PeriodError as exc:
        return error(400, str(exc))
    report = await asyncio.to_thread(build_report, period, None, None)
    name = f"{table}_{period.first}_{period.last}.csv"
    return web.Response(body=to_csv(table, report[table]), headers={
        **SECURITY_HEADERS, "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
