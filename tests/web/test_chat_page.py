"""The web chat page in a real headless Chromium against the real stack."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, rasa_stack) -> Page:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")  # phone-sized
    page = context.new_page()
    page.goto(rasa_stack.web_url + "/")
    expect(page.locator("#status")).to_have_text("已连接，可以提问了", timeout=30_000)
    expect(page.locator("#send")).to_be_enabled(timeout=30_000)
    yield page
    context.close()


def _ask(page: Page, text: str) -> None:
    page.fill("#message-input", text)
    page.keyboard.press("Enter")


def test_resident_asks_and_clicks_a_button(page: Page, tmp_path: Path) -> None:
    _ask(page, "提取公积金要带什么")
    bot = page.locator(".msg.bot")
    expect(bot.nth(1)).to_be_visible(timeout=60_000)
    choice = page.locator(".msg.bot .buttons button").first
    expect(choice).to_be_visible(timeout=60_000)
    choice.click()
    expect(page.locator(".msg.bot").last).to_contain_text("所需材料", timeout=60_000)
    expect(page.locator(".msg.bot").last).to_contain_text("数据来源")
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)


def test_text_is_never_rendered_as_html(page: Page) -> None:
    hostile = '<img src=x onerror="window.hacked=1"><b>粗体</b>'
    _ask(page, hostile)
    expect(page.locator(".msg.user").last).to_contain_text(hostile)
    expect(page.locator(".msg.bot")).to_have_count(2, timeout=60_000)
    assert page.locator(".messages img, .messages b").count() == 0
    assert page.evaluate("window.hacked === undefined")


def test_empty_message_is_not_sent_and_the_resident_is_told(page: Page) -> None:
    _ask(page, "   ")
    expect(page.locator("#status")).to_have_text("请先输入您的问题")
    assert page.locator(".msg.user").count() == 0


def test_keyboard_and_screen_reader_basics(page: Page) -> None:
    assert page.locator("#messages").get_attribute("role") == "log"
    assert page.locator("label[for=message-input]").count() == 1
    page.keyboard.press("Tab")  # skip link first
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "message-input"


def test_server_push_reaches_the_open_page(page: Page, rasa_stack) -> None:  # type: ignore[no-untyped-def]
    """A message the server sends later (as staff replies will) appears without a request."""
    _ask(page, "你好")
    expect(page.locator(".msg.bot")).to_have_count(2, timeout=60_000)
    session = page.evaluate("window.localStorage.getItem('jz-assistant-session')")
    assert session
    # a reminder pushed through Rasa's own output channel to the socket room of this session
    resp = requests.post(f"{rasa_stack.rasa_url}/conversations/{session}/trigger_intent",
                         params={"output_channel": "socketio", "token": rasa_stack.api_token},
                         json={"name": "greet"}, timeout=30)
    assert resp.status_code == 200, resp.text
    expect(page.locator(".msg.bot")).to_have_count(3, timeout=60_000)


def test_page_serves_no_external_assets(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    html = requests.get(rasa_stack.web_url + "/", timeout=10).text
    assert "http://" not in html.replace("{{", "").split("rasa-url")[0]
    assert "cdn" not in html.lower() and "https://" not in html
