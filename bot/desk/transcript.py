"""A conversation's transcript for staff, read from the tracker's stored events.

Rasa stores every resident message even while the conversation is paused, and staff replies
are ``BotUttered`` events marked ``metadata.staff``: the tracker is the one record of what
was said, so the desk never keeps a second copy. Personal numbers are masked here.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from bot.privacy import mask_pii

MAX_MESSAGES = 300


def _at(timestamp: Any) -> Optional[str]:
    try:
        return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError):
        return None


def _user_text(event: Dict[str, Any]) -> str:
    text = str(event.get("text") or "")
    if text.startswith("/"):  # a button the bot offered: show what it meant
        values: List[str] = []
        _, _, raw = text.partition("{")
        try:
            entities = json.loads("{" + raw) if raw else {}
            values = [str(v) for v in entities.values()] if isinstance(entities, dict) else []
        except ValueError:
            pass
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or text[1:].split("{")[0]
        return f"［点击按钮］{intent}{('：' + '、'.join(values)) if values else ''}"
    return text


def _bot_text(event: Dict[str, Any]) -> str:
    text = str(event.get("text") or "")
    data = event.get("data") or {}
    titles = [str(b.get("title")) for b in (data.get("buttons") or []) if isinstance(b, dict) and b.get("title")]
    return text + (f"\n［按钮］{' / '.join(titles)}" if titles else "")


def transcript(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """``[{"from": "resident"|"bot"|"staff", "text", "at", "staff"?}]``, masked, oldest first."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = _user_text(event)
            if text:
                messages.append({"from": "resident", "text": mask_pii(text), "at": _at(event.get("timestamp"))})
        elif kind == "bot":
            text = _bot_text(event)
            if not text:
                continue
            staff = (event.get("metadata") or {}).get("staff")
            message = {"from": "staff" if staff else "bot", "text": mask_pii(text), "at": _at(event.get("timestamp"))}
            if staff:
                message["staff"] = str(staff)
            messages.append(message)
    return messages[-MAX_MESSAGES:]


def latest_input_channel(events: List[Dict[str, Any]]) -> Optional[str]:
    for event in reversed(events):
        if event.get("event") == "user" and event.get("input_channel"):
            return str(event["input_channel"])
    return None


def is_paused(tracker: Dict[str, Any]) -> bool:
    return bool(tracker.get("paused"))
