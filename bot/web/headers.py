"""The security headers of every page the page server answers (chat page, desk, admin, errors)."""
from __future__ import annotations

from typing import Dict

SECURITY_HEADERS: Dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# the consoles: only this origin's own scripts and styles, nothing inline
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
PAGE_HEADERS: Dict[str, str] = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",  # the pages are only for logged-in staff: keep them out of caches
}
