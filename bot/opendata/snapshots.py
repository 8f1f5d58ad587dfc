"""A ``requests`` transport answering CKAN Action API calls from snapshot files.

Mounted for ``file://`` URLs by :class:`bot.opendata.ckan.CkanClient`, so a portal whose
``base_url`` is a folder (``file:snapshots`` in portal.yml) is read through the very same
client code as a live portal, paging included.

The folder holds, per dataset:

- ``<name>.json``: a CKAN ``datastore_search`` response with *all* records; this transport
  slices it by ``offset``/``limit`` and adds ``total`` and ``_links`` as CKAN does;
- ``<name>.package.json`` (optional): a ``package_show`` response for the dataset's package.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from urllib.request import url2pathname

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

logger = logging.getLogger(__name__)

ACTION_PATH = "/api/3/action/"
HELP = "CKAN Action API (snapshot of sample data for the fictional city 江州市)"


class SnapshotTransport(BaseAdapter):
    """Serves GET ``file:///<folder>/api/3/action/<name>?...`` from ``<folder>``."""

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        parts = urlsplit(request.url or "")
        path = unquote(parts.path)
        if request.method not in ("GET", "HEAD") or ACTION_PATH not in path:
            return _response(request, 404,
                             {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}})
        root, action = path.split(ACTION_PATH, 1)
        folder = Path(url2pathname(root))
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        handler = _HANDLERS.get(action)
        if handler is None:
            return _response(request, 400, {"success": False, "error": {
                "__type": "Bad Request", "message": f"Action name not known: {action}"}})
        try:
            status, result = handler(folder, params)
        except _Error as exc:
            return _response(request, exc.status, {"help": HELP, "success": False, "error": exc.error})
        return _response(request, status, {"help": HELP, "success": True, "result": result})

    def close(self) -> None:
        pass


class _Error(Exception):
    def __init__(self, status: int, error: Dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def _not_found(message: str) -> _Error:
    return _Error(404, {"__type": "Not Found Error", "message": message})


def _validation(field: str, message: str) -> _Error:
    return _Error(409, {"__type": "Validation Error", field: [message]})


def _int_param(params: Dict[str, str], name: str, default: int, low: int = 0) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _validation(name, "Invalid integer") from None
    if value < low:
        raise _validation(name, "Must be a natural number")
    return value


def _load(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _datastore_files(folder: Path) -> Dict[str, Path]:
    index: Dict[str, Path] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".package.json"):
            continue
        try:
            result = _load(path).get("result") or {}
        except (OSError, ValueError, AttributeError):
            logger.warning("snapshot %s is not a datastore_search response", path)
            continue
        if isinstance(result, dict) and result.get("resource_id"):
            index[str(result["resource_id"])] = path
    return index


def _packages(folder: Path) -> List[Dict[str, Any]]:
    packages = []
    for path in sorted(folder.glob("*.package.json")):
        try:
            result = _load(path).get("result")
        except (OSError, ValueError, AttributeError):
            logger.warning("snapshot %s is not a package_show response", path)
            continue
        if isinstance(result, dict):
            packages.append(result)
    return packages


def _datastore_search(folder: Path, params: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
    resource_id = params.get("resource_id")
    if not resource_id:
        raise _validation("resource_id", "Missing value")
    path = _datastore_files(folder).get(resource_id)
    if path is None:
        raise _not_found(f'Resource "{resource_id}" was not found.')
    offset = _int_param(params, "offset", 0)
    limit = _int_param(params, "limit", 100, low=1)
    full = _load(path)["result"]
    records = full.get("records") or []
    result = {k: v for k, v in full.items() if k not in ("records", "_links", "total", "offset", "limit")}
    result.update(records=records[offset:offset + limit], total=len(records), limit=limit, offset=offset)
    base = {"resource_id": resource_id, "limit": limit}
    result["_links"] = {
        "start": f"{ACTION_PATH}datastore_search?{urlencode(base)}",
        "next": f"{ACTION_PATH}datastore_search?{urlencode({**base, 'offset': offset + limit})}",
    }
    return 200, result


def _find_package(folder: Path, ident: Optional[str]) -> Dict[str, Any]:
    if not ident:
        raise _validation("id", "Missing value")
    for package in _packages(folder):
        if ident in (package.get("id"), package.get("name")):
            return package
    raise _not_found("Dataset not found")


def _package_show(folder: Path, params: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
    return 200, _find_package(folder, params.get("id"))


def _package_search(folder: Path, params: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
    q = params.get("q", "*:*")
    rows = _int_param(params, "rows", 10)
    start = _int_param(params, "start", 0)
    packages = _packages(folder)
    if q not in ("", "*:*"):
        packages = [p for p in packages if q in json.dumps(p, ensure_ascii=False)]
    return 200, {"count": len(packages), "results": packages[start:start + rows], "sort": "score desc"}


def _resource_show(folder: Path, params: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
    ident = params.get("id")
    if not ident:
        raise _validation("id", "Missing value")
    for package in _packages(folder):
        for resource in package.get("resources") or []:
            if resource.get("id") == ident:
                return 200, resource
    raise _not_found("Resource was not found.")


_HANDLERS = {
    "datastore_search": _datastore_search,
    "package_show": _package_show,
    "package_search": _package_search,
    "resource_show": _resource_show,
}


def _response(request: requests.PreparedRequest, status: int, body: Dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}.get(status, "")
    response._content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json;charset=utf-8"})
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    return response


def format_response(body: Dict[str, Any]) -> str:
    """Readable, diff-friendly JSON for snapshot files: one record / field / resource per line."""
    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def block(obj: Dict[str, Any], indent: str) -> str:
        lines = []
        for key, value in obj.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                items = f",\n{indent}  ".join(one(v) for v in value)
                lines.append(f"{indent}{one(key)}: [\n{indent}  {items}\n{indent}]")
            elif isinstance(value, dict) and key in ("result",):
                lines.append(f"{indent}{one(key)}: {{\n{block(value, indent + '  ')}\n{indent}}}")
            else:
                lines.append(f"{indent}{one(key)}: {one(value)}")
        return ",\n".join(lines)

    text = "{\n" + block(body, " ") + "\n}\n"
    assert json.loads(text) == body
    return text
