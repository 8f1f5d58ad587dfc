"""The NLU editor's page in headless Chromium (the ``browser``/``new_page`` fixtures) against the
consoles' app on a private database and a copy of the training data (tests/support/admin_console.py):
an administrator finds an intent through the navigation, adds an example with hostile markup (shown
as text, never run), is told of a clash with the intent named and of a near-duplicate, edits and
deletes an example, undoes a change from the history, and adds a typo. No Content-Security-Policy
violation.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from playwright.sync_api import Page, expect

from tests.desk.console import ConsoleServer
from tests.support.admin_console import console, training_data_copy
from tests.support.browser import NewPage, csp_violations, login
from tests.support.database import fresh_database
from tests.support.desk import DeskClient

TIMEOUT = 10_000
HOSTILE = '<img src=x onerror="window.__hacked=1">[居住证](service)交钱吗'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[ConsoleServer, DeskClient, Path]]:
    root = tmp_path_factory.mktemp("nlu-page")
    with fresh_database(root / "nlu.db"), training_data_copy(root) as data, console() as (server, admin, _):
        yield server, admin, data


def _open(new_page: NewPage, served: Tuple[ConsoleServer, DeskClient, Path]) -> Tuple[Page, list]:
    server, admin, _ = served
    page = new_page(width=1366, height=900, accept_dialogs=True)
    violations = csp_violations(page)
    account: Dict[str, str] = admin.account
    login(page, server.url, account["username"], account["password"], next_path="/admin/nlu")
    expect(page).to_have_url(server.url + "/admin/nlu")
    return page, violations


def test_an_administrator_edits_examples(served: Tuple[ConsoleServer, DeskClient, Path], new_page: NewPage) -> None:
    _, _, data = served
    page, violations = _open(new_page, served)
    nav = page.get_by_role("navigation", name="管理后台")
    expect(nav.get_by_role("link", name="语言理解")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="待审消息")).to_be_visible()
    expect(page.locator("#trainer-note")).to_be_visible()

    page.locator('#intent-rows li[data-intent="ask_fee"] button').click()
    expect(page.locator("#intent-title")).to_have_text("意图：ask_fee", timeout=TIMEOUT)
    page.fill("#example-text", HOSTILE)
    page.click("#example-save")
    expect(page.locator("#status")).to_have_text("已添加例句", timeout=TIMEOUT)
    row = page.locator("#example-rows tr", has_text="交钱吗")
    expect(row.locator(".example")).to_have_text(HOSTILE)  # text, not markup
    expect(row.locator(".entities")).to_have_text("居住证 → service")
    assert page.evaluate("window.__hacked") is None
    assert page.locator("#example-rows img").count() == 0
    assert HOSTILE in (data / "nlu" / "services.yml").read_text(encoding="utf-8")

    page.fill("#example-text", "转人工")
    page.click("#example-save")
    expect(page.locator("#example-notes")).to_contain_text("request_human", timeout=TIMEOUT)
    page.fill("#example-text", "[居住证](service)要钱不")
    page.click("#example-check")
    expect(page.locator("#example-notes")).to_contain_text("可以添加", timeout=TIMEOUT)

    row.locator("button.edit").click()
    expect(page.locator("#example-text")).to_have_value(HOSTILE)
    expect(page.locator("#example-text")).to_be_focused()
    page.fill("#example-text", "[居住证](service)交钱吗")
    page.click("#example-save")
    expect(page.locator("#status")).to_have_text("已修改例句", timeout=TIMEOUT)
    edited = page.locator('#example-rows tr[data-text="[居住证](service)交钱吗"]')
    expect(edited).to_have_count(1)
    edited.locator("button.delete").click()
    expect(page.locator("#status")).to_have_text("已删除例句", timeout=TIMEOUT)
    expect(edited).to_have_count(0)

    page.locator("#intent-history summary").click()
    newest = page.locator("#history-rows li").first
    expect(newest).to_contain_text("删除「[居住证](service)交钱吗」")
    newest.locator("button.revert").click()
    expect(page.locator("#status")).to_contain_text("已撤销修改", timeout=TIMEOUT)
    expect(edited).to_have_count(1, timeout=TIMEOUT)
    assert violations == []


def test_near_duplicates_and_the_typo_table(served: Tuple[ConsoleServer, DeskClient, Path], new_page: NewPage) -> None:
    _, _, data = served
    page, violations = _open(new_page, served)
    page.fill("#search-q", "就是这个")
    page.click("#search-run")
    hit = page.locator("#search-hits li", has_text="就是这个").first
    expect(hit.locator(".hit-intent")).to_have_text("affirm", timeout=TIMEOUT)
    page.locator('#intent-rows li[data-intent="deny"] button').click()
    expect(page.locator("#intent-title")).to_have_text("意图：deny", timeout=TIMEOUT)
    page.fill("#example-text", "就是这个吧")
    page.click("#example-save")
    expect(page.locator("#example-notes")).to_contain_text("与意图 affirm 的例句「就是这个」十分相近", timeout=TIMEOUT)
    expect(page.locator('#example-rows tr[data-text="就是这个吧"]')).to_have_count(1)

    page.get_by_role("tab", name="错别字表").click()
    expect(page.locator("#panel-corrections")).to_be_visible()
    expect(page.locator("#correction-rows tr").first).to_be_visible(timeout=TIMEOUT)
    page.fill("#correction-wrong", "公积斤")
    page.fill("#correction-right", "公积金")
    page.click("#correction-save")
    expect(page.locator('#correction-rows tr[data-key="公积斤"] .right')).to_have_text("公积金", timeout=TIMEOUT)
    assert (data / "lexicon" / "corrections.tsv").read_text(encoding="utf-8").endswith("公积斤\t公积金\n")
    page.fill("#correction-wrong", "公积斤")
    page.fill("#correction-right", "公积金")
    page.click("#correction-save")
    expect(page.locator("#status")).to_contain_text("已有这个错别字", timeout=TIMEOUT)
    assert violations == []
