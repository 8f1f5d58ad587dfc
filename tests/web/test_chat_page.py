"""The web chat page in a real headless Chromium against the real stack."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml
from playwright.sync_api import Page, expect

from bot.registry.models import ServiceItem
from tests.support.browser import NewPage
from tests.support.chat import Chat

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def chat_page(new_page: NewPage, rasa_stack) -> Page:  # type: ignore[no-untyped-def]
    """The chat page, phone-sized, connected to Rasa and ready for a question."""
    page = new_page(width=375, height=740)
    page.goto(rasa_stack.web_url + "/")
    expect(page.locator("#status")).to_have_text("已连接，可以提问了", timeout=30_000)
    expect(page.locator("#send")).to_be_enabled(timeout=30_000)
    return page


def _ask(page: Page, text: str) -> None:
    page.fill("#message-input", text)
    page.keyboard.press("Enter")


def _response(name: str) -> str:
    """The text of a response of domain.yml (each used here has one variant)."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    (variant,) = domain["responses"][name]
    return str(variant["text"])


def _item(name: str) -> ServiceItem:
    """A registry item as the stack serves it (the session database the stack was started on)."""
    from bot.db import session_scope
    from bot.registry.repository import RegistryRepository

    with session_scope() as session:
        item = RegistryRepository(session).item_by_name(name)
    assert item is not None, f"{name} is not in the registry"
    return item


def test_resident_asks_and_clicks_a_button(chat_page: Page, tmp_path: Path) -> None:
    """Typed "提取公积金要带什么", then clicked the first situation button the bot offered."""
    item = _item("住房公积金提取")
    _ask(chat_page, "提取公积金要带什么")
    # the bubble asking the item's own situation question, with one button per situation
    asked = chat_page.locator(".msg.bot").filter(has_text=item.situation_question)
    expect(asked).to_have_count(1, timeout=60_000)
    expect(asked.locator(".buttons button")).to_have_text([s.name for s in item.situations])
    situation = item.situations[0]
    shown = chat_page.locator(".msg.bot").count()
    asked.locator(".buttons button").first.click()
    expect(chat_page.locator(".msg.user").last).to_contain_text(situation.name)  # shows the title, not the payload
    answer = chat_page.locator(".msg.bot").nth(shown)  # the first bot bubble after the click
    expect(answer).to_contain_text(item.name, timeout=60_000)
    expect(answer).to_contain_text(situation.name)
    materials = [m.name for m in item.materials if m.situation_id in (None, situation.id)]
    assert len(materials) > 2
    for name in materials:
        expect(answer).to_contain_text(name)
    expect(answer).to_contain_text(item.source)
    expect(answer).to_contain_text(item.updated.isoformat())
    chat_page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)


def test_text_is_never_rendered_as_html(chat_page: Page, rasa_stack) -> None:  # type: ignore[no-untyped-def]
    """Typed an <img onerror> and a <b> tag; the page shows the bot's reply to exactly that text
    (the same reply the REST webhook gives in a fresh conversation), as text."""
    hostile = '<img src=x onerror="window.hacked=1"><b>粗体</b>'
    expected = Chat(rasa_stack.rasa_url).send(hostile)
    assert expected and expected[0].get("text"), expected
    _ask(chat_page, hostile)
    expect(chat_page.locator(".msg.user").last).to_contain_text(hostile)
    reply = chat_page.locator(".msg.bot").nth(1)
    expect(reply).to_contain_text(expected[0]["text"], timeout=60_000)
    expect(reply.locator(".buttons button")).to_have_text([b["title"] for b in expected[0].get("buttons", [])])
    assert chat_page.locator(".messages img, .messages b").count() == 0
    assert chat_page.evaluate("window.hacked === undefined")


def test_empty_message_is_not_sent_and_the_resident_is_told(chat_page: Page) -> None:
    _ask(chat_page, "   ")
    expect(chat_page.locator("#status")).to_have_text("请先输入您的问题")
    assert chat_page.locator(".msg.user").count() == 0


def test_keyboard_and_screen_reader_basics(chat_page: Page) -> None:
    assert chat_page.locator("#messages").get_attribute("role") == "log"
    assert chat_page.locator("label[for=message-input]").count() == 1
    chat_page.keyboard.press("Tab")  # skip link first
    chat_page.keyboard.press("Tab")
    assert chat_page.evaluate("document.activeElement.id") == "message-input"


def test_server_push_reaches_the_open_page(chat_page: Page, rasa_stack) -> None:  # type: ignore[no-untyped-def]
    """A message the server sends later (as staff replies will) appears without a request.

    Typed "你好" (answered with utter_greet), then, with nothing typed, the server triggers the
    goodbye intent for this session: its utter_goodbye text, unlike anything the page showed
    before, must appear in the open page.
    """
    greeting, goodbye = _response("utter_greet"), _response("utter_goodbye")
    assert goodbye != greeting
    _ask(chat_page, "你好")
    expect(chat_page.locator(".msg.bot").nth(1)).to_contain_text(greeting, timeout=60_000)
    session = chat_page.evaluate("window.localStorage.getItem('jz-assistant-session')")
    assert session
    # a message pushed through Rasa's own output channel to the socket room of this session
    resp = requests.post(f"{rasa_stack.rasa_url}/conversations/{session}/trigger_intent",
                         params={"output_channel": "socketio", "token": rasa_stack.api_token},
                         json={"name": "goodbye"}, timeout=30)
    assert resp.status_code == 200, resp.text
    expect(chat_page.locator(".msg.bot").nth(2)).to_contain_text(goodbye, timeout=60_000)
    expect(chat_page.locator(".msg.bot")).to_have_count(3)


def test_page_serves_no_external_assets(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    html = requests.get(rasa_stack.web_url + "/", timeout=10).text
    assert "http://" not in html.replace("{{", "").split("rasa-url")[0]
    assert "cdn" not in html.lower() and "https://" not in html
