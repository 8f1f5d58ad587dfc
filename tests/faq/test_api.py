"""The FAQ admin API on a real aiohttp server on 127.0.0.1: 401 without a session, 403 for a
staff account on every page and route, CSRF on changes, CRUD, search, import (with preview),
revert."""
from __future__ import annotations

import io
import time
from typing import Iterator, List, Tuple

import pytest
import requests
from aiohttp import web
from openpyxl import Workbook

from bot.accounts.service import add_user
from tests.desk.console import ConsoleServer
from tests.support.database import fresh_database

STAFF = ("clerk", "window-one-pass")
ADMIN = ("boss", "director-pass-88")
ROUTES: List[Tuple[str, str]] = [
    ("GET", "/admin/faq"), ("GET", "/admin/api/faq"), ("POST", "/admin/api/faq"), ("GET", "/admin/api/faq/1"),
    ("PUT", "/admin/api/faq/1"), ("DELETE", "/admin/api/faq/1"), ("POST", "/admin/api/faq/1/restore"),
    ("GET", "/admin/api/faq/search?q=x"), ("POST", "/admin/api/faq/import"),
    ("POST", "/admin/api/faq/history/1/revert"),
]


def faq_app() -> web.Application:
    from bot.desk.pages import setup_desk_pages
    from bot.faq.api import setup_faq_admin
    from bot.web.auth import setup_auth

    app = web.Application()
    setup_auth(app)
    setup_desk_pages(app)
    setup_faq_admin(app)
    return app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    with fresh_database(tmp_path_factory.mktemp("faq-api") / "faq.db"):
        add_user(STAFF[0], "staff", STAFF[1])
        add_user(ADMIN[0], "admin", ADMIN[1])
        with ConsoleServer(faq_app()) as server:
            yield server


def session(server: ConsoleServer, who: Tuple[str, str], csrf: bool = True) -> requests.Session:
    s = requests.Session()
    resp = s.post(server.url + "/desk/api/login", json={"username": who[0], "password": who[1]}, timeout=10)
    assert resp.status_code == 200, resp.text
    if csrf:
        s.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return s


@pytest.mark.parametrize("method, path", ROUTES)
def test_staff_gets_403_and_no_session_401(server: ConsoleServer, method: str, path: str) -> None:
    staff = session(server, STAFF)
    assert staff.request(method, server.url + path, json={}, timeout=10, allow_redirects=False).status_code == 403
    anonymous = requests.request(method, server.url + path, json={}, timeout=10, allow_redirects=False)
    assert anonymous.status_code == (302 if path == "/admin/faq" else 401)


def test_changes_need_the_csrf_header(server: ConsoleServer) -> None:
    s = session(server, ADMIN, csrf=False)
    resp = s.post(server.url + "/admin/api/faq", json={"question": "问", "answer": "答"}, timeout=10)
    assert resp.status_code == 403 and "CSRF" in resp.json()["error"]


def test_crud_search_revert(server: ConsoleServer) -> None:
    s = session(server, ADMIN)
    url = server.url + "/admin/api/faq"
    made = s.post(url, json={"question": "社保卡丢了怎么挂失？", "answer": "拨打热线挂失。", "department": "人社局",
                             "keywords": "社保卡, 挂失"}, timeout=10)
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["keywords"] == ["社保卡", "挂失"]
    assert s.post(url, json={"question": "社保卡丢了怎么挂失", "answer": "x"}, timeout=10).status_code == 409
    assert s.post(url, json={"question": "", "answer": "x"}, timeout=10).status_code == 400
    assert s.post(url, json={"question": "q", "answer": "答" * 5001}, timeout=10).status_code == 400
    put = s.put(f"{url}/{entry['id']}", json={"question": "社保卡丢了怎么挂失？", "answer": "错的答案",
                                             "department": "人社局"}, timeout=10)
    assert put.json()["answer"] == "错的答案"
    hits = s.get(url + "/search", params={"q": "社保卡 挂失"}, timeout=10).json()
    assert hits["hits"][0]["id"] == entry["id"] and 0 < hits["hits"][0]["score"] <= 1 and "threshold" in hits
    detail = s.get(f"{url}/{entry['id']}", timeout=10).json()
    assert [h["action"] for h in detail["history"]] == ["update", "create"]
    assert detail["history"][0]["actor"] == ADMIN[0] and detail["history"][0]["source"] == "console"
    reverted = s.post(f"{url}/history/{detail['history'][0]['id']}/revert", timeout=10)
    assert reverted.json()["answer"] == "拨打热线挂失。"
    assert s.delete(f"{url}/{entry['id']}", timeout=10).json()["deleted"] is True
    assert s.delete(f"{url}/{entry['id']}", timeout=10).status_code == 409
    time.sleep(1.1)  # the index checks the FAQ's fingerprint at most once a second
    assert s.get(url + "/search", params={"q": "社保卡 挂失"}, timeout=10).json()["hits"] == []
    assert s.get(url, params={"deleted": "1"}, timeout=10).json()["total"] >= 1
    assert s.post(f"{url}/{entry['id']}/restore", timeout=10).json()["deleted"] is False
    assert s.get(f"{url}/999999", timeout=10).status_code == 404


def _book(rows: List[List[object]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_upload_preview_then_write(server: ConsoleServer) -> None:
    s = session(server, ADMIN)
    data = _book([["问题", "答案"], ["护照要多久？", "7个工作日。"], ["空答案", None], ["公式", "=HYPERLINK(\"x\")"]])
    form = {"question_col": "问题", "answer_col": "答案", "preview": "1"}
    files = {"file": ("faq.xlsx", data, "application/octet-stream")}
    preview = s.post(server.url + "/admin/api/faq/import", data=form, files=files, timeout=30).json()
    assert preview["preview"] and preview["added"] == 1 and [r["row"] for r in preview["rejected"]] == [3, 4]
    assert s.get(server.url + "/admin/api/faq", params={"q": "护照"}, timeout=10).json()["total"] == 0
    written = s.post(server.url + "/admin/api/faq/import", data={**form, "preview": ""}, files=files, timeout=30)
    assert written.json()["added"] == 1
    missing = s.post(server.url + "/admin/api/faq/import", data={"question_col": "问题", "answer_col": "回复"},
                     files=files, timeout=30)
    assert missing.status_code == 400 and "回复" in missing.json()["error"]
    junk = s.post(server.url + "/admin/api/faq/import", data=form,
                  files={"file": ("x.xlsx", b"PK\x03\x04junk", "application/octet-stream")}, timeout=30)
    assert junk.status_code == 400
