"""The review queue's page and API on a real aiohttp server (the consoles' app, tests/support/admin_console.py)
with a private database, a copy of the training data and fixed conversations: roles and CSRF on every
route, refused bodies, and in headless Chromium an administrator adding a group's texts as examples,
dismissing one, making an FAQ entry and reopening a decision — residents' words shown as text, their
numbers masked, no Content-Security-Policy violation.

Bad input tried: no JSON, a JSON array, an unknown action, ``days`` out of range or not a number, texts
not pending, a visitor and a staff member on every route.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import requests
from playwright.sync_api import expect

from bot.faq.store import list_entries
from bot.nlu_admin.training_data import read_training_data
from tests.desk.console import ConsoleServer
from tests.support.admin_console import console, training_data_copy
from tests.support.browser import NewPage, csp_violations, login
from tests.support.database import fresh_database
from tests.support.desk import DeskClient
from tests.support.events import said, store

TIMEOUT = 15_000
DOG = ["狗证怎么办", "请问狗证在哪里办", "办狗证要什么材料", "狗证要多少钱", "养狗要办狗证吗", "狗证到期了怎么办"]


def _ago(hours: float) -> float:
    return time.time() - hours * 3600


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[ConsoleServer, DeskClient, DeskClient, Path]]:
    root = tmp_path_factory.mktemp("review")
    with fresh_database(root / "review.db"), training_data_copy(root) as data, console() as (server, admin, staff):
        for i, text in enumerate(DOG * 2):
            store(f"dog{i}", [said(text, "nlu_fallback", _ago(10 - i * 0.1), confidence=0.3)])
        store("lamp", [said("我电话13812345678，<b>路灯</b>坏了没人修", "nlu_fallback", _ago(3), confidence=0.2)])
        store("rent", [said("公积金能不能直接付房租", "ask_fee", _ago(2), confidence=0.5)])
        yield server, admin, staff, data


def _call(client: DeskClient, method: str, path: str, **kwargs: object) -> requests.Response:
    return client.http.request(method, client.base + path, headers={"X-CSRF-Token": client.csrf}, timeout=30,
                               **kwargs)  # type: ignore[arg-type]


def test_the_api_is_for_admins(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path]) -> None:
    server, admin, staff, _ = served
    for method, path in (("GET", "/admin/review"), ("GET", "/admin/api/review"),
                         ("POST", "/admin/api/review/decisions"), ("GET", "/admin/api/review/decisions")):
        assert _call(staff, method, path, json={}).status_code == 403, path
        anonymous = requests.request(method, server.url + path, json={}, timeout=10, allow_redirects=False)
        assert anonymous.status_code == (302 if path == "/admin/review" else 401), path
    refused = admin.http.post(server.url + "/admin/api/review/decisions", json={"action": "dismiss", "texts": DOG},
                              timeout=10)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    queue = admin.get("/admin/api/review", days=7).json()
    assert queue["total_messages"] == 14 and queue["groups"][0]["count"] == 12


@pytest.mark.parametrize(("body", "status"), [
    ("not json", 400), ([1, 2], 400), ({"action": "archive", "texts": ["狗证怎么办"]}, 400),
    ({"action": "dismiss", "texts": ["狗证怎么办"], "days": 0}, 400),
    ({"action": "dismiss", "texts": ["狗证怎么办"], "days": "many"}, 400),
    ({"action": "dismiss", "texts": ["没人问过这个"]}, 409),
])
def test_refused_bodies(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path], body: object,
                        status: int) -> None:
    _, admin, _, _ = served
    if isinstance(body, str):
        response = _call(admin, "POST", "/admin/api/review/decisions", data=body)
    else:
        response = _call(admin, "POST", "/admin/api/review/decisions", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert admin.get("/admin/api/review", days="x").status_code == 400
    assert admin.get("/admin/api/review", days="400").status_code == 400


def test_an_administrator_works_the_queue(served: Tuple[ConsoleServer, DeskClient, DeskClient, Path],
                                          new_page: NewPage) -> None:
    server, admin, _, data = served
    page = new_page(width=1366, height=900, accept_dialogs=True)
    violations = csp_violations(page)
    login(page, server.url, admin.account["username"], admin.account["password"], next_path="/admin/review")
    expect(page).to_have_url(server.url + "/admin/review")
    expect(page.locator("#queue-total")).to_have_text("共 3 组，14 条消息", timeout=TIMEOUT)
    groups = page.locator("#groups li.group")
    dog = groups.nth(0)
    expect(dog.locator(".group-summary .count")).to_have_text("12")
    expect(dog.locator(".reason-fallback")).to_have_text("未理解 12")
    lamp = groups.filter(has_text="路灯")
    # shown as text, the number masked
    expect(lamp.locator(".group-summary .text")).to_have_text("我电话138****5678，<b>路灯</b>坏了没人修")
    assert "13812345678" not in page.content()

    dog.locator("summary").click()
    expect(dog.locator("input.choose")).to_have_count(6)
    dog.locator("label.text-choice", has_text="狗证要多少钱").locator("input").uncheck()
    area = dog.locator("textarea.examples")
    assert sorted(area.input_value().split("\n")) == sorted(t for t in DOG if t != "狗证要多少钱")
    dog.locator("select.intent").select_option("ask_service_guide")
    area.fill("狗证怎么办\n[狗证](service)在哪里办")
    dog.locator("button.submit-examples").click()
    expect(page.locator("#status")).to_contain_text("已处理 10 条消息，加入例句 2 条", timeout=TIMEOUT)
    examples = read_training_data().intents()["ask_service_guide"]
    assert "狗证怎么办" in examples and "[狗证](service)在哪里办" in examples
    # the unticked text stays, as a group of its own
    expect(page.locator("#queue-total")).to_have_text("共 3 组，4 条消息", timeout=TIMEOUT)

    rent = page.locator("#groups li.group").filter(has_text="公积金能不能直接付房租")
    rent.locator("summary").click()
    rent.locator("textarea.answer").fill("可以。租房提取公积金请带身份证和租房合同到公积金中心办理。")
    rent.locator("input.department").fill("市住房公积金中心")
    rent.locator("button.submit-faq").click()
    expect(page.locator("#status")).to_contain_text("建为常见问题：已处理 1 条消息", timeout=TIMEOUT)
    entries, _ = list_entries("公积金能不能直接付房租")
    assert [e.department for e in entries] == ["市住房公积金中心"]
    # the status is shown before the list is fetched again: wait for the new list, or the click opens a group
    # that the refresh then replaces
    expect(page.locator("#queue-total")).to_have_text("共 2 组，3 条消息", timeout=TIMEOUT)

    lamp = page.locator("#groups li.group").filter(has_text="路灯")
    lamp.locator("summary").click()
    lamp.locator("button.submit-dismiss").click()
    expect(page.locator("#status")).to_contain_text("忽略：已处理 1 条消息", timeout=TIMEOUT)
    expect(page.locator("#queue-total")).to_have_text("共 1 组，2 条消息", timeout=TIMEOUT)

    decisions = page.locator("#decision-rows tr")
    expect(decisions).to_have_count(3)
    expect(decisions.first).to_contain_text("忽略")
    decisions.first.locator("button.reopen").click()
    expect(page.locator("#status")).to_contain_text("消息回到待审队列", timeout=TIMEOUT)
    expect(page.locator("#queue-total")).to_have_text("共 2 组，3 条消息", timeout=TIMEOUT)
    expect(decisions.first).to_contain_text("（已撤销）")
    assert "狗证怎么办" not in (Path(data) / "nlu" / "smalltalk.yml").read_text(encoding="utf-8")
    assert violations == []
