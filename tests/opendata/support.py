"""Test support for open data: a CKAN-compatible portal with faults, and small invented data sets.

The portal is the shared real HTTP server (tests/support/fake_http.py) on 127.0.0.1: real HTTP,
real paging (``offset``/``limit``, ``total``, ``_links.next``), the CKAN envelope, and one switch
per fault the sync must survive.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from tests.support.fake_http import FakeHttpServer, Reply, Request

FAULTS = (
    "timeout",  # answers after the client gave up
    "http500",  # HTTP 500 with an HTML error page, every time
    "flaky500",  # HTTP 500 once, then fine
    "malformed",  # truncated JSON
    "not_json_envelope",  # JSON, but not {"success", "result"}
    "validation",  # success:false, Validation Error (HTTP 409)
    "same_next",  # _links.next always points back to the first page
    "endless",  # no total, every page full, next link forever
    "partial",  # total says more than the pages deliver
    "foreign_next",  # _links.next points at another host
)


@dataclass
class Resource:
    records: List[Dict[str, Any]]
    fields: Optional[List[str]] = None
    fault: Optional[str] = None
    cursor_links: bool = False  # next links carry a page token we must follow, not recompute
    hits: int = 0


class FakeCkan(FakeHttpServer):
    """A CKAN Action API on 127.0.0.1: datastore_search and package_show."""

    name = "fake-ckan"

    def __init__(self, delay: float = 1.0) -> None:
        super().__init__()
        self.resources: Dict[str, Resource] = {}
        self.packages: Dict[str, Dict[str, Any]] = {}
        self.delay = delay  # seconds the "timeout" fault waits

    # --- fixtures ------------------------------------------------------------------------------
    def add(self, resource_id: str, records: List[Dict[str, Any]], *, fault: Optional[str] = None,
            package: Optional[str] = None, modified: str = "2026-10-20T09:00:00", cursor_links: bool = False) -> None:
        with_ids = [{"_id": i, **r} for i, r in enumerate(records, start=1)]
        names = list(dict.fromkeys(k for r in with_ids for k in r))
        self.resources[resource_id] = Resource(with_ids, names, fault, cursor_links)
        if package:
            self.packages[package] = {
                "id": package, "name": package, "title": f"{package} (test)", "metadata_modified": modified,
                "resources": [{"id": resource_id, "last_modified": modified, "datastore_active": True}],
            }

    def set_fault(self, resource_id: str, fault: Optional[str]) -> None:
        assert fault is None or fault in FAULTS, fault
        self.resources[resource_id].fault = fault

    def datastore_calls(self, resource_id: Optional[str] = None) -> List[Dict[str, str]]:
        return [r.query for r in self.requests if r.path.endswith("/datastore_search")
                and (resource_id is None or r.query.get("resource_id") == resource_id)]

    # --- server --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        status, body, content_type = self.answer(request.path, request.query)
        if status == -1:  # timeout fault: answer, but only after the client gave up
            time.sleep(self.delay)
            return Reply(200, json.dumps({"success": True, "result": {"records": []}}))
        return Reply(status, body, content_type)

    # --- CKAN behaviour ------------------------------------------------------------------------
    def answer(self, path: str, query: Dict[str, str]) -> Tuple[int, str, str]:
        action = path.rsplit("/", 1)[-1]
        if not path.startswith("/api/3/action/"):
            return 404, "<html>not found</html>", "text/html"
        if action == "package_show":
            package = self.packages.get(query.get("id", ""))
            if package is None:
                return _error(404, {"__type": "Not Found Error", "message": "Not found"})
            return _ok(package)
        if action != "datastore_search":
            return _error(400, {"__type": "Bad Request", "message": f"Action name not known: {action}"})
        resource = self.resources.get(query.get("resource_id", ""))
        if resource is None:
            return _error(404, {"__type": "Not Found Error",
                                "message": f'Resource "{query.get("resource_id")}" was not found.'})
        resource.hits += 1
        fault = resource.fault
        if fault == "timeout":
            return -1, "", ""
        if fault == "http500" or (fault == "flaky500" and resource.hits == 1):
            return 500, "<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html"
        if fault == "malformed":
            return 200, '{"help": "x", "success": true, "result": {"records": [{"_id": 1, ', "application/json"
        if fault == "not_json_envelope":
            return 200, json.dumps({"records": resource.records}), "application/json"
        if fault == "validation":
            return _error(409, {"__type": "Validation Error", "limit": ["Invalid integer"]})
        try:
            offset = int(query.get("offset", 0))
            limit = int(query.get("limit", 100))
        except ValueError:
            return _error(409, {"__type": "Validation Error", "offset": ["Invalid integer"]})
        rid = query["resource_id"]
        records = resource.records
        total: Optional[int] = len(records)
        if fault == "endless":
            page = [{"_id": offset + i + 1, **{k: v for k, v in records[0].items() if k != "_id"}}
                    for i in range(limit)]
            total = None
        elif fault == "partial":
            page = records[offset:offset + limit] if offset < len(records) // 2 else []
            total = len(records)
        else:
            page = records[offset:offset + limit]
        next_query = {"resource_id": rid, "limit": limit, "offset": offset + limit}
        if resource.cursor_links:
            next_query["page_token"] = f"p{offset + limit}"
        next_link = f"/api/3/action/datastore_search?{urlencode(next_query)}"
        if fault == "same_next":
            next_link = f"/api/3/action/datastore_search?{urlencode({'resource_id': rid, 'limit': limit, 'offset': 0})}"
            total = len(records) + 100
        if fault == "foreign_next":
            next_link = f"http://elsewhere.example/api/3/action/datastore_search?{urlencode(next_query)}"
            total = len(records) + 100
        result: Dict[str, Any] = {
            "resource_id": rid,
            "fields": [{"id": name, "type": "text"} for name in resource.fields or []],
            "records": page,
            "limit": limit,
            "offset": offset,
            "_links": {"start": f"/api/3/action/datastore_search?resource_id={rid}", "next": next_link},
        }
        if total is not None:
            result["total"] = total
        return _ok(result)


def _ok(result: Any) -> Tuple[int, str, str]:
    return 200, json.dumps({"help": "http://127.0.0.1/api/3/action/help_show", "success": True, "result": result},
                           ensure_ascii=False), "application/json;charset=utf-8"


def _error(status: int, error: Dict[str, Any]) -> Tuple[int, str, str]:
    return status, json.dumps({"help": "x", "success": False, "error": error}, ensure_ascii=False), "application/json"


def clinic_records(count: int = 7) -> List[Dict[str, Any]]:
    """Small invented records with portal (Chinese) field names."""
    districts = ["东湖区", "西山区", "南港区"]
    return [{"机构名称": f"测试诊所{i}", "机构等级": "三级甲等" if i % 3 == 0 else "二级甲等",
             "所属区": districts[i % 3], "地址": f"江州市测试路{i}号", "联系电话": f"0000-8000{i:04d}",
             "纬度": 30.2 + i / 100, "经度": 120.1 + i / 100}
            for i in range(1, count + 1)]


def write_portal(path: Path, base_url: str, datasets: Dict[str, Dict[str, Any]], **portal: Any) -> Path:
    """A portal.yml for the tests (JSON is valid YAML)."""
    settings = {"title": "测试开放平台", "type": "ckan", "base_url": base_url, "sample": True, "timeout": 0.3,
                "retries": 1, "backoff": 0, "page_size": 3, "max_pages": 6, **portal}
    path.write_text(json.dumps({"portals": {"test": settings}, "datasets": datasets}, ensure_ascii=False),
                    encoding="utf-8")
    return path


CLINIC_FIELDS = {"name": "机构名称", "level": "机构等级", "district": "所属区", "address": "地址", "phone": "联系电话",
                 "latitude": "纬度", "longitude": "经度"}


def clinic_dataset(resource_id: str, package: str = "") -> Dict[str, Any]:
    return {"title": f"测试数据集 {resource_id}", "resource_id": resource_id, "package": package, "key": "name",
            "fields": CLINIC_FIELDS, "types": {"latitude": "float", "longitude": "float"},
            "required": ["name", "district", "address", "phone"]}
