"""``/admin/models`` in headless Chromium against the running stack: an administrator finds the page in the
navigation, sees the versions with their macro-F1 and the difference to the active one, what the running
assistant uses, the training log; opens a version that the gate refuses (the bad training set's, placed in
this models folder) and sees its per-intent F1 beside the active version's and its confusion matrix; tries
to force it without a reason and is refused — nothing is activated. Staff get no page. No
Content-Security-Policy violation.
"""
from __future__ import annotations

from typing import Any, Dict

from playwright.sync_api import expect

from bot.models import store
from tests.models.conftest import Lifecycle, copy_version, wait_trained
from tests.support.browser import NewPage, csp_violations, login
from tests.support.desk import new_staff, wait_for

TIMEOUT = 15_000


def test_the_model_page(stack: Any, lifecycle: Lifecycle, bad: Lifecycle, first: Dict[str, Any],
                        new_page: NewPage) -> None:
    trained = wait_trained(bad.root, (bad.work / ".version").read_text())
    worse = copy_version(trained["version"], bad.root, lifecycle.root)  # the bad version, in the followed folder
    active = store.active_version(lifecycle.root)
    assert active is not None

    account = new_staff("admin", "模型管理员")
    page = new_page(width=1366, height=900)
    violations = csp_violations(page)
    login(page, stack.web_url, account["username"], account["password"], next_path="/admin/models")
    nav = page.get_by_role("navigation", name="管理后台")
    expect(nav.get_by_role("link", name="模型")).to_have_attribute("aria-current", "page")
    expect(page.locator("#active-version")).to_have_text(active, timeout=TIMEOUT)
    expect(page.locator("#serving")).to_contain_text(f"正在使用 {active}")
    row = page.locator(f"tr[data-version='{worse}']")
    expect(row.locator("td.f1")).to_have_text(f"{trained['macro_f1']:.3f}")
    expect(row.locator("td.down")).to_contain_text("个百分点")
    expect(page.locator(f"tr[data-version='{active}']")).to_have_class("active-row")

    page.locator("#train-log-box summary").click()
    expect(page.locator("#train-log")).to_contain_text("rasa", timeout=TIMEOUT)  # the latest run's log

    row.get_by_role("button", name=f"查看版本 {worse}").click()
    expect(page.locator("#detail-title")).to_have_text(f"版本 {worse}")
    expect(page.locator("#gate-text")).to_contain_text("macro-F1")
    thanks = page.locator("#intent-rows tr", has_text="thanks")
    expect(thanks.locator("td").nth(2)).not_to_have_text("—")  # the active version's F1 beside it
    assert page.locator("#intent-rows tr").count() >= len(trained["intent_f1"]) > 10
    expect(page.locator("#matrix")).to_be_visible()
    # the image loaded (polled from here: the page's CSP forbids the eval wait_for_function's predicate needs)
    wait_for(lambda: page.locator("#matrix").evaluate("image => image.naturalWidth") > 100, TIMEOUT / 1000,
             "the confusion matrix image loaded", interval=0.2)

    page.locator("#force").click()
    expect(page.locator("#status")).to_have_text("强制启用必须填写理由")
    row.get_by_role("button", name=f"启用版本 {worse}").click()
    expect(page.locator("#status")).to_contain_text("未启用")
    assert store.active_version(lifecycle.root) == active, "nothing was activated"
    assert violations == []

    staff = new_staff("staff", "一号窗口")
    other = new_page()
    login(other, stack.web_url, staff["username"], staff["password"], next_path="/admin/models")
    expect(other.locator("h1")).to_have_text("没有权限")
