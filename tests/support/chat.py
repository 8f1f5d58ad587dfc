"""Talking to the real Rasa server through the REST webhook."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import requests


class Chat:
    """One resident's conversation."""

    def __init__(self, rasa_url: str, sender: Optional[str] = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex[:10]}"

    def send(self, message: Any, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": self.sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        resp = requests.post(self.url, json=body, timeout=60)
        resp.raise_for_status()
        return resp.json()

    def say(self, message: Any) -> str:
        """The bot's reply texts joined, for assertions on content."""
        return "\n".join(m.get("text", "") for m in self.send(message))

    def click(self, payload: str) -> List[Dict[str, Any]]:
        return self.send(payload, metadata={"button": True})


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [b for r in replies for b in r.get("buttons", [])]
