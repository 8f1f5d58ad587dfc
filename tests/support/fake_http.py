"""One real local HTTP server that the fakes of outside services build on (CKAN portal, WeChat API).

A ``ThreadingHTTPServer`` on 127.0.0.1 (a free port unless one is given) served by a daemon
thread. Every request is logged in ``requests`` and answered by ``handle``, which a fake overrides;
``handle`` runs on the request's own thread, so it may sleep to play a slow service.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, TypeVar, Union
from urllib.parse import parse_qs, urlsplit

Server = TypeVar("Server", bound="FakeHttpServer")


@dataclass(frozen=True)
class Request:
    """One request as the fake received it."""

    method: str
    path: str  # without the query string
    query: Dict[str, str]  # the last value of each parameter
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8") or "{}")


@dataclass(frozen=True)
class Reply:
    status: int
    body: Union[str, bytes]
    content_type: str = "application/json"


class FakeHttpServer:
    """Real HTTP on 127.0.0.1 in a background thread: ``start()``, ``url``, ``requests``, ``stop()``."""

    name = "fake-http"

    def __init__(self, port: int = 0) -> None:
        self.requests: List[Request] = []
        self._port = port
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    def handle(self, request: Request) -> Reply:
        """The answer to ``request``; a fake overrides this."""
        return Reply(404, "not found", "text/plain")

    # --- server --------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self: Server) -> Server:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(method=self.command, path=parts.path,
                                  query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                                  headers=dict(self.headers), body=self.rfile.read(length) if length else b"")
                fake.requests.append(request)
                reply = fake.handle(request)
                data = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
                    pass

            do_GET = _serve
            do_POST = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (nothing listens there any more)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
