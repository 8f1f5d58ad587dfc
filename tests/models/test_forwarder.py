"""The forwarder in front of ``make run``'s Rasa, against two real HTTP/WebSocket servers (aiohttp) standing
in for the old and the new Rasa: new connections follow a flip, open ones stay and are counted, a kept-alive
connection is told ``connection: close`` by its next answer once its server is replaced, a WebSocket passes
through unchanged.

Bad input tried: bytes that are not HTTP, a 1 MB body (back-pressure), nothing listening upstream, a
response head split across reads, ``connection: keep-alive`` written in a body.
"""
from __future__ import annotations

import asyncio
import socket
from typing import Iterator, Tuple

import pytest
import requests
from aiohttp import WSMsgType, web

from bot.models.forwarder import Forwarder, close_after
from tests.desk.console import ConsoleServer
from tests.support.desk import wait_for
from tests.support.stack import free_port


def _upstream(name: str) -> web.Application:
    async def who(_: web.Request) -> web.Response:
        return web.Response(text=name)

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    async def ws(request: web.Request) -> web.WebSocketResponse:
        socket_ = web.WebSocketResponse()
        await socket_.prepare(request)
        async for message in socket_:
            if message.type == WSMsgType.TEXT:
                await socket_.send_str(f"{name}:{message.data}")
        return socket_

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_get("/who", who)
    app.router.add_post("/echo", echo)
    app.router.add_get("/ws", ws)
    return app


def _port(server: ConsoleServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.fixture()
def pair() -> Iterator[Tuple[Forwarder, int, int]]:
    with ConsoleServer(_upstream("A")) as a, ConsoleServer(_upstream("B")) as b:
        forwarder = Forwarder("127.0.0.1", free_port(), _port(a)).start()
        try:
            yield forwarder, _port(a), _port(b)
        finally:
            forwarder.stop()


def _raw_request(sock: socket.socket, path: str = "/who") -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith((b"A", b"B")):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_new_connections_follow_the_flip_and_open_ones_are_told_to_close(pair: Tuple[Forwarder, int, int]) -> None:
    forwarder, a, b = pair
    url = f"http://127.0.0.1:{forwarder.port}"
    assert requests.get(f"{url}/who", timeout=5).text == "A"
    held = socket.create_connection(("127.0.0.1", forwarder.port), timeout=5)
    try:
        first = _raw_request(held)
        assert first.endswith(b"A") and b"connection: close" not in first.lower()  # HTTP/1.1: kept alive
        assert forwarder.flip(b) == a
        assert requests.get(f"{url}/who", timeout=5).text == "B"
        assert forwarder.open_connections(a) == 1
        second = _raw_request(held)  # same connection: still the old server, now asking the client to close
        assert second.endswith(b"A") and b"connection: close" in second.lower(), second
    finally:
        held.close()
    wait_for(lambda: forwarder.open_connections(a) == 0, 10, "the old server's connection closed")


def test_a_websocket_passes_through_and_stays_on_its_server(pair: Tuple[Forwarder, int, int]) -> None:
    forwarder, a, b = pair

    async def talk() -> Tuple[str, str, str]:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"http://127.0.0.1:{forwarder.port}/ws") as ws:
                await ws.send_str("hi")
                before = (await ws.receive()).data
                forwarder.flip(b)
                await ws.send_str("again")
                after = (await ws.receive()).data
            async with session.ws_connect(f"http://127.0.0.1:{forwarder.port}/ws") as ws:
                await ws.send_str("new")
                fresh = (await ws.receive()).data
        return before, after, fresh

    assert asyncio.run(talk()) == ("A:hi", "A:again", "B:new")
    wait_for(lambda: forwarder.open_connections(a) == 0, 10, "the WebSocket's connection closed")


def test_bytes_pass_unchanged(pair: Tuple[Forwarder, int, int]) -> None:
    forwarder, _, _ = pair
    body = bytes(range(256)) * 4096  # 1 MB
    response = requests.post(f"http://127.0.0.1:{forwarder.port}/echo", data=body, timeout=30)
    assert response.content == body
    with socket.create_connection(("127.0.0.1", forwarder.port), timeout=5) as sock:
        sock.sendall(b"\x00\xff not http at all\r\n\r\n")
        assert b" 400 Bad Request" in sock.recv(4096)  # the upstream's own answer, passed back


def test_nothing_listening_upstream(pair: Tuple[Forwarder, int, int]) -> None:
    forwarder, a, _ = pair
    forwarder.flip(free_port())
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{forwarder.port}/who", timeout=5)
    forwarder.flip(a)
    assert requests.get(f"http://127.0.0.1:{forwarder.port}/who", timeout=5).text == "A"


@pytest.mark.parametrize(("given", "expected"), [
    (b"HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok",
     b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"),
    (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\n\r\n", b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n"),
    (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
     b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"),
    (b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\n\r\n",
     b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\n\r\n"),
    (b"HTTP/1.1 200 OK\r\nconnection: keep-al", b"HTTP/1.1 200 OK\r\nconnection: keep-al"),  # head not whole
    (b"HTTP/1.0 200 OK\r\n\r\n", b"HTTP/1.0 200 OK\r\n\r\n"),
    (b'{"text": "\r\nconnection: keep-alive\r\n\r\n"}', b'{"text": "\r\nconnection: keep-alive\r\n\r\n"}'),
    (b"", b""),
])
def test_close_after(given: bytes, expected: bytes) -> None:
    assert close_after(given) == expected
