"""Input channels in a real Sanic server on 127.0.0.1, registered the way Rasa registers them.

For channel tests that need real HTTP in front of a channel's blueprint but not the whole Rasa
stack: ``agent`` stands in for Rasa's agent (``register`` hands every UserMessage to
``app.ctx.agent.handle_message``).
"""
from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from typing import Any, List, Optional


class SanicThread:
    """A Sanic app served by its own event loop in a daemon thread, on a free port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.error: Optional[BaseException] = None
        self.server: Any = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = self.loop.run_until_complete(
                self.app.create_server(sock=self.sock, return_asyncio_server=True, access_log=False)
            )
            self.loop.run_until_complete(self.server.startup())
            self.loop.run_until_complete(self.server.before_start())
            self.loop.run_until_complete(self.server.after_start())
        except BaseException as exc:  # surfaced to the test by start()
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(20)
        if self.error:
            raise self.error

    def stop(self) -> None:
        async def shutdown() -> None:
            self.server.close()
            await self.server.wait_closed()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.server is not None:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def serve_channels(channels: List[Any], agent: Any, name: str = "channel_test") -> SanicThread:
    """``channels`` under /webhooks/ in a new, started Sanic app; ``stop()`` it when done."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    # Sanic 21.12 rewrites Http.send on every app start ("touchup"); starting a second app in
    # one process fails unless test mode keeps the original method around.  Left on for the
    # rest of the session on purpose: switching it back would break the next app started.
    Sanic.test_mode = True
    app = Sanic(f"{name}_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = agent
    register(channels, app, route="/webhooks/")
    server = SanicThread(app)
    server.start()
    return server
