"""The desk as tests drive it: staff accounts, a logged-in JSON client, and the desk timetable.

One helper for the job: every desk test (API, WeChat, browser) logs in and calls the API through
:class:`DeskClient`, and changes the desk hours of the running stack through :func:`write_hours`.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests
import yaml

ALWAYS_OPEN: Dict[str, Any] = {**{day: ["00:00-24:00"] for day in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
    "holiday": ["00:00-24:00"], "makeup": ["00:00-24:00"], "average_handling_minutes": 3}
NEVER_OPEN: Dict[str, Any] = {**{day: [] for day in ALWAYS_OPEN if day != "average_handling_minutes"},
                              "average_handling_minutes": 3}


def write_hours(path: Path, hours: Dict[str, Any]) -> None:
    """Replace the timetable file; the stack reads it again when its modification time changes."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(yaml.safe_dump(hours, allow_unicode=True), encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # same clock tick: make the change visible
        bumped = before + 1_000_000
        import os

        os.utime(path, ns=(bumped, bumped))


def new_staff(role: str = "staff", display_name: Optional[str] = None) -> Dict[str, str]:
    """A fresh account in the stack's database: ``{"username", "password", "display_name"}``."""
    from bot.accounts.service import add_user

    username = f"{role}{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    name = display_name or f"测试{role}"
    add_user(username, role, password, display_name=name)
    return {"username": username, "password": password, "display_name": name}


class DeskClient:
    """A staff member's session against the page server's desk API."""

    def __init__(self, web_url: str, account: Dict[str, str]) -> None:
        self.base = web_url.rstrip("/")
        self.account = account
        self.http = requests.Session()
        self.csrf = ""
        response = self.http.post(f"{self.base}/desk/api/login", json={
            "username": account["username"], "password": account["password"]}, timeout=15)
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]

    @property
    def username(self) -> str:
        return self.account["username"]

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=30)

    def post(self, path: str, body: Optional[Dict[str, Any]] = None, csrf: Optional[str] = None) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf if csrf is None else csrf}
        return self.http.post(self.base + path, json=body if body is not None else {}, headers=headers, timeout=30)

    def tickets(self, status: str) -> List[Dict[str, Any]]:
        response = self.get("/desk/api/tickets", status=status)
        assert response.status_code == 200, response.text
        return list(response.json())

    def ticket(self, ticket_id: int) -> Dict[str, Any]:
        response = self.get(f"/desk/api/tickets/{ticket_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def ticket_of(self, sender_id: str, status: str = "waiting", timeout: float = 10) -> Dict[str, Any]:
        """The ticket of ``sender_id`` once it appears in the list with ``status``."""
        return wait_for(lambda: next((t for t in self.tickets(status) if t["sender_id"] == sender_id), None),
                        timeout, f"no {status} ticket for {sender_id}")

    def messages_of(self, ticket_id: int) -> List[Dict[str, Any]]:
        return list(self.ticket(ticket_id)["messages"])


def wait_for(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {what}")
        time.sleep(interval)
