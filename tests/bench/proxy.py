"""A tiny counting reverse proxy between Rasa and an action server (benchmark only).

Run as ``python -m tests.bench.proxy --port P --upstream http://127.0.0.1:A``. Every request is
forwarded unchanged; each ``POST /webhook`` (one custom-action call) is counted, by action name.
``GET /__bench/counts`` returns the counters as JSON; it is not forwarded.

It runs in its own process so that the benchmark's client threads do not share a GIL with it.
"""
from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from typing import Dict, List, Optional

import requests
from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

logger = logging.getLogger(__name__)

COUNTS_PATH = "/__bench/counts"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


def create_app(upstream: str) -> web.Application:
    calls: Counter = Counter()
    app = web.Application(client_max_size=64 * 1024 * 1024)

    async def on_startup(app_: web.Application) -> None:
        app_["session"] = ClientSession(connector=TCPConnector(limit=0), timeout=ClientTimeout(total=120),
                                        auto_decompress=False)

    async def on_cleanup(app_: web.Application) -> None:
        await app_["session"].close()

    async def counts(_: web.Request) -> web.Response:
        return web.json_response({"calls": sum(calls.values()), "by_action": dict(calls)})

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method == "POST" and request.path.rstrip("/") == "/webhook":
            try:
                action = str(json.loads(body).get("next_action") or "?")
            except ValueError:
                action = "?"
            calls[action] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        async with app["session"].request(request.method, f"{upstream}{request.path_qs}", data=body,
                                          headers=headers) as upstream_resp:
            payload = await upstream_resp.read()
            out_headers = {k: v for k, v in upstream_resp.headers.items() if k.lower() not in HOP_HEADERS}
            return web.Response(status=upstream_resp.status, body=payload, headers=out_headers)

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    app.router.add_get(COUNTS_PATH, counts)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


class ProxyClient:
    """The benchmark's handle on a proxy subprocess: start, read counters, stop."""

    def __init__(self, port: int, upstream: str) -> None:
        self.port = port
        self.upstream = upstream
        self.process: Optional[subprocess.Popen] = None
        self._session = requests.Session()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Optional[object] = None, timeout: float = 30.0) -> ProxyClient:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.proxy", "--port", str(self.port), "--upstream", self.upstream],
            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        self.process.name = "proxy"  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"counting proxy exited with code {self.process.returncode}")
            try:
                self.counts()
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise TimeoutError("counting proxy did not start")

    def counts(self) -> Dict[str, int]:
        resp = self._session.get(f"{self.url}{COUNTS_PATH}", timeout=5)
        resp.raise_for_status()
        data = resp.json()
        return {"__total__": int(data["calls"]), **{k: int(v) for k, v in data["by_action"].items()}}

    def total(self) -> int:
        return self.counts()["__total__"]

    def hop_overhead_ms(self, path: str = "/health", samples: int = 50) -> float:
        """Median extra milliseconds one request pays for going through the proxy (GET ``path``)."""
        def median_ms(base: str) -> float:
            times: List[float] = []
            for _ in range(samples):
                start = time.perf_counter()
                requests.get(f"{base}{path}", timeout=10).raise_for_status()  # fresh connection, as Rasa does
                times.append((time.perf_counter() - start) * 1000)
            return sorted(times)[len(times) // 2]
        return max(0.0, median_ms(self.url) - median_ms(self.upstream))

    def stop(self) -> None:
        self._session.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="base URL of the action server")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    web.run_app(create_app(args.upstream.rstrip("/")), host="127.0.0.1", port=args.port, print=None,
                access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
