"""Vocabulary generated from the registry: jieba user dictionary and entity synonyms.

The registry is the one source of truth for service names; these files are rebuilt from it
by ``python -m bot nlu vocab`` and written only when their content changes, so the Makefile
retrains the model only when the vocabulary really changed.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from bot.registry.models import ServiceItem

logger = logging.getLogger(__name__)

# Aliases like "居住证怎么办" are fine for matching but would hide the question word from the
# intent classifier if jieba kept them as one token.
QUESTION_WORDS = re.compile(r"怎么|咋|如何|什么|啥|吗|哪|多少|几")
HEADER = "# 由 python -m bot nlu vocab 根据服务事项库生成，请勿手改\n"
JIEBA_FILE = "registry.generated.txt"
SYNONYM_FILE = "registry_synonyms.yml"


def jieba_lines(items: List[ServiceItem], extra: Iterable[str] = ()) -> List[str]:
    """One dictionary line per term; high frequency so jieba keeps service names whole. ``extra``:
    more registry terms kept whole (the names and aliases of life events, "媳妇生了")."""
    terms = {_clean(term) for term in extra}
    for item in items:
        terms.add(_clean(item.name))
        terms.update(_clean(alias) for alias in item.aliases or [])
        for situation in item.situations:
            terms.add(_clean(situation.name))
            terms.update(_clean(k) for k in situation.keywords or [])
    return [f"{term} 2000 n"
            for term in sorted(t for t in terms if t and " " not in t and not QUESTION_WORDS.search(t))]


def synonyms(items: List[ServiceItem]) -> Dict[str, List[str]]:
    """Canonical item name → the aliases residents use for it."""
    return {item.name: sorted({a for a in item.aliases or [] if a != item.name}) for item in items if item.aliases}


def _clean(term: str) -> str:
    return term.strip().replace("\t", " ")


def write_if_changed(path: Path, content: str) -> bool:
    """True when the file was (re)written."""
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return True


def generate(items: List[ServiceItem], jieba_dir: Path, nlu_dir: Path, extra: Iterable[str] = ()) -> Tuple[bool, bool]:
    """Write both generated files; returns which of them changed."""
    jieba_text = HEADER + "\n".join(jieba_lines(items, extra)) + "\n"
    blocks = []
    for name, aliases in sorted(synonyms(items).items()):
        if aliases:
            lines = "".join(f"      - {alias}\n" for alias in aliases)
            blocks.append(f"  - synonym: {json.dumps(name, ensure_ascii=False)}\n    examples: |\n{lines}")
    nlu_text = HEADER + 'version: "3.1"\nnlu:\n' + "".join(blocks)
    changed = (write_if_changed(jieba_dir / JIEBA_FILE, jieba_text),
               write_if_changed(nlu_dir / SYNONYM_FILE, nlu_text))
    logger.info("vocabulary: %d items, jieba changed=%s, synonyms changed=%s", len(items), *changed)
    return changed
