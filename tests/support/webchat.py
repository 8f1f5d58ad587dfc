"""A resident on the web chat's Socket.IO channel, without a browser (python-socketio's client).

Staff replies and hand-backs are pushed by Rasa at any time, so the resident keeps every
``bot_uttered`` it receives; tests wait for the message they expect.
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

import socketio


class WebResident:
    def __init__(self, rasa_url: str) -> None:
        self.session_id = uuid.uuid4().hex
        self.received: List[Dict[str, Any]] = []
        self._confirmed = threading.Event()
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_uttered", self._on_bot)
        self.sio.connect(rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=20)
        self.sio.emit("session_request", {"session_id": self.session_id})
        assert self._confirmed.wait(20), "no session_confirm from Rasa"

    def _on_confirm(self, data: Any) -> None:
        self._confirmed.set()

    def _on_bot(self, data: Dict[str, Any]) -> None:
        with self._lock:
            self.received.append(dict(data))

    def say(self, text: str, button: bool = False) -> None:
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                       "metadata": {"button": button}})

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def wait(self, predicate: Callable[[Dict[str, Any]], bool], after: int = 0, timeout: float = 60) -> Dict[str, Any]:
        """The first message from index ``after`` on that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.received[after:]:
                    if predicate(message):
                        return message
            time.sleep(0.1)
        raise AssertionError(f"no such bot message within {timeout:.0f} s; got {self.received[after:]}")

    def ask(self, text: str, contains: str, timeout: float = 60) -> Dict[str, Any]:
        """Say ``text`` and wait for a reply whose text contains ``contains``."""
        before = self.count()
        self.say(text)
        return self.wait(lambda m: contains in str(m.get("text") or ""), before, timeout)

    def quiet_for(self, seconds: float, after: int) -> List[Dict[str, Any]]:
        """Messages received after index ``after`` during ``seconds`` (expected: none)."""
        time.sleep(seconds)
        with self._lock:
            return self.received[after:]

    def close(self) -> None:
        """Leave without waiting for the pending long-poll to time out (about 30 s otherwise)."""
        self.sio.eio.disconnect(abort=True)  # engine.io's CLOSE packet tells the server


def texts_since(resident: WebResident, after: int) -> str:
    return "\n".join(str(m.get("text") or "") for m in resident.received[after:])


def buttons_of(message: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return list((message or {}).get("quick_replies") or (message or {}).get("buttons") or [])
