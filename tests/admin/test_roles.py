"""Every admin page and API (not their static scripts and styles) of the running page server
refuses a staff account (403) and a visitor without a session (401 for APIs, a redirect to the login page for pages).

The routes are read from the page server's own router, so a route added later is covered too.
"""
from __future__ import annotations

import re
from typing import Any, List, Tuple

import requests

from bot.web.server import create_app
from tests.support.desk import DeskClient, new_staff


def _concrete(formatter: str, pattern: Any) -> str:
    """The route's path with its parameters filled so that the route matches: "1", or a word when
    the parameter's own pattern wants letters ({table:[a-z_]+})."""
    for value in ("1", "daily", "a"):
        path = re.sub(r"\{[^}]+\}", value, formatter)
        if pattern is None or pattern.fullmatch(path):
            return path
    raise AssertionError(f"no sample value fits {formatter}")


def _admin_routes() -> List[Tuple[str, str]]:
    app = create_app("http://127.0.0.1:1")
    routes = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix") or ""
        if "/static/" in path:  # scripts and styles of the pages: no data in them
            continue
        if route.method in ("GET", "POST", "PUT", "DELETE", "PATCH") and path.startswith("/admin"):
            routes.add((route.method, _concrete(path, info.get("pattern"))))
    return sorted(routes)


def test_staff_get_403_and_visitors_401_on_every_admin_route(rasa_stack: Any) -> None:
    routes = _admin_routes()
    assert len(routes) >= 20, routes  # users, registry, spreadsheets, audit, FAQ
    staff = DeskClient(rasa_stack.web_url, new_staff())
    for method, path in routes:
        url = rasa_stack.web_url + path
        as_staff = staff.http.request(method, url, headers={"X-CSRF-Token": staff.csrf}, json={}, timeout=15,
                                      allow_redirects=False)
        if path in ("/admin", "/admin/"):  # the console's front door only redirects (to a guarded page)
            assert as_staff.status_code in (302, 403), (method, path)
            continue
        assert as_staff.status_code == 403, (method, path, as_staff.status_code)
        anonymous = requests.request(method, url, json={}, timeout=15, allow_redirects=False)
        expected = (401,) if "/api/" in path else (302, 401)
        assert anonymous.status_code in expected, (method, path, anonymous.status_code)
