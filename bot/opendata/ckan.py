"""A small CKAN Action API client (``/api/3/action/<name>``) on ``requests``.

- every call has a timeout; timeouts, connection errors, HTTP 5xx and 429 are retried a bounded
  number of times with exponential back-off; other failures are raised at once;
- the ``{"help", "success", "result"}`` envelope is checked; ``success: false`` becomes a
  :class:`PortalAPIError` carrying ``error.__type`` (``Not Found Error``, ``Validation Error``, ...);
- ``datastore_search`` is paged with ``offset``/``limit`` against ``total``, following
  ``_links.next`` when the portal gives it, with a hard page cap and a repeated-link check so a
  portal that pages forever cannot hang the sync.

``file://`` base URLs are answered by :class:`bot.opendata.snapshots.SnapshotTransport` so the
bundled sample snapshots go through exactly this code.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from bot.opendata.errors import (
    PagingLoop,
    PortalAPIError,
    PortalConnectionError,
    PortalError,
    PortalHTTPError,
    PortalMalformed,
    PortalTimeout,
)

logger = logging.getLogger(__name__)

RETRY_STATUS = {429, 500, 502, 503, 504}
ProgressCallback = Callable[[int, Optional[int]], None]


@dataclass
class DatastoreResult:
    records: List[Dict[str, Any]]
    fields: Optional[List[str]]  # field ids the resource declares (None when not given)
    total: Optional[int]
    pages: int


class CkanClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 1.0,
        user_agent: str = "JiangzhouGovAssistant/1.0",
        api_key: str = "",
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.session = session or requests.Session()
        from bot.opendata.snapshots import SnapshotTransport

        self.session.mount("file://", SnapshotTransport())
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        if api_key:
            self.session.headers["Authorization"] = api_key

    def close(self) -> None:
        self.session.close()

    # --- actions -------------------------------------------------------------------------------
    def action_url(self, name: str) -> str:
        return f"{self.base_url}/api/3/action/{name}"

    def action(self, name: str, **params: Any) -> Any:
        return self._get(self.action_url(name), params)

    def package_show(self, package_id: str) -> Dict[str, Any]:
        result = self.action("package_show", id=package_id)
        if not isinstance(result, dict):
            raise PortalMalformed(f"package_show {package_id} 的 result 不是对象")
        return result

    def package_search(self, q: str = "*:*", rows: int = 100, start: int = 0) -> Dict[str, Any]:
        result = self.action("package_search", q=q, rows=rows, start=start)
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise PortalMalformed("package_search 的 result 缺少 results 列表")
        return result

    def datastore_search_all(
        self,
        resource_id: str,
        *,
        page_size: int = 100,
        max_pages: int = 200,
        on_page: Optional[ProgressCallback] = None,
    ) -> DatastoreResult:
        """Every record of a DataStore resource, page by page."""
        url = self.action_url("datastore_search")
        params: Optional[Dict[str, Any]] = {"resource_id": resource_id, "offset": 0, "limit": page_size}
        records: List[Dict[str, Any]] = []
        fields: Optional[List[str]] = None
        total: Optional[int] = None
        seen: set = set()
        pages = 0
        while True:
            if pages >= max_pages:
                raise PagingLoop(f"已取 {pages} 页（上限 {max_pages}）仍未取完，疑似分页死循环", url=url)
            key = _page_key(url, params)
            if key in seen:
                raise PagingLoop(f"分页链接重复出现（{_short(url, params)}），门户分页死循环", url=url)
            seen.add(key)
            result = self._get(url, params)
            pages += 1
            if not isinstance(result, dict) or not isinstance(result.get("records"), list):
                raise PortalMalformed("datastore_search 的 result 缺少 records 列表", url=url)
            batch = result["records"]
            if fields is None and isinstance(result.get("fields"), list):
                fields = [f["id"] for f in result["fields"] if isinstance(f, dict) and f.get("id") is not None]
            page_total = result.get("total")
            if isinstance(page_total, int) and not isinstance(page_total, bool):
                total = page_total
            records.extend(batch)
            if on_page:
                on_page(len(records), total)
            if not batch or (total is not None and len(records) >= total):
                break
            links = result.get("_links")
            next_link = links.get("next") if isinstance(links, dict) else None
            if isinstance(next_link, str) and next_link:
                url, params = self._resolve(next_link), None
            else:
                url = self.action_url("datastore_search")
                params = {"resource_id": resource_id, "offset": len(records), "limit": page_size}
        logger.info("datastore_search %s: %d records in %d pages", resource_id, len(records), pages)
        return DatastoreResult(records=records, fields=fields, total=total, pages=pages)

    # --- HTTP ----------------------------------------------------------------------------------
    def _resolve(self, link: str) -> str:
        """``_links.next`` is a path on the portal (CKAN gives ``/api/3/action/...``)."""
        if link.startswith("/api/"):
            return self.base_url + link
        absolute = urljoin(self.base_url + "/", link)
        base, target = urlsplit(self.base_url), urlsplit(absolute)
        if (base.scheme, base.netloc) != (target.scheme, target.netloc):
            raise PortalMalformed(f"分页链接指向其他站点：{link}")
        return absolute

    def _get(self, url: str, params: Optional[Dict[str, Any]]) -> Any:
        attempts = self.retries + 1
        # the query string is built here, not by requests, which ignores params on file:// URLs
        full = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}" if params else url
        for attempt in range(1, attempts + 1):
            try:
                response = self.session.get(full, timeout=self.timeout)
            except requests.Timeout:
                error: PortalError = PortalTimeout(f"{self.timeout:g} 秒内无响应（{_short(url, params)}）", url=url)
            except requests.ConnectionError as exc:
                error = PortalConnectionError(f"{_short(url, params)}: {type(exc).__name__}", url=url)
            except requests.RequestException as exc:
                raise PortalConnectionError(f"{_short(url, params)}: {exc}", url=url) from exc
            else:
                if response.status_code in RETRY_STATUS:
                    error = PortalHTTPError(response.status_code, response.reason or "", url=url)
                else:
                    return _unwrap(response, url)
            if attempt < attempts:
                delay = self.backoff * (2 ** (attempt - 1))
                logger.warning("portal call failed (%s), retry %d/%d in %.1fs",
                               error.message, attempt, self.retries, delay)
                self.sleep(delay)
        if self.retries:
            error.message += f"（已重试 {self.retries} 次）"
        raise error


def _unwrap(response: requests.Response, url: str) -> Any:
    """The ``result`` of a CKAN envelope, or the matching error."""
    try:
        body = response.json()
    except ValueError:
        if response.status_code >= 400:
            raise PortalHTTPError(response.status_code, response.reason or "", url=url) from None
        raise PortalMalformed(f"响应不是合法的 JSON（{_short(url, None)}）", url=url) from None
    if not isinstance(body, dict) or "success" not in body:
        if response.status_code >= 400:
            raise PortalHTTPError(response.status_code, response.reason or "", url=url)
        raise PortalMalformed("响应不是 CKAN 的 {success, result} 结构", url=url)
    if body.get("success") is not True:
        raw_error = body.get("error")
        error = raw_error if isinstance(raw_error, dict) else {}
        error_type = str(error.get("__type") or "Unknown Error")
        message = error.get("message")
        if not message:  # Validation Error: {"field": ["message", ...], "__type": ...}
            message = "; ".join(f"{k}: {v}" for k, v in error.items() if k != "__type") or "未给出原因"
        raise PortalAPIError(error_type, str(message), status=response.status_code, url=url)
    if response.status_code >= 400:
        raise PortalHTTPError(response.status_code, response.reason or "", url=url)
    return body.get("result")


def _page_key(url: str, params: Optional[Dict[str, Any]]) -> tuple:
    """The same page however it is spelled (query in the link or as params, any order)."""
    parts = urlsplit(url)
    query = sorted([*parse_qsl(parts.query), *((str(k), str(v)) for k, v in (params or {}).items())])
    return parts.scheme, parts.netloc, parts.path, tuple(query)


def _short(url: str, params: Optional[Dict[str, Any]]) -> str:
    parts = urlsplit(url)
    action = parts.path.rsplit("/", 1)[-1]
    query = "&".join(f"{k}={v}" for k, v in (params or {}).items()) or parts.query
    return f"{action}?{query}" if query else action
