"""Registry names typed with a homophone: "居主证" for 居住证, "社报卡" for 社保卡, "身分证" for 身份证.

Residents type pinyin input, pick the first candidate and send; the typo table (data/lexicon/
corrections.tsv) lists the slips someone has seen, this finds the rest for every name and alias in
the registry, including items added tomorrow. A span of the question is read as a name when it
sounds the same (toneless pinyin, pypinyin) and is not itself a word: "居柱证" is read as 居住证.
Names of three characters or more only: two syllables sound like too much ("车证" is no typo of
扯证, and jieba does not know it as a word either), so 低包 is left to the typo table and to the
labelled questions' model. Pure and immutable once built; shared by threads.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, Tuple

from pypinyin import Style, lazy_pinyin

_HAN = re.compile(r"[\u4e00-\u9fff]")
MIN_LENGTH = 3  # see above


def _each(chars: str) -> Any:
    """Characters pypinyin cannot read (digits, Latin, punctuation) stay one per character."""
    return list(chars)


def _sounds(text: str) -> Tuple[str, ...]:
    """One toneless syllable per character (a character pypinyin cannot read keeps itself)."""
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors=_each)
    return tuple(syllables) if len(syllables) == len(text) else tuple(text)


class Homophones:
    """``correct(text)``: every span that sounds like a registry name and is no word of its own,
    replaced by the name."""

    def __init__(self, names: Iterable[str], is_word: Callable[[str], bool]) -> None:
        self._is_word = is_word
        self._by_sound: Dict[int, Dict[Tuple[str, ...], str]] = {}
        for name in sorted(set(names), key=len, reverse=True):
            if len(name) < MIN_LENGTH or not all(_HAN.match(ch) for ch in name):
                continue
            self._by_sound.setdefault(len(name), {}).setdefault(_sounds(name), name)
        self._lengths = sorted(self._by_sound, reverse=True)  # longest first: 居住证 before 居住

    def correct(self, text: str) -> str:
        if not self._lengths or not _HAN.search(text or ""):
            return text
        sounds = _sounds(text)
        out, i = [], 0
        while i < len(text):
            name = self._name_at(text, sounds, i)
            if name is None:
                out.append(text[i])
                i += 1
            else:
                out.append(name)
                i += len(name)
        return "".join(out)

    def _name_at(self, text: str, sounds: Tuple[str, ...], i: int) -> str | None:
        for length in self._lengths:
            span = text[i:i + length]
            if len(span) < length or not all(_HAN.match(ch) for ch in span):
                continue
            name = self._by_sound[length].get(sounds[i:i + length])
            if name is None:
                continue
            if name == span:
                return name  # said as written: nothing to correct, and no shorter name inside it
            if not self._is_word(span):
                return name
        return None


__all__ = ["Homophones"]
