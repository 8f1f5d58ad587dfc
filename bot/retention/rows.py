"""Rows as plain JSON-ready dicts, and what "erased" means for a record that must stay.

Work orders keep their row (the number is the day's next sequence: a deleted order's number would
be handed out again) and tickets and ratings keep theirs for the desk's and 好差评 statistics; what
ties them to a person (the sender) and what the person said or left (text, place, phone) is
cleared. Conversations, staff notes and WeChat's per-resident rows are deleted outright.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, Dict

from sqlalchemy import inspect

ERASED_SENDER = ""  # sender_id of an anonymised row (the column is NOT NULL)

# per table: the columns cleared when a row is anonymised (value written instead)
TICKET_ERASE: Dict[str, Any] = {"sender_id": ERASED_SENDER, "question": "", "answer": "", "callback_phone": None,
                                "callback_note": None}
WORK_ORDER_ERASE: Dict[str, Any] = {"sender_id": ERASED_SENDER, "what": "", "place": None, "when_text": None,
                                   "phone": None, "reply": None}
RATING_ERASE: Dict[str, Any] = {"sender_id": ERASED_SENDER}


def plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def as_dict(row: Any) -> Dict[str, Any]:
    """Every mapped column of an ORM row (new columns a feature adds are included as they come)."""
    return {attr.key: plain(getattr(row, attr.key)) for attr in inspect(row).mapper.column_attrs}


def sender_digest(sender_id: str) -> str:
    """What the audit log keeps of a request: enough to show it was served, not the id itself."""
    return "sha256:" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16]
