"""Reading the hand-kept NLU files as the console shows them: intents with their examples (an intent
may have blocks in several files; Rasa merges them) and synonyms, with a version token each.

Reading uses PyYAML's safe loader (fast); :mod:`bot.nlu_admin.examples` and
:mod:`bot.nlu_admin.synonyms` write through ruamel.yaml. Both see the same ``nlu:`` list, so a
block's index is the same in both.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

from bot.nlu_admin import files
from bot.nlu_admin.annotations import NluError

LEADING = "-"  # Rasa's multi-line example marker (rasa_yaml.MULTILINE_TRAINING_EXAMPLE_LEADING_SYMBOL)


def example_of(line: str) -> Optional[str]:
    """The example a block line holds, read as Rasa reads it; None for a line Rasa skips."""
    return line[1:].strip("\n\r ") if line.startswith(LEADING) else None


def example_lines(block_text: str) -> List[str]:
    return [text for text in (example_of(line) for line in block_text.splitlines()) if text]


@dataclass(frozen=True)
class Block:
    """One ``- intent:`` or ``- synonym:`` entry of one file."""

    path: Path
    index: int  # position in the file's ``nlu:`` list
    kind: str  # intent | synonym
    name: str
    examples: Tuple[str, ...]
    editable: bool  # a ``|`` block of ``- `` lines (the form the console writes)


@dataclass
class TrainingData:
    blocks: List[Block] = field(default_factory=list)
    generated_synonyms: List[Block] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)  # files that could not be read

    def intent_blocks(self, name: str) -> List[Block]:
        return [b for b in self.blocks if b.kind == "intent" and b.name == name]

    def intents(self) -> Dict[str, List[str]]:
        """Intent → its examples, in file and line order."""
        out: Dict[str, List[str]] = {}
        for block in self.blocks:
            if block.kind == "intent":
                out.setdefault(block.name, []).extend(block.examples)
        return out

    def synonym_blocks(self) -> List[Block]:
        return [b for b in self.blocks if b.kind == "synonym"]

    def all_examples(self) -> Iterator[Tuple[str, str]]:
        """(intent, example) of every intent block."""
        for block in self.blocks:
            if block.kind == "intent":
                for text in block.examples:
                    yield block.name, text


def _blocks(path: Path, data: Any) -> List[Block]:
    if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
        return []
    found = []
    for index, entry in enumerate(data["nlu"]):
        if not isinstance(entry, dict):
            continue
        kind = next((k for k in ("intent", "synonym") if k in entry), None)
        if kind is None:
            continue  # regex and lookup entries: not edited here, left as they are
        raw = entry.get("examples")
        editable = isinstance(raw, str)
        if isinstance(raw, str):
            examples = tuple(example_lines(raw))
        else:  # Rasa's other form: a list of {"text", "metadata"}
            examples = tuple(str(e.get("text", "")).strip() for e in raw or [] if isinstance(e, dict))
        found.append(Block(path, index, kind, str(entry[kind]), examples, editable))
    return found


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_training_data() -> TrainingData:
    data = TrainingData()
    for path in files.hand_kept_files():
        try:
            data.blocks.extend(_blocks(path, _load(path)))
        except (OSError, yaml.YAMLError) as exc:
            data.problems.append(f"{path.name}: {exc}")
    for path in files.generated_files():
        try:
            data.generated_synonyms.extend(b for b in _blocks(path, _load(path))
                                           if b.kind == "synonym")
        except (OSError, yaml.YAMLError) as exc:
            data.problems.append(f"{path.name}: {exc}")
    return data


def intent_version(data: TrainingData, name: str) -> str:
    """Changes whenever one of the intent's examples changes (in any of its files)."""
    return files.digest(name, json.dumps([(b.path.name, b.index, b.examples) for b in data.intent_blocks(name)],
                                         ensure_ascii=False))


def synonyms_version(data: TrainingData) -> str:
    return files.digest("synonyms", json.dumps([(b.path.name, b.index, b.name, b.examples)
                                                for b in data.synonym_blocks()], ensure_ascii=False))


def require_version(current: str, sent: Any) -> None:
    """409 when the form was loaded from data that has changed since (another administrator, a git
    pull); a missing version is refused too, so an old form can never overwrite blindly."""
    if not isinstance(sent, str) or not sent:
        raise NluError("缺少版本号（version）：请刷新页面后再改", 400)
    if sent != current:
        raise NluError("这部分数据已被他人修改，请刷新后再改", 409, version=current)
