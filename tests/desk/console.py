"""The desk console's pages as the browser tests drive them.

:class:`ConsoleServer` serves the login side of the page server (auth, the desk pages, the admin
pages; no desk API and so no Rasa) on 127.0.0.1 from a background thread, for the login and account
tests; the ticket console itself is tested against the running stack (test_desk_page.py).
:func:`launch_chromium` is the headless Chromium of the page tests; :func:`login` signs a browser
page in through the login form.
"""
from __future__ import annotations

import asyncio
import shutil
import threading
from typing import List, Optional

from aiohttp import web
from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def console_app() -> web.Application:
    """The page server's login side: auth, the desk pages and the admin pages."""
    from bot.admin import setup_admin
    from bot.desk.pages import setup_desk_pages
    from bot.web.auth import setup_auth

    app = web.Application(client_max_size=64 * 1024)
    setup_auth(app)
    setup_desk_pages(app)
    setup_admin(app)
    return app


class ConsoleServer:
    """``with ConsoleServer(app) as server:`` → ``server.url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="console-server", daemon=True)
        self._started = threading.Event()
        self._error: Optional[BaseException] = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self.app, access_log=None)
        try:
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            host, port = runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._started.set()
            return
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

    def __enter__(self) -> ConsoleServer:
        self._thread.start()
        if not self._started.wait(15) or self._error is not None:
            raise RuntimeError(f"the console server did not start: {self._error!r}")
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)


def launch_chromium(pw: Playwright) -> Browser:
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


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
