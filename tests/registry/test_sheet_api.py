"""The spreadsheet import/export API through a real aiohttp server on 127.0.0.1 with the real auth
layer: 401 / 403 / CSRF, preview + commit, a stale or foreign token, oversized uploads, exports."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import AsyncIterator, Dict, Optional

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from bot.accounts.service import add_user
from bot.registry.sheet_api import UploadStore, setup_registry_sheets
from bot.registry.spreadsheet import MAX_FILE_BYTES
from bot.web.auth import setup_auth
from tests.registry.sheets import edit_xlsx, exported, registry_state
from tests.support.database import fresh_database

ADMIN = ("boss", "director-pass-88")
ADMIN2 = ("deputy", "deputy-pass-888")
STAFF = ("clerk", "window-one-pass")
CODE = "JZ-GA-0001"
ROUTES = [("GET", "/admin/registry/import"), ("POST", "/admin/api/registry/import/preview"),
          ("POST", "/admin/api/registry/import/commit"), ("GET", "/admin/api/registry/export?format=xlsx")]


def _app(store: Optional[UploadStore] = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)  # as the page server's; the upload streams past it
    setup_auth(app)
    setup_registry_sheets(app, store)
    return app


@pytest.fixture()
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    with fresh_database(tmp_path / "api.db", seed=True):
        add_user(ADMIN[0], "admin", ADMIN[1])
        add_user(ADMIN2[0], "admin", ADMIN2[1])
        add_user(STAFF[0], "staff", STAFF[1])
        async with TestClient(TestServer(_app(), host="127.0.0.1")) as client:
            yield client


async def _login(client: TestClient, who: tuple) -> Dict[str, str]:
    client.session.cookie_jar.clear()
    resp = await client.post("/desk/api/login", json={"username": who[0], "password": who[1]})
    assert resp.status == 200, await resp.text()
    return {"X-CSRF-Token": (await resp.json())["csrf_token"]}


def _form(data: bytes, filename: str = "registry.xlsx") -> FormData:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return form


async def _preview(client: TestClient, headers: Dict[str, str], data: bytes, filename: str = "registry.xlsx"):  # type: ignore[no-untyped-def]
    resp = await client.post("/admin/api/registry/import/preview", data=_form(data, filename), headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_without_a_session(client: TestClient) -> None:
    for method, path in ROUTES:
        resp = await client.request(method, path, allow_redirects=False)
        if path.startswith("/admin/api/"):
            assert resp.status == 401, path
        else:
            assert resp.status == 302 and resp.headers["Location"].startswith("/desk/login?next=")


async def test_staff_gets_403_on_every_page_and_api(client: TestClient) -> None:
    headers = await _login(client, STAFF)
    for method, path in ROUTES:
        kwargs = {"data": _form(exported())} if path.endswith("preview") else {}
        if path.endswith("commit"):
            kwargs = {"json": {"token": "x" * 43}}
        resp = await client.request(method, path, headers=headers, **kwargs)
        assert resp.status == 403, (path, await resp.text())


async def test_csrf_header_is_required(client: TestClient) -> None:
    await _login(client, ADMIN)
    resp = await client.post("/admin/api/registry/import/preview", data=_form(exported()))
    assert resp.status == 403 and "CSRF" in (await resp.json())["error"]


async def test_preview_then_commit(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    data = edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-87100999")
    body = await _preview(client, headers, data)
    assert body["errors"] == 0 and body["summary"]["updated"] == 1 and len(body["token"]) >= 40
    (row,) = [r for r in body["rows"] if r["status"] == "updated"]
    assert row["code"] == CODE and row["changes"] == ["咨询电话"] and row["sheet"] == "事项"
    assert registry_state()[CODE]["consult_phone"] == "0000-87100110"  # a preview writes nothing
    resp = await client.post("/admin/api/registry/import/commit", json={"token": body["token"]}, headers=headers)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["updated"] == 1
    assert registry_state()[CODE]["consult_phone"] == "0000-87100999"
    from bot.audit.log import history
    assert history("registry_item", CODE, limit=1)[0].actor == ADMIN[0]
    again = await client.post("/admin/api/registry/import/commit", json={"token": body["token"]}, headers=headers)
    assert again.status == 404  # a token is used once


async def test_a_file_with_errors_cannot_be_committed(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    data = edit_xlsx(exported(), "事项", CODE, "网办地址", '=HYPERLINK("http://x","y")')
    body = await _preview(client, headers, data)
    assert body["errors"] == 1 and body["token"]
    (bad,) = [r for r in body["rows"] if r["status"] == "error"]
    assert bad["messages"][0]["column"] == "网办地址" and "公式" in bad["messages"][0]["message"]
    before = registry_state()
    resp = await client.post("/admin/api/registry/import/commit", json={"token": body["token"]}, headers=headers)
    assert resp.status == 409 and registry_state() == before


async def test_not_a_spreadsheet_gets_no_token(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    body = await _preview(client, headers, b"\x89PNG\r\n\x1a\n0000", "photo.xlsx")
    assert body["token"] is None and body["errors"] == 1 and "不是 xlsx" in body["problems"][0]["message"]


async def test_a_stale_preview_is_refused(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    first = await _preview(client, headers, edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-87100999"))
    second = await _preview(client, headers, edit_xlsx(exported(), "事项", CODE, "收费标准", "工本费5元"))
    resp = await client.post("/admin/api/registry/import/commit", json={"token": second["token"]}, headers=headers)
    assert resp.status == 200
    before = registry_state()
    resp = await client.post("/admin/api/registry/import/commit", json={"token": first["token"]}, headers=headers)
    assert resp.status == 409 and "重新上传" in (await resp.json())["error"]
    assert registry_state() == before


async def test_a_token_belongs_to_its_uploader(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    body = await _preview(client, headers, edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-87100999"))
    other = await _login(client, ADMIN2)
    resp = await client.post("/admin/api/registry/import/commit", json={"token": body["token"]}, headers=other)
    assert resp.status == 404
    bad = await client.post("/admin/api/registry/import/commit", json={"token": "../../etc/passwd"}, headers=other)
    assert bad.status == 400


async def test_an_expired_token(tmp_path: Path) -> None:
    with fresh_database(tmp_path / "expired.db", seed=True):
        add_user(ADMIN[0], "admin", ADMIN[1])
        async with TestClient(TestServer(_app(UploadStore(ttl=0)), host="127.0.0.1")) as client:
            headers = await _login(client, ADMIN)
            body = await _preview(client, headers, exported())
            resp = await client.post("/admin/api/registry/import/commit", json={"token": body["token"]},
                                     headers=headers)
            assert resp.status == 404 and "过期" in (await resp.json())["error"]


async def test_an_oversized_upload_is_refused(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    before = registry_state()
    resp = await client.post("/admin/api/registry/import/preview", headers=headers,
                             data=_form(b"a" * (MAX_FILE_BYTES + 1), "big.csv"))
    assert resp.status == 413
    assert registry_state() == before


async def test_an_upload_without_a_file(client: TestClient) -> None:
    headers = await _login(client, ADMIN)
    resp = await client.post("/admin/api/registry/import/preview", headers=headers, json={"file": "x"})
    assert resp.status == 400


@pytest.mark.parametrize("kind, magic", [("xlsx", b"PK\x03\x04"), ("csv", b"\xef\xbb\xbf"), ("yaml", b"PK\x03\x04")])
async def test_exports(client: TestClient, kind: str, magic: bytes) -> None:
    await _login(client, ADMIN)
    resp = await client.get(f"/admin/api/registry/export?format={kind}")
    assert resp.status == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    data = await resp.read()
    assert data.startswith(magic)
    if kind == "yaml":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert "locations.yaml" in names and any(n.startswith("items/") for n in names)
    bad = await client.get("/admin/api/registry/export?format=ods")
    assert bad.status == 400
