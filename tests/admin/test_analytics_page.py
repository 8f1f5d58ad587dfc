"""The analytics page and API on a real aiohttp server (the consoles' app, tests/support/admin_console.py)
with a private database and fixed conversations of the last days: roles on every route, bad periods,
the CSV download, ECharts served from node_modules (never a CDN), and the page in headless Chromium
drawing its charts with no Content-Security-Policy violation.

Bad input tried: periods the wrong way round, too long, not dates; an unknown table; a visitor and a
staff member on every route.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Iterator, Tuple

import pytest
import requests
from playwright.sync_api import expect

from bot.desk.tickets import claim, open_ticket
from bot.hours.clock import TZ
from bot.ratings.store import record_rating
from tests.desk.console import ConsoleServer
from tests.support.admin_console import console
from tests.support.browser import NewPage, csp_violations, login
from tests.support.database import fresh_database
from tests.support.desk import DeskClient
from tests.support.events import committed, said, store

TIMEOUT = 15_000


def _noon(days_ago: int) -> datetime:
    today = datetime.now(TZ).replace(hour=12, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[ConsoleServer, DeskClient, DeskClient]]:
    with fresh_database(tmp_path_factory.mktemp("analytics") / "analytics.db"), console() as running:
        for i in range(4):  # yesterday: 4 conversations about one item, one of them fell back first
            at = _noon(1).timestamp() + i * 60
            store(f"y{i}", [said("居住证怎么办", "ask_service_guide", at, registry=committed("居住证首次申领"))])
        store("y0", [said("嗯嗯啊啊", "nlu_fallback", _noon(1).timestamp() - 60, confidence=0.1)])
        store("t0", [said("转人工", "request_human", _noon(0).timestamp())])
        ticket = open_ticket("socketio", "t0", now=_noon(0))
        claim(ticket.id, "zhang", now=_noon(0) + timedelta(seconds=90))
        record_rating("y1", "socketio", "service:居住证首次申领", 5, now=_noon(1))
        record_rating("y2", "socketio", "service:居住证首次申领", 1, now=_noon(1))
        yield running


def test_the_api_is_for_admins(served: Tuple[ConsoleServer, DeskClient, DeskClient]) -> None:
    server, admin, staff = served
    for path in ("/admin/analytics", "/admin/api/analytics", "/admin/api/analytics/daily.csv"):
        assert staff.get(path).status_code == 403, path
        anonymous = requests.get(server.url + path, timeout=10, allow_redirects=False)
        assert anonymous.status_code == (302 if path == "/admin/analytics" else 401), path
    report = admin.get("/admin/api/analytics").json()
    assert len(report["daily"]) == 7 and report["summary"]["messages"] == 6
    assert report["services"] == [{"service": "居住证首次申领", "messages": 4, "conversations": 4}]
    assert report["summary"]["median_wait_seconds"] == 90.0 and report["summary"]["satisfaction_rate"] == 0.5
    assert report["titles"]["daily"] == "每日概况"


@pytest.mark.parametrize(("query", "status"), [
    ({"from": "2026-11-22", "to": "2026-11-20"}, 400), ({"from": "2020-01-01", "to": "2026-11-20"}, 400),
    ({"from": "今天"}, 400), ({"to": "2026-02-30"}, 400),
])
def test_bad_periods(served: Tuple[ConsoleServer, DeskClient, DeskClient], query: dict, status: int) -> None:
    _, admin, _ = served
    for path in ("/admin/api/analytics", "/admin/api/analytics/daily.csv"):
        response = admin.get(path, **query)
        assert response.status_code == status and response.json()["error"], (path, query)


def test_csv_and_the_chart_library(served: Tuple[ConsoleServer, DeskClient, DeskClient]) -> None:
    server, admin, _ = served
    day = _noon(1).date().isoformat()
    response = admin.get("/admin/api/analytics/services.csv", **{"from": day, "to": day})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert f'filename="services_{day}_{day}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["事项", "消息数", "会话数"], ["居住证首次申领", "4", "4"]]
    assert admin.get("/admin/api/analytics/nothing.csv").status_code == 404
    script = requests.get(server.url + "/vendor/echarts.min.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("application/javascript")
    assert len(script.content) > 500_000 and b"echarts" in script.content[:2000]


def test_the_page_draws_its_charts(served: Tuple[ConsoleServer, DeskClient, DeskClient], new_page: NewPage) -> None:
    server, admin, _ = served
    page = new_page(width=1366, height=900)
    violations = csp_violations(page)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    login(page, server.url, admin.account["username"], admin.account["password"], next_path="/admin/analytics")
    expect(page).to_have_url(server.url + "/admin/analytics")
    expect(page.get_by_role("navigation", name="管理后台").get_by_role("link", name="统计分析")) \
        .to_have_attribute("aria-current", "page")
    cards = page.locator("#summary .card")
    expect(cards.filter(has_text="消息数").locator("dd")).to_have_text("6", timeout=TIMEOUT)
    expect(cards.filter(has_text="等待时长中位数").locator("dd")).to_have_text("01:30")
    expect(cards.filter(has_text="满意率").locator("dd")).to_have_text("50.0%")
    for chart in ("#chart-daily", "#chart-rates", "#chart-services", "#chart-intents", "#chart-levels",
                  "#chart-by-service"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#table-daily tbody tr")).to_have_count(7)
    expect(page.locator("#table-services tbody tr").first).to_contain_text("居住证首次申领")
    with page.expect_download() as download:
        page.locator('a.csv[data-table="daily"]').click()
    assert download.value.suggested_filename.startswith("daily_")

    page.click("#period-30")
    expect(page.locator("#table-daily tbody tr")).to_have_count(30, timeout=TIMEOUT)
    assert all(url.startswith(server.url) for url in requested), [u for u in requested if not u.startswith(server.url)]
    assert violations == []
