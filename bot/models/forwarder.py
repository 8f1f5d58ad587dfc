"""A TCP forwarder on Rasa's public port, owned by the process that runs the stack (``make run``).

Rasa listens on a loopback port of its own; residents, the page server and the desk connect to the
forwarder, which pipes bytes both ways (so HTTP, long-polling and WebSocket all pass unchanged). The
upstream is read when a connection is accepted: :meth:`Forwarder.flip` moves *new* connections to
another Rasa while those already open stay where they are, and :meth:`Forwarder.open_connections` says
when the old one has none left (see :mod:`bot.models.embedded`). It runs its own event loop in a thread.

A client that keeps its connection alive (a server calling the REST webhook, the desk's HTTP client)
would stay on the old Rasa until it is stopped, and a request sent as it stops would fail. So the one
thing the forwarder reads is the head of each HTTP/1.1 response on a connection whose Rasa has been
replaced: ``connection: keep-alive`` becomes ``connection: close``, the client closes after that answer
and sends its next request on a new connection — to the new Rasa. Nothing else is changed (a WebSocket
upgrade, ``101``, is left alone).
"""
from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import Counter
from typing import Callable, Optional, Set

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
_KEEP_ALIVE = re.compile(rb"\r\nconnection:[ \t]*keep-alive[ \t]*(?=\r\n|$)", re.IGNORECASE)
_CONNECTION = re.compile(rb"\r\nconnection:", re.IGNORECASE)


class Forwarder:
    """``Forwarder(bind, port, upstream_port).start()``; ``flip(other_port)``; ``stop()``."""

    def __init__(self, bind: str, port: int, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.bind = bind
        self.port = port
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self._open: Counter = Counter()  # upstream port -> connections open to it
        self._tasks: Set[asyncio.Task] = set()  # the loop keeps only weak references to tasks
        self._refused: Set[int] = set()
        self._count_lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.AbstractServer] = None
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"forwarder-{port}", daemon=True)

    def start(self) -> Forwarder:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        future.result(10)  # raises when the port is taken
        logger.info("forwarding %s:%s to Rasa on %s", self.bind, self.port, self.upstream_port)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.bind, self.port, reuse_address=True)

    def flip(self, upstream_port: int) -> int:
        """Send new connections to ``upstream_port``; the previous upstream port."""
        previous, self.upstream_port = self.upstream_port, upstream_port
        logger.info("new connections now go to Rasa on %s (was %s)", upstream_port, previous)
        return previous

    def open_connections(self, upstream_port: int) -> int:
        with self._count_lock:
            return int(self._open[upstream_port])

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        port = self.upstream_port  # fixed for the life of this connection
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        with self._count_lock:
            self._open[port] += 1
        try:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(self.upstream_host, port)
            except OSError as exc:
                # said once per port: while Rasa starts, every health check gets this
                level = logging.DEBUG if port in self._refused else logging.WARNING
                logger.log(level, "Rasa on %s refused a connection: %s", port, exc)
                self._refused.add(port)
                return
            try:
                await asyncio.gather(_pipe(client_reader, upstream_writer),
                                     _pipe(upstream_reader, client_writer, lambda: self.upstream_port != port))
            finally:
                upstream_writer.close()
        finally:
            client_writer.close()
            with self._count_lock:
                self._open[port] -= 1
            if task is not None:
                self._tasks.discard(task)


def close_after(data: bytes) -> bytes:
    """``data`` with the HTTP/1.1 response head it starts with saying ``connection: close`` (unchanged when
    it does not start with one, when it is a 101 upgrade, or when the head is not whole in ``data``)."""
    if not data.startswith(b"HTTP/1.1 ") or data[9:12] == b"101":
        return data
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return data
    head, rest = data[:end], data[end:]
    if _KEEP_ALIVE.search(head):
        head = _KEEP_ALIVE.sub(b"\r\nconnection: close", head, count=1)
    elif not _CONNECTION.search(head):
        head += b"\r\nconnection: close"
    return head + rest


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                replaced: Optional[Callable[[], bool]] = None) -> None:
    """Copy until end of stream, then pass the half-close on (HTTP clients may shut down their side
    after sending a request and still read the answer). ``replaced``: for answers from Rasa, whether
    it has been replaced (its answers then end keep-alive)."""
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            if replaced is not None and replaced():
                data = close_after(data)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()
