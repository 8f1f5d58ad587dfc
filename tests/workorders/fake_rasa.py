"""A fake of Rasa's HTTP API for the work-order pushes: real HTTP on 127.0.0.1 (tests/support/fake_http.py).

It holds a tracker per conversation (``events``), answers ``GET /conversations/{id}/tracker`` with it,
and records every ``POST /conversations/{id}/tracker/events`` (query and body) before appending the
events, as Rasa does. With ``token`` set, a request without ``?token=`` gets 401 like Rasa's
``--auth-token``; ``fail_appends`` makes it answer 500; ``on_append`` lets a test play the channel
(e.g. record a WeChat refusal the way the WeChat output does).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import unquote

from tests.support.fake_http import FakeHttpServer, Reply, Request

PREFIX = "/conversations/"


@dataclass(frozen=True)
class Appended:
    sender_id: str
    query: Dict[str, str]
    events: List[Dict[str, Any]]


class FakeRasa(FakeHttpServer):
    name = "fake-rasa"

    def __init__(self, token: str = "") -> None:
        super().__init__()
        self.token = token
        self.trackers: Dict[str, List[Dict[str, Any]]] = {}
        self.appended: List[Appended] = []
        self.fail_appends = False
        self.on_append: Optional[Callable[[Appended], None]] = None
        self._lock = threading.Lock()

    def resident_wrote(self, sender_id: str, channel: str, text: str = "你好", at: Optional[float] = None) -> None:
        """Put a resident's message in the conversation, as the channel would."""
        event = {"event": "user", "text": text, "timestamp": time.time() if at is None else at,
                 "input_channel": channel, "parse_data": {"intent": {"name": "greet"}}}
        with self._lock:
            self.trackers.setdefault(sender_id, []).append(event)

    def handle(self, request: Request) -> Reply:
        if self.token and request.query.get("token") != self.token:
            return Reply(401, json.dumps({"status": "failure", "reason": "NotAuthenticated"}))
        if not request.path.startswith(PREFIX):
            return Reply(404, "{}")
        sender_id, _, rest = request.path[len(PREFIX):].partition("/")
        sender_id = unquote(sender_id)
        if request.method == "GET" and rest == "tracker":
            with self._lock:
                events = list(self.trackers.get(sender_id, []))
            return Reply(200, json.dumps({"sender_id": sender_id, "events": events, "paused": False}))
        if request.method == "POST" and rest == "tracker/events":
            if self.fail_appends:
                return Reply(500, json.dumps({"status": "failure", "message": "boom"}))
            events = request.json()
            events = events if isinstance(events, list) else [events]
            appended = Appended(sender_id, dict(request.query), events)
            with self._lock:
                self.appended.append(appended)
                self.trackers.setdefault(sender_id, []).extend(events)
            if self.on_append is not None:
                self.on_append(appended)
            return Reply(200, json.dumps({"sender_id": sender_id}))
        return Reply(404, "{}")
