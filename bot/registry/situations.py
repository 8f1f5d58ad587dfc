"""Which 情形 of an item the resident's words describe ("我在这边上班" → 合法稳定就业).

Only the item that the conversation is about is searched, so this runs where the item is known
(the answering action); codes are for buttons, never matched against words.
"""
from __future__ import annotations

from typing import Optional, Tuple

from rapidfuzz import fuzz, process

from bot.registry.views import ItemView, SituationView


def match_situation(item: ItemView, text: str) -> Optional[SituationView]:
    """The situation whose name or keywords the text mentions (longest mention wins)."""
    text = text or ""
    best: Optional[Tuple[int, SituationView]] = None
    for situation in item.situations:
        for term in [situation.name, *(situation.keywords or [])]:
            if term and term in text and (best is None or len(term) > best[0]):
                best = (len(term), situation)
    if best:
        return best[1]
    names = {s.name: s for s in item.situations}
    found = (process.extractOne(text, list(names), scorer=fuzz.partial_ratio, score_cutoff=80)
             if names and text else None)
    return names[found[0]] if found else None
