"""One example as an administrator types it: checked with Rasa's own annotation parser, and the key
under which two examples count as the same.

``[东湖](district)``, ``[东湖](district:东湖区)`` and ``[东湖]{"entity": "district", "value": "东湖区"}``
are Rasa's annotation forms. A bracket Rasa would not read as an annotation (``[东湖(district)``)
is refused rather than trained on as text, as are entities the domain does not declare.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from bot.nlu.textnorm import Normalizer, load_corrections, load_words
from bot.nlu_admin import files

MAX_EXAMPLE = 200  # characters as typed, annotations included (the normaliser cuts messages at 500)
_NOT_KEY = re.compile(r"[\W_]+")
_SPACES = re.compile(r"[ \t\u3000]+")


class NluError(ValueError):
    """A refused change; the message is for the administrator, ``extra`` goes into the JSON answer."""

    def __init__(self, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


@dataclass(frozen=True)
class Example:
    text: str  # as stored in the YAML, annotations included
    plain: str  # the words a resident would type (annotations removed)
    entities: Tuple[Dict[str, Any], ...]

    def as_dict(self) -> Dict[str, Any]:
        return {"text": self.text, "plain": self.plain, "entities": list(self.entities)}


def clean_text(value: Any, label: str = "例句", limit: int = MAX_EXAMPLE) -> str:
    """Trimmed single-line text, runs of spaces made one; refuses non-text, empty, control
    characters (line breaks included) and anything longer than ``limit``."""
    if not isinstance(value, str):
        raise NluError(f"{label}须为文字")
    text = _SPACES.sub(" ", value.strip())
    if not text:
        raise NluError(f"{label}不能为空")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise NluError(f"{label}只能有一行，不能含换行或控制字符")
    if len(text) > limit:
        raise NluError(f"{label}太长：{len(text)} 个字符，最多 {limit} 个")
    return text


def parse_example(value: Any, entities: FrozenSet[str]) -> Example:
    """A checked example; :class:`NluError` naming the problem (empty, too long, a malformed
    annotation, an entity the domain does not have, a leading ``/``)."""
    from rasa.shared.exceptions import RasaException
    from rasa.shared.nlu.training_data.entities_parser import find_entities_in_training_example, replace_entities

    text = clean_text(value)
    if text.startswith(("/", "／")):
        raise NluError("例句不能以 / 开头：那是按钮发出的指令，不是居民说的话")
    try:
        found = find_entities_in_training_example(text)
    except RasaException as exc:
        first = str(exc).splitlines()[0][:160]
        raise NluError(f"标注格式不对：{first}。应写成 [东湖](district) 或 "
                       '[东湖]{"entity": "district", "value": "东湖区"}') from None
    plain = replace_entities(text)
    if any(ch in plain for ch in "[]{}"):
        raise NluError("标注格式不对：方括号或花括号没有配成 [文字](实体) 的形式，"
                       "例如 [东湖](district)；例句本身不要用 [ ] { }")
    unknown = sorted({str(e.get("entity")) for e in found} - entities)
    if unknown:
        raise NluError(f"未知实体：{'、'.join(unknown)}；domain.yml 中的实体有：{'、'.join(sorted(entities))}")
    if not plain.strip():
        raise NluError("例句不能为空")
    kept = tuple({"entity": e["entity"], "value": str(e["value"]), "text": plain[e["start"]:e["end"]],
                  "start": e["start"], "end": e["end"]} for e in found)
    return Example(text, plain, kept)


@lru_cache(maxsize=16384)
def read_example(text: str) -> Example:
    """An example already in a file, read leniently (a bad annotation shows as text, not an error).
    Cached: Rasa validates each ``{...}`` annotation against a schema it loads every time (15 ms)."""
    from rasa.shared.exceptions import RasaException
    from rasa.shared.nlu.training_data.entities_parser import find_entities_in_training_example, replace_entities

    try:
        found = find_entities_in_training_example(text)
    except RasaException:
        return Example(text, text, ())
    plain = replace_entities(text)
    return Example(text, plain, tuple({"entity": e["entity"], "value": str(e["value"]),
                                       "text": plain[e["start"]:e["end"]], "start": e["start"], "end": e["end"]}
                                      for e in found))


@lru_cache(maxsize=4)
def _normalizer(words_dir: Tuple[Tuple[str, int, int], ...], corrections: Tuple[str, int, int]) -> Normalizer:
    directory = Path(words_dir[0][0]).parent if words_dir else Path()
    return Normalizer(load_words(directory), load_corrections(Path(corrections[0])))


def normalizer() -> Normalizer:
    """The assistant's own normaliser (bot.nlu.textnorm: width, 繁→简, emoji, pinyin, the typo table)
    over the data being edited; rebuilt when a dictionary or the typo table changes."""
    jieba = files.words_file().parent
    stamps = tuple(files.stamp(p) for p in sorted(jieba.glob("*.txt"))) if jieba.is_dir() else ()
    return _normalizer(stamps, files.stamp(files.corrections_file()))


def text_key(plain: str, norm: Optional[Normalizer] = None) -> str:
    """The form in which two examples are the same: normalised as the assistant normalises a
    message, then without spaces and punctuation, lower case ("居住證 怎麼辦？" == "居住证怎么办")."""
    return _NOT_KEY.sub("", (norm or normalizer())(plain)).lower()


def entity_list(example: Example) -> List[str]:
    return [f"{e['text']}→{e['entity']}" for e in example.entities]
