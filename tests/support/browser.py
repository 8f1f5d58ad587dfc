"""The browser of the page tests: one headless Chromium per test session, and the page helpers.

One helper for the job: every page test gets its pages from the ``new_page`` fixture
(tests/conftest.py) — a fresh browser context per page, on the session's one Chromium
(:class:`SessionChromium`, the ``browser`` fixture) — signs in with :func:`login` and watches the
Content-Security-Policy with :func:`csp_violations`.

Why the Chromium is lent to one test at a time: Playwright's sync API marks its own event loop as
the thread's running loop between calls (playwright/_impl/_greenlets.py, wait_for_future). While
that mark stands, ``asyncio.run()`` and pytest-asyncio refuse to start a loop in the main thread, so
a Chromium kept for the whole session would break every asyncio test collected after the first page
test. :meth:`SessionChromium.lent` sets the mark for the test that uses the browser and takes it
away afterwards; the mark is all that changes, the driver and Chromium stay as they are.
"""
from __future__ import annotations

import asyncio
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


class SessionChromium:
    """The session's Playwright driver and headless Chromium; see the module docstring."""

    def __init__(self) -> None:
        self._playwright = sync_playwright().start()
        try:
            self.browser = launch_chromium(self._playwright)
        except BaseException:
            self._playwright.stop()
            raise
        self._loop = asyncio._get_running_loop()  # Playwright's loop, marked by the calls above
        self._idle()

    @staticmethod
    def _idle() -> None:
        asyncio._set_running_loop(None)

    def _busy(self) -> None:
        asyncio._set_running_loop(self._loop)

    @contextmanager
    def lent(self) -> Iterator[Browser]:
        """The browser, usable inside the block; outside it asyncio is free for other tests."""
        self._busy()
        try:
            yield self.browser
        finally:
            self._idle()

    def close(self) -> None:
        self._busy()
        try:
            self.browser.close()
        finally:
            self._playwright.stop()  # clears the mark itself
            self._idle()


@contextmanager
def page_factory(chromium: SessionChromium) -> Iterator[NewPage]:
    """Opens pages, each in a context of its own, for one test; closes the contexts afterwards."""
    contexts: List[BrowserContext] = []

    def new_page(width: int = 1280, height: int = 800, locale: str = "zh-CN", accept_dialogs: bool = False) -> Page:
        context = chromium.browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        if accept_dialogs:  # confirm() before disabling an account, deleting, revealing a phone number…
            page.on("dialog", lambda dialog: dialog.accept())
        return page

    with chromium.lent():
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
