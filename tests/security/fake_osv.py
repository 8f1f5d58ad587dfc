"""A local stand-in for OSV's query API (``POST /v1/query``), the one outside service ``make audit`` uses."""
from __future__ import annotations

import json
from typing import Dict, List, Optional

from tests.support.fake_http import FakeHttpServer, Reply, Request


def advisory(vuln_id: str, aliases: List[str], package: str, fixed: str) -> Dict[str, object]:
    """An OSV record as api.osv.dev returns it (schema 1.x), affecting ``package`` before ``fixed``."""
    return {"schema_version": "1.6.0", "id": vuln_id, "aliases": aliases, "summary": f"{vuln_id} in {package}",
            "published": "2026-01-02T03:04:05Z",
            "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]}


class FakeOsv(FakeHttpServer):
    """Answers each package's query with the advisories given for it; ``fail_after`` queries, it answers 503."""

    name = "fake-osv"

    def __init__(self, advisories: Optional[Dict[str, List[Dict[str, object]]]] = None,
                 fail_after: Optional[int] = None) -> None:
        super().__init__()
        self.advisories = advisories or {}
        self.fail_after = fail_after

    @property
    def query_url(self) -> str:
        return f"{self.url}/v1/query"

    def queried(self) -> List[str]:
        """The package names asked about, in order (the reachability probe included)."""
        return [r.json()["package"]["name"] for r in self.requests if r.path == "/v1/query"]

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != "/v1/query":
            return Reply(404, "{}")
        if self.fail_after is not None and len(self.requests) > self.fail_after:
            return Reply(503, "Service Unavailable", "text/plain")
        vulns = self.advisories.get(request.json()["package"]["name"], [])
        return Reply(200, json.dumps({"vulns": vulns} if vulns else {}))
