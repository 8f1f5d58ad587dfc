"""Reading what the resident said from Rasa's tracker data (plain dicts, no rasa_sdk needed)."""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Tuple

from bot.opendata.facilities import coordinates, valid_point


def entity_values(latest_message: Mapping[str, Any], name: str) -> List[Tuple[str, str]]:
    """(value, text as typed) of each entity ``name`` in the latest message, in order."""
    text = latest_message.get("text") or ""
    result = []
    for entity in latest_message.get("entities") or []:
        if not isinstance(entity, Mapping) or entity.get("entity") != name or entity.get("value") in (None, ""):
            continue
        start, end = entity.get("start"), entity.get("end")
        raw = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        result.append((str(entity["value"]), raw or str(entity["value"])))
    return result


def message_location(
    latest_message: Mapping[str, Any], events: Sequence[Mapping[str, Any]]
) -> Optional[Tuple[float, float]]:
    """Coordinates sent with the latest user message (WeChat location message metadata)."""
    metadata = latest_message.get("metadata")
    if not isinstance(metadata, Mapping):  # older trackers keep it only on the event
        metadata = next((e.get("metadata") for e in reversed(events or []) if e.get("event") == "user"), None)
    if isinstance(metadata, Mapping):
        return coordinates(metadata.get("location"))
    return None


def user_location(latest_message: Mapping[str, Any], events: Sequence[Mapping[str, Any]],
                  slots: Mapping[str, Any]) -> Tuple[Optional[Tuple[float, float]], bool]:
    """(point, came with this message): the message's location, else the latitude/longitude slots."""
    point = message_location(latest_message, events)
    if point is not None:
        return point, True
    return valid_point(slots.get("latitude"), slots.get("longitude")), False

