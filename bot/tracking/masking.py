"""Masks 身份证号, 手机号 and bank card numbers in a serialised Rasa event (``Event.as_dict()``).

Every string in the event is masked — user and bot text, parse data (text, entities, the resolver's
verdict), slot values, metadata — except the few keys that name things rather than carry what a
person said (event type, ids, channel, policy), so an id that happens to be a long digit run is
kept intact. Kept free of Rasa imports: the privacy CLI and the tests use it too.
"""
from __future__ import annotations

from typing import Any, Dict

from bot.privacy import mask_pii

# keys whose string values are identifiers chosen by software, never a resident's words
IDENTIFIER_KEYS = frozenset({"event", "timestamp", "message_id", "input_channel", "policy", "model_id",
                             "assistant_id"})


def mask_value(value: Any) -> Any:
    """``value`` with every string masked, at any depth of dicts and lists."""
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {key: (item if key in IDENTIFIER_KEYS and not isinstance(item, (dict, list)) else mask_value(item))
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(item) for item in value]
    return value


def mask_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """A masked copy of one serialised event; the original is left untouched."""
    masked = mask_value(data)
    assert isinstance(masked, dict)
    return masked
