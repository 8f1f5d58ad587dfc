"""Hand-kept entity synonyms (``- synonym: 东湖区`` with the words that mean it), edited in the YAML.

Rasa's EntitySynonymMapper turns an extracted entity's text into the synonym's value. The
registry's aliases are synonyms too (``nlu/generated/``, made by ``python -m bot nlu vocab``): they
are shown, never edited here (edit the registry item's aliases instead). A word may lead to one value
only: Rasa would keep one of two mappings silently, so a second one is refused naming the first.

``set_synonym`` creates or replaces a value's words; new values go to ``nlu/synonyms.yml``. Audit
entries: ``entity="nlu_synonym"``, key the value, before/after ``{"value", "examples"}``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString
from sqlalchemy.orm import Session

from bot.audit.log import AuditError, AuditView, record, register_reverter
from bot.db import session_scope
from bot.nlu_admin import files
from bot.nlu_admin.annotations import NluError, clean_text
from bot.nlu_admin.training_data import Block, TrainingData, read_training_data, require_version, synonyms_version

logger = logging.getLogger(__name__)

ENTITY = "nlu_synonym"
MAX_WORD = 60
MAX_WORDS = 200


def _found(data: TrainingData, value: str) -> List[Block]:
    return [b for b in data.synonym_blocks() if b.name == value]


def list_synonyms() -> Dict[str, Any]:
    data = read_training_data()
    hand = [{"value": b.name, "examples": list(b.examples), "file": b.path.name, "editable": b.editable}
            for b in data.synonym_blocks()]
    generated = [{"value": b.name, "examples": list(b.examples), "file": f"generated/{b.path.name}",
                  "editable": False} for b in data.generated_synonyms]
    return {"synonyms": hand, "generated": generated, "version": synonyms_version(data)}


def _check(value: Any, words: Any, data: TrainingData) -> List[str]:
    name = clean_text(value, "标准值", MAX_WORD)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise NluError("同义词须为文字列表")
    cleaned = list(dict.fromkeys(clean_text(w, "同义词", MAX_WORD) for w in words if w.strip()))
    if not cleaned:
        raise NluError("至少要有一个同义词")
    if len(cleaned) > MAX_WORDS:
        raise NluError(f"同义词太多：最多 {MAX_WORDS} 个")
    if name in cleaned:
        raise NluError(f"同义词不必包含标准值本身：{name}")
    owners = {w: b for b in [*data.synonym_blocks(), *data.generated_synonyms] if b.name != name
              for w in b.examples}
    for word in cleaned:
        other = owners.get(word)
        if other is not None:
            where = "事项库生成的同义词" if other in data.generated_synonyms else other.path.name
            raise NluError(f"「{word}」已是「{other.name}」的同义词（{where}），一个词只能对应一个标准值", 409,
                           clash={"value": other.name, "word": word})
    return cleaned


def _write(value: str, words: Optional[List[str]], data: TrainingData) -> None:
    blocks = _found(data, value)
    if any(not b.editable for b in blocks):
        raise NluError(f"{blocks[0].path.name} 中同义词「{value}」不是「- 词」形式，请在文件中修改", 409)
    by_file: Dict[Path, List[Block]] = {}
    for block in blocks:
        by_file.setdefault(block.path, []).append(block)
    first = blocks[0] if blocks else None
    for path, found in by_file.items():
        doc = files.load_yaml(path)
        entries: CommentedSeq = doc["nlu"]
        for block in sorted(found, key=lambda b: b.index, reverse=True):
            if words is not None and block is first:
                entries[block.index]["examples"] = LiteralScalarString("".join(f"- {w}\n" for w in words))
            else:
                del entries[block.index]
        files.write_atomic(path, files.dump_yaml(doc))
    if words is not None and first is None:
        path = files.nlu_dir() / files.SYNONYM_FILE
        doc = files.load_nlu_file(path)
        doc["nlu"].append(CommentedMap([("synonym", value),
                                        ("examples", LiteralScalarString("".join(f"- {w}\n" for w in words)))]))
        files.write_atomic(path, files.dump_yaml(doc))


def _apply(session: Session, value: Any, words: Optional[Any], actor: str, source: str, version: Any = None,
           reverts: Optional[int] = None) -> Dict[str, Any]:
    data = read_training_data()
    if reverts is None:
        require_version(synonyms_version(data), version)
    name = clean_text(value, "标准值", MAX_WORD)
    current = [w for b in _found(data, name) for w in b.examples]
    cleaned = _check(name, words, data) if words is not None else None
    if cleaned is None and not current:
        raise NluError(f"没有这个同义词：{name}", 404)
    if cleaned == current:
        return list_synonyms()
    before = {"value": name, "examples": current} if current else None
    after = {"value": name, "examples": cleaned} if cleaned is not None else None
    action = "revert" if reverts is not None else ("update" if before and after else "create" if after else "delete")
    summary = f"同义词 {name}：{'、'.join(cleaned or current)}"
    # the audit entry first: a file that cannot be written then rolls it back with the transaction
    record(session, actor=actor, source=source, entity=ENTITY, key=name, action=action, before=before, after=after,
           summary=(f"撤销修改 #{reverts}：" if reverts else "") + summary[:280], reverts=reverts)
    _write(name, cleaned, data)
    logger.info("nlu synonym %s by %s: %s", action, actor, name)
    return list_synonyms()


def set_synonym(value: Any, words: Any, version: Any, actor: str, source: str = "console") -> Dict[str, Any]:
    with files.editing(), session_scope() as session:
        return _apply(session, value, words, actor, source, version)


def delete_synonym(value: Any, version: Any, actor: str, source: str = "console") -> Dict[str, Any]:
    with files.editing(), session_scope() as session:
        return _apply(session, value, None, actor, source, version)


def _revert(session: Session, entry: AuditView, actor: str) -> None:
    value = entry.key
    wanted = (entry.after or {}).get("examples")
    try:
        with files.editing():
            current = [w for b in _found(read_training_data(), value) for w in b.examples]
            if (wanted or []) != current:
                raise AuditError(f"同义词「{value}」之后又改过，请先撤销较新的修改")
            _apply(session, value, (entry.before or {}).get("examples"), actor,
                   "cli" if actor.startswith("cli") else "console", reverts=entry.id)
    except NluError as exc:
        raise AuditError(f"不能撤销：{exc}", exc.status if exc.status in (404, 409) else 409) from None


register_reverter(ENTITY, _revert)
