"""District names in resident text: the one function every feature uses to find them.

Pure functions over the list of known districts (the registry's, or a dataset's), so registry
answers, opening hours and open-data answers agree on what "东湖那边" means.
"""
from __future__ import annotations

from typing import Optional, Sequence


def normalize_district(raw: Optional[str], known: Sequence[str]) -> Optional[str]:
    """"东湖" / "东湖区" / "东湖那边" -> "东湖区" when it is one of ``known``."""
    if not raw:
        return None
    raw = raw.strip()
    if raw in known:
        return raw
    for name in sorted(known, key=len, reverse=True):  # "东湖" is 东湖区, never 东区
        stem = _stem(name)
        if len(stem) >= 2 and (raw == stem or raw.startswith(stem)):
            return name
    return None


def find_district(text: Optional[str], known: Sequence[str]) -> Optional[str]:
    """A district named anywhere in the text (full name or its stem, e.g. "东湖")."""
    if not text:
        return None
    for name in sorted(known, key=len, reverse=True):
        stem = _stem(name)
        if name in text or (len(stem) >= 2 and stem in text):
            return name
    return None


def _stem(name: str) -> str:
    """"东湖区" → "东湖", "建德市" → "建德": the form residents say."""
    return name[:-1] if name.endswith(("区", "县", "市")) and len(name) > 2 else name
