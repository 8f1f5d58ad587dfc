"""The desk's follow-up and summary endpoints through a real aiohttp server on 127.0.0.1."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Dict

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.accounts.service import add_user
from bot.ratings.api import setup_ratings_api
from bot.ratings.store import RatingInfo, record_rating
from bot.web.auth import setup_auth
from tests.support.database import fresh_database

PASSWORD = "window-one-pass"
LONG_AGO = datetime.now(timezone.utc) - timedelta(days=60)  # its follow-up is overdue by now


@pytest.fixture()
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    with fresh_database(tmp_path / "ratings-api.db"):
        add_user("clerk", "staff", PASSWORD, display_name="一号窗口")
        app = web.Application()
        setup_auth(app)
        setup_ratings_api(app)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield client


@pytest.fixture()
def ratings(client: TestClient) -> Dict[str, RatingInfo]:
    return {
        "old": record_rating("w1", "wechat", "service:普通护照", 1, now=LONG_AGO),
        "new": record_rating("s1", "socketio", "ticket:3", 2, staff="clerk"),
        "good": record_rating("s2", "socketio", "service:普通护照", 5),
    }


async def _login(client: TestClient) -> Dict[str, str]:
    resp = await client.post("/desk/api/login", json={"username": "clerk", "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return {"X-CSRF-Token": (await resp.json())["csrf_token"]}


async def test_open_follow_ups_overdue_first(client: TestClient, ratings: Dict[str, RatingInfo]) -> None:
    await _login(client)
    resp = await client.get("/desk/api/followups?status=open")
    assert resp.status == 200
    rows = await resp.json()
    assert [(r["id"], r["overdue"]) for r in rows] == [
        (ratings["old"].followup_id, True), (ratings["new"].followup_id, False)]
    old = rows[0]
    assert {k: old[k] for k in ("level", "level_name", "service", "channel", "sender_id", "status", "note")} == {
        "level": 1, "level_name": "非常不满意", "service": "普通护照", "channel": "wechat", "sender_id": "w1",
        "status": "open", "note": None}
    assert old["due"] == ratings["old"].followup_due.isoformat()  # type: ignore[union-attr]
    assert set(old) >= {"id", "reason", "staff", "created_at", "closed_by", "closed_at"}
    assert rows[1]["staff"] == "clerk"
    assert (await (await client.get("/desk/api/followups?status=closed")).json()) == []
    assert (await client.get("/desk/api/followups?status=all")).status == 400


async def test_closing_a_follow_up(client: TestClient, ratings: Dict[str, RatingInfo]) -> None:
    csrf = await _login(client)
    url = f"/desk/api/followups/{ratings['old'].followup_id}/close"
    empty = await client.post(url, json={"note": "  "}, headers=csrf)
    assert empty.status == 400 and "说明" in (await empty.json())["error"]
    assert (await client.post(url, json=["note"], headers=csrf)).status == 400

    resp = await client.post(url, json={"note": "已电话联系，重新说明了材料"}, headers=csrf)
    assert resp.status == 200, await resp.text()
    closed = await resp.json()
    assert (closed["status"], closed["note"], closed["closed_by"], closed["overdue"]) == (
        "closed", "已电话联系，重新说明了材料", "clerk", False)
    again = await client.post(url, json={"note": "再办一次"}, headers=csrf)
    assert again.status == 409 and "已经办结" in (await again.json())["error"]
    assert (await client.post("/desk/api/followups/9999/close", json={"note": "x"}, headers=csrf)).status == 404
    done = await (await client.get("/desk/api/followups?status=closed")).json()
    assert [row["id"] for row in done] == [ratings["old"].followup_id]


async def test_summary_per_item_and_staff(client: TestClient, ratings: Dict[str, RatingInfo]) -> None:
    await _login(client)
    by_service = await (await client.get("/desk/api/ratings/summary?by=service")).json()
    passport = next(row for row in by_service if row["name"] == "普通护照")
    assert passport["counts"] == {"5": 1, "4": 0, "3": 0, "2": 0, "1": 1} and passport["satisfaction"] == 0.5
    by_staff = await (await client.get("/desk/api/ratings/summary?by=staff")).json()
    assert {row["name"]: row["total"] for row in by_staff} == {None: 2, "clerk": 1}
    assert (await client.get("/desk/api/ratings/summary?by=district")).status == 400


async def test_without_a_session_401_and_without_the_csrf_header_403(
        client: TestClient, ratings: Dict[str, RatingInfo]) -> None:
    url = f"/desk/api/followups/{ratings['old'].followup_id}/close"
    assert (await client.get("/desk/api/followups")).status == 401
    assert (await client.get("/desk/api/ratings/summary")).status == 401
    assert (await client.post(url, json={"note": "x"})).status == 401
    await _login(client)
    refused = await client.post(url, json={"note": "x"})
    assert refused.status == 403
    wrong = await client.post(url, json={"note": "x"}, headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status == 403
    rows = await (await client.get("/desk/api/followups?status=open")).json()
    assert all(row["status"] == "open" for row in rows) and len(rows) == 2, "nothing was closed"
