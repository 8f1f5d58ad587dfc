"""Ports and environment of the real stack the tests start (shared by every test package)."""
from __future__ import annotations

import socket
from typing import Set

_GIVEN: Set[int] = set()  # ports already handed out in this test process


def free_port() -> int:
    """A free loopback port never handed out before in this process: the kernel may offer a
    just-released port again, and two servers of one stack on the same port make the second one
    fail while the first answers its health check."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


# The fake WeChat API server of the WeChat tests listens here; Rasa is started pointing at it.
WECHAT_FAKE_API_PORT = free_port()
WECHAT_TEST_ENV = {
    "WECHAT_TOKEN": "test-token",
    "WECHAT_APPID": "wx0123456789abcdef",
    "WECHAT_SECRET": "test-secret",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_API_BASE": f"http://127.0.0.1:{WECHAT_FAKE_API_PORT}",
}
