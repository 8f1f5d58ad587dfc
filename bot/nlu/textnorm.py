"""Normalisation of resident text before Rasa sees it.

Residents type full-width letters, traditional characters, emoji, pinyin and typos; the NLU
model and the service matcher should see one clean Simplified Chinese form.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import opencc
from pypinyin import Style, lazy_pinyin

logger = logging.getLogger(__name__)

MAX_CHARS = 500
_WS_RE = re.compile(r"\s+")
_LEADING_SLASHES = re.compile(r"^[/\s]+")
_TYPED_COMMAND = re.compile(r"^[\s/／\u200b]*[／/][\s/／\u200b]*[A-Za-z_]+\s*(\{.*\})?\s*$", re.DOTALL)
_PINYIN_SPAN_RE = re.compile(r"[A-Za-z][A-Za-z' ]*[A-Za-z]|[A-Za-z]")
_KEEP_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
                    "Sm", "Sc", "Zs"}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation to ASCII (NFKC), CJK untouched."""
    return unicodedata.normalize("NFKC", text)


def simplified(text: str) -> str:
    return _t2s().convert(text)


def strip_symbols(text: str) -> str:
    """Drop emoji, pictographs, control and zero-width characters; keep letters and punctuation."""
    return "".join(ch if unicodedata.category(ch) in _KEEP_CATEGORIES else " " for ch in text)


def collapse_spaces(text: str) -> str:
    """Whitespace between two CJK characters carries no meaning in Chinese; elsewhere keep one."""
    text = _WS_RE.sub(" ", text).strip()
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)


class PinyinConverter:
    """Turns toneless pinyin spans into known Chinese words ("huzhao zenme ban" → "护照怎么办").

    Only spans that segment completely into known words are converted, so English words and
    abbreviations ("APP", "ETC") stay as typed.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.table: Dict[str, str] = {}
        for word in words:
            if not word or not re.search(r"[\u4e00-\u9fff]", word) or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
                continue
            key = "".join(lazy_pinyin(word, style=Style.NORMAL))
            # prefer the shortest word for a key: the most common spelling
            if key not in self.table or len(word) < len(self.table[key]):
                self.table[key] = word
        self.longest = max((len(k) for k in self.table), default=0)

    def convert(self, text: str) -> str:
        if not self.table or not re.search(r"[A-Za-z]{2}", text):
            return text
        return _PINYIN_SPAN_RE.sub(lambda m: self._span(m.group(0)), text)

    def _span(self, span: str) -> str:
        letters = re.sub(r"[^a-z]", "", span.lower())
        if len(letters) < 4:
            return span
        best = self._segment(letters)
        return "".join(best) if best else span

    def _segment(self, letters: str) -> Optional[List[str]]:
        # fewest words that cover the span exactly (dynamic programming)
        n = len(letters)
        best: List[Optional[Tuple[int, List[str]]]] = [None] * (n + 1)
        best[0] = (0, [])
        for end in range(1, n + 1):
            for start in range(max(0, end - self.longest), end):
                prev = best[start]
                word = self.table.get(letters[start:end])
                if prev is None or word is None:
                    continue
                candidate = (prev[0] + 1, prev[1] + [word])
                current = best[end]
                if current is None or candidate[0] < current[0]:
                    best[end] = candidate
        last = best[n]
        return last[1] if last else None


def load_words(directory: Path) -> List[str]:
    """Words of every jieba dictionary file in ``directory`` (first column of each line)."""
    words: List[str] = []
    if not directory.is_dir():
        return words
    for path in sorted(directory.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.append(line.split()[0])
    return words


def load_corrections(path: Optional[Path]) -> Dict[str, str]:
    """Typo and variant table: ``wrong<TAB>right`` per line."""
    table: Dict[str, str] = {}
    if path is None or not path.exists():
        return table
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            logger.warning("%s:%s: expected 'wrong<TAB>right', skipped", path, number)
            continue
        table[parts[0]] = parts[1]
    return table


class Normalizer:
    """The whole normalisation, configured once and applied to every message."""

    def __init__(self, words: Iterable[str] = (), corrections: Optional[Dict[str, str]] = None,
                 max_chars: int = MAX_CHARS) -> None:
        self.pinyin = PinyinConverter(words)
        self.corrections = corrections or {}
        self._corrections_re = (
            re.compile("|".join(re.escape(k) for k in sorted(self.corrections, key=len, reverse=True)))
            if self.corrections else None
        )
        self.max_chars = max_chars

    def char_preserving(self, text: str) -> str:
        """The steps that keep every character in place (safe for annotated training data)."""
        out = simplified(halfwidth(text))
        return out if len(out) == len(text) else text

    def __call__(self, text: str) -> str:
        text = text or ""
        if text.startswith("/"):
            # a button payload the channel let through; Rasa's RegexMessageHandler reads it later
            return text
        if _TYPED_COMMAND.match(text):
            # a Rasa command a resident typed ("／restart", escaped by the channel) says nothing to
            # answer: no words are left, so the bot asks for words instead of guessing an intent
            return ""
        text = text[: self.max_chars * 4]
        text = strip_symbols(simplified(halfwidth(text)))
        text = collapse_spaces(text)
        text = self.pinyin.convert(text)
        if self._corrections_re is not None:
            text = self._corrections_re.sub(lambda m: self.corrections[m.group(0)], text)
        # a slash a resident typed was escaped by the channel; it must not turn back into a command,
        # not even behind a space, an emoji or a zero-width character ("／ /restart")
        return _LEADING_SLASHES.sub("", text[: self.max_chars])
