"""Quick answers for staff: registry items matching a few words, with the full guide text.

The text is the assistant's own guide answer (bot/registry/guide.py), so staff and bot say the
same thing, with the item's source and date.
"""
from __future__ import annotations

from typing import Dict, List

from bot.registry import guide
from bot.registry.live import live_registry
from bot.registry.views import ItemView, materials_for, where_to_go

MAX_RESULTS = 8


def _text(item: ItemView) -> str:
    return guide.answer("guide", item, None, materials_for(item, None), where_to_go(item, None))


def search(query: str) -> List[Dict[str, str]]:
    """Items whose name or alias contains the words first, then the resolver's candidates."""
    query = " ".join((query or "").split())[:100]
    if not query:
        return []
    registry = live_registry()
    snapshot = registry.snapshot()
    items = snapshot.items
    named = [r.name for r in snapshot.records if any(query in name for name in r.names)]
    found: List[ItemView] = [items[name] for name in named if name in items]
    if len(found) < MAX_RESULTS:
        for candidate in registry.resolver().resolve(query).candidates:
            item = items.get(candidate.name)
            if item is not None and item not in found:
                found.append(item)
    return [{"name": item.name, "agency": item.agency, "text": _text(item)} for item in found[:MAX_RESULTS]]
