"""The NLU editor's JSON API on a real aiohttp server (the page server's own setup functions), a
private SQLite database and a copy of the training data: login and role on every route, CSRF, and
each change through HTTP with its refusals.

Bad input tried: no JSON, a JSON array, a body over 64 KB, a missing or stale version, an unknown
intent, a clash, an empty query, a word with a space, a path with Chinese and ``%2F`` in it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests

from bot.nlu_admin import training_hook
from tests.desk.console import ConsoleServer
from tests.support.admin_console import console, training_data_copy
from tests.support.database import fresh_database
from tests.support.desk import DeskClient

API = "/admin/api/nlu"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[ConsoleServer, DeskClient, DeskClient, Path]]:
    root = tmp_path_factory.mktemp("nlu-api")
    with fresh_database(root / "nlu.db"), training_data_copy(root) as data, console() as (server, admin, staff):
        yield server, admin, staff, data


def _call(client: DeskClient, method: str, path: str, body: Any = None, csrf: bool = True) -> requests.Response:
    headers = {"X-CSRF-Token": client.csrf} if csrf else {}
    return client.http.request(method, client.base + path, json=body, headers=headers, timeout=30)


def _routes(server: ConsoleServer) -> List[Tuple[str, str]]:
    found = []
    for route in server.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method in ("GET", "POST", "PUT", "DELETE") and path.startswith(("/admin/nlu", API)) \
                and "/static/" not in path:
            found.append((route.method, re.sub(r"\{[^}]+\}", "greet", path)))
    return found


def test_every_route_needs_an_admin(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path]) -> None:
    server, _, staff, _ = served
    routes = _routes(server)
    assert len(routes) >= 20, routes
    for method, path in routes:
        as_staff = _call(staff, method, path, {})
        assert as_staff.status_code == 403, (method, path, as_staff.status_code)
        anonymous = requests.request(method, server.url + path, json={}, timeout=10, allow_redirects=False)
        assert anonymous.status_code == (302 if path == "/admin/nlu" else 401), (method, path)


def test_a_change_without_the_csrf_header_is_refused(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path]
                                                     ) -> None:
    _, admin, _, data = served
    version = admin.get(f"{API}/intents/greet").json()["version"]
    refused = _call(admin, "POST", f"{API}/intents/greet/examples", {"text": "没有令牌的问候", "version": version},
                    csrf=False)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    assert "没有令牌的问候" not in (data / "nlu" / "smalltalk.yml").read_text(encoding="utf-8")


def test_examples_through_http(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path]) -> None:
    _, admin, _, data = served
    intents = admin.get(f"{API}/intents").json()
    names = [i["name"] for i in intents["intents"]]
    assert names[:3] == ["greet", "goodbye", "thanks"] and "ask_hours" in names and len(intents["fingerprint"]) == 64
    detail = admin.get(f"{API}/intents/ask_hours").json()
    assert "opendata.yml" in detail["files"] and detail["editable"] is True
    assert any(e["entities"] and e["entities"][0]["entity"] in ("district", "day") for e in detail["examples"])

    text = "[西山](district)大厅[周日](day)中午开门吗"
    added = _call(admin, "POST", f"{API}/intents/ask_hours/examples", {"text": text, "version": detail["version"]})
    assert added.status_code == 201, added.text
    assert set(added.json()) == {"intent", "version", "similar", "audit_id"}
    stale = _call(admin, "POST", f"{API}/intents/ask_hours/examples", {"text": "换一句", "version": detail["version"]})
    assert stale.status_code == 409 and stale.json()["version"] == added.json()["version"]
    version = added.json()["version"]
    shown = admin.get(f"{API}/intents/ask_hours", q="西山").json()["examples"]
    assert [e["text"] for e in shown if "周日" in e["text"]] == [text]
    assert text in (data / "nlu" / "opendata.yml").read_text(encoding="utf-8")

    clash = _call(admin, "POST", f"{API}/intents/ask_hours/examples", {"text": "人工客服", "version": version})
    assert clash.status_code == 409
    assert clash.json()["clash"] == {"intent": "request_human", "example": "人工客服"}
    checked = _call(admin, "POST", f"{API}/check", {"intent": "ask_fee", "text": "人工客服"})
    assert checked.status_code == 409 and "request_human" in checked.json()["error"]
    ok = _call(admin, "POST", f"{API}/check", {"intent": "deny", "text": "就是这个吧"}).json()
    assert ok["ok"] is True and ok["similar"][0]["intent"] == "affirm"

    changed = _call(admin, "PUT", f"{API}/intents/ask_hours/examples",
                    {"old": text, "text": "[西山](district)大厅[周日](day)开门吗", "version": version})
    assert changed.status_code == 200, changed.text
    deleted = _call(admin, "DELETE", f"{API}/intents/ask_hours/examples",
                    {"text": "[西山](district)大厅[周日](day)开门吗", "version": changed.json()["version"]})
    assert deleted.status_code == 200
    entries = admin.get("/admin/api/audit", entity="nlu_example", key="ask_hours").json()["entries"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    undone = _call(admin, "POST", f"/admin/api/audit/{entries[0]['id']}/revert", {})
    assert undone.status_code == 200, undone.text
    assert "[西山](district)大厅[周日](day)开门吗" in (data / "nlu" / "opendata.yml").read_text(encoding="utf-8")

    hits = admin.get(f"{API}/search", q="西山大厅").json()["hits"]
    assert hits and all("西山" in h["plain"] for h in hits)


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", f"{API}/intents/greet/examples", "not json", 400),
    ("POST", f"{API}/intents/greet/examples", ["a list"], 400),
    ("POST", f"{API}/intents/greet/examples", {"text": "好" * 70_000, "version": "x"}, 413),
    ("POST", f"{API}/intents/greet/examples", {"text": "早上好呀"}, 400),
    ("POST", f"{API}/intents/nope/examples", {"text": "早上好呀", "version": "x"}, 404),
    ("GET", f"{API}/intents/nope", None, 404),
    ("GET", f"{API}/search?q=", None, 400),
    ("POST", f"{API}/check", {"intent": "greet", "text": "[坏(district)"}, 400),
    ("PUT", f"{API}/intents/greet/examples", {"text": "新的", "version": "x"}, 400),
])
def test_refusals(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path], method: str, path: str, body: Any,
                  status: int) -> None:
    _, admin, _, _ = served
    if isinstance(body, str):
        response = admin.http.request(method, admin.base + path, data=body, timeout=10,
                                      headers={"X-CSRF-Token": admin.csrf, "Content-Type": "application/json"})
    else:
        response = _call(admin, method, path, body)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_synonyms_words_and_typos_through_http(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path]) -> None:
    _, admin, _, data = served
    listed = admin.get(f"{API}/synonyms").json()
    saved = _call(admin, "PUT", f"{API}/synonyms", {"value": "滨江区", "examples": ["滨江", "滨江新城"],
                                                     "version": listed["version"]})
    assert saved.status_code == 200, saved.text
    assert {"value": "滨江区", "examples": ["滨江", "滨江新城"], "file": "synonyms.yml", "editable": True} \
        in saved.json()["synonyms"]
    assert _call(admin, "DELETE", f"{API}/synonyms", {"value": "滨江区", "version": listed["version"]}).status_code \
        == 409
    assert _call(admin, "DELETE", f"{API}/synonyms", {"value": "滨江区", "version": saved.json()["version"]}
                 ).status_code == 200

    words = admin.get(f"{API}/words").json()
    added = _call(admin, "POST", f"{API}/words", {"word": "浙里办/网", "freq": 3000, "tag": "nz",
                                                  "version": words["version"]})
    assert added.status_code == 201, added.text
    assert {"word": "浙里办/网", "freq": 3000, "tag": "nz"} in added.json()["rows"]
    changed = _call(admin, "PUT", f"{API}/words/浙里办%2F网",
                    {"freq": 10, "tag": "n", "version": added.json()["version"]})
    assert changed.status_code == 200, changed.text
    assert "浙里办/网 10 n" in (data / "jieba" / "domain_words.txt").read_text(encoding="utf-8")
    assert _call(admin, "POST", f"{API}/words", {"word": "两 个", "version": changed.json()["version"]}
                 ).status_code == 400
    assert _call(admin, "DELETE", f"{API}/words/没有这个词", {"version": changed.json()["version"]}).status_code == 404

    typos = admin.get(f"{API}/corrections").json()
    made = _call(admin, "POST", f"{API}/corrections",
                 {"wrong": "营业执找", "right": "营业执照", "version": typos["version"]})
    assert made.status_code == 201 and {"wrong": "营业执找", "right": "营业执照"} in made.json()["rows"]
    assert _call(admin, "DELETE", f"{API}/corrections/营业执找", {"version": made.json()["version"]}).status_code == 200


def test_a_full_disk_is_a_500_that_says_so(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _, admin, _, _ = served

    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.nlu_admin.files.write_atomic", full_disk)
    version = admin.get(f"{API}/intents/greet").json()["version"]
    failed = _call(admin, "POST", f"{API}/intents/greet/examples", {"text": "磁盘满了", "version": version})
    assert failed.status_code == 500 and "修改没有保存" in failed.json()["error"]
    assert admin.get(f"{API}/intents/greet").json()["version"] == version


class _Trainer:
    """What the model lifecycle registers: status and start."""

    def __init__(self) -> None:
        self.started: List[str] = []

    def status(self) -> Dict[str, Any]:
        return {"running": bool(self.started), "message": "训练中" if self.started else "空闲"}

    def start(self, actor: str) -> Dict[str, Any]:
        self.started.append(actor)
        return {"message": "已开始训练"}


def test_training_is_started_through_the_hook_once_connected(served: Tuple[ConsoleServer, DeskClient, DeskClient,
                                                                           Path]) -> None:
    _, admin, _, _ = served
    status = admin.get(f"{API}/status").json()
    assert status["trainer"] is None and len(status["fingerprint"]) == 64
    refused = _call(admin, "POST", f"{API}/train", {})
    assert refused.status_code == 501 and "尚未接入" in refused.json()["error"]
    trainer = _Trainer()
    training_hook.register_trainer(trainer)
    try:
        started = _call(admin, "POST", f"{API}/train", {})
        assert started.status_code == 202 and started.json() == {"message": "已开始训练"}
        assert trainer.started == [admin.username]
        assert admin.get(f"{API}/status").json()["trainer"] == {"running": True, "message": "训练中"}
    finally:
        training_hook.register_trainer(None)
