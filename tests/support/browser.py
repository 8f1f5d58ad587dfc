"""The browser of the page tests: one headless Chromium per test module, and the page helpers.

One helper for the job: every page test gets its pages from the ``new_page`` fixture
(tests/conftest.py) — a fresh browser context per page, on the module's Chromium (the ``browser``
fixture) — signs in with :func:`login` and watches the Content-Security-Policy with
:func:`csp_violations`.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

NewPage = Callable[..., Page]
"""``new_page(width=1280, height=800, locale="zh-CN", accept_dialogs=False) -> Page``"""


def launch_chromium(pw: Playwright) -> Browser:
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Playwright's driver and a headless Chromium, stopped when the block ends.

    Playwright's sync API marks its event loop as the thread's running loop while it is alive, so
    ``asyncio.run()`` and pytest-asyncio cannot start a loop meanwhile: the ``browser`` fixture is
    module-scoped (page-test modules hold no asyncio tests), never kept for the whole session.
    """
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_factory(browser: Browser) -> Iterator[NewPage]:
    """Opens pages, each in a context of its own, for one test; closes the contexts afterwards."""
    contexts: List[BrowserContext] = []

    def new_page(width: int = 1280, height: int = 800, locale: str = "zh-CN", accept_dialogs: bool = False) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        if accept_dialogs:  # confirm() before disabling an account, deleting, revealing a phone number…
            page.on("dialog", lambda dialog: dialog.accept())
        return page

    try:
        yield new_page
    finally:
        failure: Optional[BaseException] = None
        for context in contexts:
            try:
                context.close()
            except Exception as exc:  # the other contexts are closed all the same
                failure = failure or exc
        if failure is not None:
            raise failure


def csp_violations(page: Page) -> List[str]:
    """Collects the page's console messages about the Content-Security-Policy (should stay empty)."""
    seen: List[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def login(page: Page, base_url: str, username: str, password: str, next_path: Optional[str] = None) -> None:
    """Through the login form; waits until the browser has left the login page."""
    page.goto(base_url + "/desk/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_url(lambda url: "/desk/login" not in url, timeout=10_000)
