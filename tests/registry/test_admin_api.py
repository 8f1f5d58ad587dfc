"""The registry console's JSON API and pages on a real aiohttp server (127.0.0.1): the login and
role checks on every admin route, CSRF, refused bodies, and a whole edit → delete → restore →
revert cycle through HTTP."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
from aiohttp import web

from bot.accounts.service import add_user
from tests.desk.console import ConsoleServer
from tests.registry.test_editing import new_item
from tests.support.database import fresh_database

STAFF = ("clerk2", "window-two-pass", "二号窗口")
ADMIN = ("chief", "chief-long-pass", "李科长")
CODE = "JZ-GA-0001"


def _app() -> web.Application:
    from bot.admin import setup_admin
    from bot.desk.pages import setup_desk_pages
    from bot.registry.admin_api import setup_registry_admin
    from bot.web.auth import setup_auth

    app = web.Application(client_max_size=64 * 1024)  # as the page server's
    setup_auth(app)
    setup_desk_pages(app)
    setup_admin(app)
    setup_registry_admin(app)
    return app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    with fresh_database(tmp_path_factory.mktemp("registry-admin") / "admin.db", seed=True):
        add_user(STAFF[0], "staff", STAFF[1], display_name=STAFF[2])
        add_user(ADMIN[0], "admin", ADMIN[1], display_name=ADMIN[2])
        with ConsoleServer(_app()) as server:
            yield server


def _session(server: ConsoleServer, username: str, password: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(server.url + "/desk/api/login", json={"username": username, "password": password}, timeout=10)
    assert resp.status_code == 200, resp.text
    session.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return session


@pytest.fixture(scope="module")
def admin(server: ConsoleServer) -> requests.Session:
    return _session(server, *ADMIN[:2])


@pytest.fixture(scope="module")
def staff(server: ConsoleServer) -> requests.Session:
    return _session(server, *STAFF[:2])


def _admin_routes(server: ConsoleServer) -> List[Dict[str, str]]:
    """Every route of the registry console and the audit log, with its placeholders filled in."""
    found = []
    for route in server.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method == "HEAD" or not path.startswith(("/admin/registry", "/admin/api/registry", "/admin/audit",
                                                         "/admin/api/audit")):
            continue
        if "/static/" in path:
            continue
        path = re.sub(r"\{code[^}]*\}", CODE, path)
        path = path.replace("{entry_id}", "1")
        found.append({"method": route.method, "path": path})
    return found


def test_every_admin_route_needs_a_session_and_the_admin_role(server: ConsoleServer, staff: requests.Session) -> None:
    routes = _admin_routes(server)
    paths = {r["path"] for r in routes}
    assert {"/admin/registry", "/admin/registry/new", f"/admin/registry/{CODE}", "/admin/audit",
            "/admin/api/registry/items", f"/admin/api/registry/items/{CODE}", "/admin/api/registry/locations",
            f"/admin/api/registry/items/{CODE}/restore", "/admin/api/audit", "/admin/api/audit/1/revert"} <= paths
    assert len(routes) == 13  # 4 pages, 9 API routes
    for route in routes:
        url = server.url + route["path"]
        anonymous = requests.request(route["method"], url, json={}, timeout=10, allow_redirects=False)
        forbidden = staff.request(route["method"], url, json={}, timeout=10, allow_redirects=False)
        if "/api/" in route["path"]:
            assert anonymous.status_code == 401, route
            assert anonymous.json()["error"] == "请先登录"
            assert forbidden.status_code == 403, route
            assert forbidden.json()["error"] == "没有权限执行此操作"
        else:
            assert anonymous.status_code == 302, route
            assert anonymous.headers["Location"].startswith("/desk/login?next=/admin/")
            assert forbidden.status_code == 403, route
            assert "没有权限" in forbidden.text
    # the console's own files are plain static files
    assert requests.get(server.url + "/admin/registry/static/item.js", timeout=10).status_code == 200
    # /admin/ leads to the registry console
    redirect = requests.get(server.url + "/admin/", timeout=10, allow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["Location"] == "/admin/registry"


def test_pages_are_served_with_the_strict_policy(server: ConsoleServer, admin: requests.Session) -> None:
    for path in ("/admin/registry", "/admin/registry/new", f"/admin/registry/{CODE}", "/admin/audit"):
        resp = admin.get(server.url + path, timeout=10)
        assert resp.status_code == 200, path
        policy = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "<script>" not in resp.text and "style=" not in resp.text
        assert 'href="/admin/faq"' in resp.text and 'href="/admin/users"' in resp.text  # the shared navigation
    # the spreadsheet pages' paths are not taken for item codes
    assert admin.get(server.url + "/admin/registry/import", timeout=10).status_code == 404


def test_csrf_header_is_required(server: ConsoleServer, admin: requests.Session) -> None:
    detail = admin.get(server.url + f"/admin/api/registry/items/{CODE}", timeout=10).json()
    body = {"item": detail["item"], "version": detail["version"]}
    for token in ("", "wrong-token"):
        resp = admin.put(server.url + f"/admin/api/registry/items/{CODE}", json=body,
                         headers={"X-CSRF-Token": token}, timeout=10)
        assert resp.status_code == 403 and "CSRF" in resp.json()["error"]
    resp = admin.post(server.url + f"/admin/api/registry/items/{CODE}/restore", headers={"X-CSRF-Token": ""},
                      timeout=10)
    assert resp.status_code == 403
    resp = admin.post(server.url + "/admin/api/audit/1/revert", headers={"X-CSRF-Token": ""}, timeout=10)
    assert resp.status_code == 403
    now = admin.get(server.url + f"/admin/api/registry/items/{CODE}", timeout=10).json()
    assert now["version"] == detail["version"]


def test_bad_bodies_are_refused(server: ConsoleServer, admin: requests.Session) -> None:
    url = server.url + f"/admin/api/registry/items/{CODE}"
    detail = admin.get(url, timeout=10).json()
    not_json = admin.put(url, data="item=1", headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    broken = admin.put(url, data="{not json", headers={"Content-Type": "application/json"}, timeout=10)
    assert broken.status_code == 400
    array = admin.put(url, json=[1, 2], timeout=10)
    assert array.status_code == 400
    no_item = admin.put(url, json={"version": detail["version"]}, timeout=10)
    assert no_item.status_code == 400 and "item" in no_item.json()["error"]
    no_version = admin.put(url, json={"item": detail["item"]}, timeout=10)
    assert no_version.status_code == 400 and "version" in no_version.json()["error"]
    huge = admin.put(url, data=b'{"item": "' + b"x" * (1024 * 1024) + b'"}',
                     headers={"Content-Type": "application/json"}, timeout=30)
    assert huge.status_code == 413
    huge_create = admin.post(server.url + "/admin/api/registry/items", data=b"[" + b"1," * 600_000 + b"1]",
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert huge_create.status_code == 413
    renamed = admin.put(url, json={"item": {**detail["item"], "code": "JZ-OTHER"}, "version": detail["version"]},
                        timeout=10)
    assert renamed.status_code == 400 and renamed.json()["problems"][0]["field"] == "code"
    unknown = server.url + "/admin/api/registry/items/JZ-NO-SUCH"
    assert admin.get(unknown, timeout=10).status_code == 404
    put_unknown = admin.put(unknown, json={"item": {**detail["item"], "code": "JZ-NO-SUCH"}, "version": "x"},
                            timeout=10)
    assert put_unknown.status_code == 404
    assert admin.delete(unknown, timeout=10).status_code == 404
    assert admin.post(unknown + "/restore", timeout=10).status_code == 404
    assert admin.post(server.url + "/admin/api/audit/abc/revert", timeout=10).status_code == 400
    assert admin.post(server.url + "/admin/api/audit/999999/revert", timeout=10).status_code == 404
    assert admin.get(server.url + "/admin/api/audit?before_id=x", timeout=10).status_code == 400
    # invalid fields: every problem by field, nothing written
    item = dict(detail["item"])
    item["materials"] = [{**item["materials"][0], "name": ""}, {**item["materials"][1], "copies": -1}]
    item["promised_limit_days"] = "七天"
    invalid = admin.put(url, json={"item": item, "version": detail["version"]}, timeout=10)
    assert invalid.status_code == 400
    fields = {p["field"] for p in invalid.json()["problems"]}
    assert {"materials[0].name", "materials[1].copies", "promised_limit_days"} <= fields
    assert admin.get(url, timeout=10).json()["version"] == detail["version"]


def test_edit_delete_restore_and_revert_through_http(server: ConsoleServer, admin: requests.Session) -> None:
    base = server.url + "/admin/api/registry"
    created = admin.post(base + "/items", json={"item": new_item("JZ-API-0001", "接口测试事项")}, timeout=10)
    assert created.status_code == 201, created.text
    body: Dict[str, Any] = created.json()
    assert body["saved"]["action"] == "create" and body["item"]["name"] == "接口测试事项"
    assert body["history"][0]["actor"] == ADMIN[0] and body["history"][0]["source"] == "console"
    again = admin.post(base + "/items", json={"item": new_item("JZ-API-0001", "接口测试事项")}, timeout=10)
    assert again.status_code == 409
    # list and search by name, alias, code and agency
    for query in ("接口测试", "办狗证测试", "JZ-API", "测试局"):
        rows = admin.get(base + "/items", params={"q": query}, timeout=10).json()["items"]
        assert "JZ-API-0001" in [r["code"] for r in rows], query
    assert len(admin.get(base + "/items", timeout=10).json()["items"]) >= 40
    locations = admin.get(base + "/locations", timeout=10).json()["locations"]
    assert {loc["code"] for loc in locations} >= {"city", "dh"}
    # update; a stale version is refused
    item = body["item"]
    item["fee"] = "工本费10元"
    updated = admin.put(base + "/items/JZ-API-0001", json={"item": item, "version": body["version"]}, timeout=10)
    assert updated.status_code == 200 and updated.json()["item"]["fee"] == "工本费10元"
    stale = admin.put(base + "/items/JZ-API-0001", json={"item": item, "version": body["version"]}, timeout=10)
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["error"]
    # soft delete: gone from the list, shown with deleted=1; restore
    deleted = admin.delete(base + "/items/JZ-API-0001", json={"version": updated.json()["version"]}, timeout=10)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    live_rows = admin.get(base + "/items", params={"q": "JZ-API"}, timeout=10).json()["items"]
    assert "JZ-API-0001" not in [r["code"] for r in live_rows]
    rows = admin.get(base + "/items", params={"q": "JZ-API", "deleted": "1"}, timeout=10).json()["items"]
    assert [(r["code"], r["deleted"]) for r in rows] == [("JZ-API-0001", True)]
    restored = admin.post(base + "/items/JZ-API-0001/restore", timeout=10)
    assert restored.status_code == 200 and restored.json()["deleted"] is False
    assert admin.post(base + "/items/JZ-API-0001/restore", timeout=10).status_code == 409
    # the audit log: newest first with the changed fields; revert the restore, then page through
    log = admin.get(server.url + "/admin/api/audit", params={"entity": "registry_item", "key": "JZ-API-0001"},
                    timeout=10).json()
    assert [e["action"] for e in log["entries"]] == ["restore", "delete", "update", "create"]
    update = log["entries"][2]
    assert [c["field"] for c in update["changes"]] == ["fee"]
    assert (update["changes"][0]["before"], update["changes"][0]["after"]) == ("不收费", "工本费10元")
    reverted = admin.post(server.url + f"/admin/api/audit/{log['entries'][0]['id']}/revert", timeout=10)
    assert reverted.status_code == 200 and reverted.json()["entry"]["action"] == "revert"
    assert admin.get(base + "/items/JZ-API-0001", timeout=10).json()["deleted"] is True
    refused = admin.post(server.url + f"/admin/api/audit/{update['id']}/revert", timeout=10)
    assert refused.status_code == 409 and refused.json()["error"]
    first = admin.get(server.url + "/admin/api/audit", params={"limit": 2}, timeout=10).json()
    assert len(first["entries"]) == 2 and first["next_before_id"] == first["entries"][1]["id"]
    second = admin.get(server.url + "/admin/api/audit", params={"limit": 2, "before_id": first["next_before_id"]},
                       timeout=10).json()
    assert second["entries"][0]["id"] < first["entries"][1]["id"]


def test_static_pages_exist() -> None:
    static = Path(__file__).resolve().parents[2] / "bot" / "registry" / "static"
    for name in ("registry.html", "item.html", "audit.html", "registry.js", "item.js", "audit.js", "fields.js",
                 "registry.css"):
        text = (static / name).read_text(encoding="utf-8")
        assert "innerHTML" not in text and "eval(" not in text, name
