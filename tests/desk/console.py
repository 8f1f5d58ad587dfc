"""A page-server app of a test's own on 127.0.0.1, for the HTTP API tests that need a private database.

:class:`ConsoleServer` serves an aiohttp app from a background thread. The page tests do not use it:
they run against the session's real page server (tests/conftest.py: rasa_stack.web_url) with the
shared browser (tests/support/browser.py). It stays for the two API tests that cannot share the
session database or the page server's process:

* tests/faq/test_api.py needs an FAQ without the sample entries (a search for 社保卡 挂失 with no
  hits once its entry is deleted, ``total == 0`` for 护照 before its import);
* tests/registry/test_admin_api.py walks the app's own router (``server.app.router``) to reach every
  admin route, which the page server's separate process does not expose.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Optional

from aiohttp import web


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
