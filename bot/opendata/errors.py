"""Errors of portal access and of payload validation; each says plainly what went wrong."""
from __future__ import annotations

from typing import List, Optional, Sequence


class PortalError(Exception):
    """Anything that stops a dataset from being fetched or accepted."""

    kind = "error"
    label = "错误"

    def __init__(self, message: str, *, url: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def describe(self) -> str:
        return f"{self.label}（{self.kind}）：{self.message}"


class PortalTimeout(PortalError):
    kind = "timeout"
    label = "门户响应超时"


class PortalConnectionError(PortalError):
    kind = "network"
    label = "无法连接门户"


class PortalHTTPError(PortalError):
    kind = "http"
    label = "门户返回 HTTP 错误"

    def __init__(self, status: int, message: str, *, url: Optional[str] = None) -> None:
        super().__init__(f"HTTP {status} {message}".strip(), url=url)
        self.status = status


class PortalMalformed(PortalError):
    kind = "malformed"
    label = "门户返回的内容无法解析"


class PortalAPIError(PortalError):
    """A CKAN ``success: false`` envelope, e.g. ``Not Found Error`` or ``Validation Error``."""

    kind = "api"
    label = "门户接口报错"

    def __init__(
        self, error_type: str, message: str, *, status: Optional[int] = None, url: Optional[str] = None
    ) -> None:
        super().__init__(f"{error_type}: {message}", url=url)
        self.error_type = error_type
        self.status = status


class PagingLoop(PortalError):
    kind = "paging"
    label = "分页异常"


class InvalidPayload(PortalError):
    """The data arrived but cannot replace the cache (missing fields, empty, partial, ...)."""

    kind = "invalid"
    label = "数据校验未通过"

    def __init__(self, problems: Sequence[str], *, url: Optional[str] = None) -> None:
        self.problems: List[str] = list(problems)
        shown = "；".join(self.problems[:5])
        more = f"；另有 {len(self.problems) - 5} 处问题" if len(self.problems) > 5 else ""
        super().__init__(shown + more, url=url)


class ConfigError(PortalError):
    kind = "config"
    label = "门户配置错误"
