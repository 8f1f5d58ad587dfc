"""Adding, changing and deleting an intent's examples in the YAML files, each with its audit entry.

One change runs under :func:`bot.nlu_admin.files.editing` (one at a time across threads and
processes): the files are read fresh, the form's version is checked (409 when stale), the example
is checked (:func:`bot.nlu_admin.annotations.parse_example`), a clash with another intent is refused
naming it, near-duplicates are returned as flags, the block is rewritten through ruamel.yaml (the
rest of the file byte for byte as it was) and written atomically, and the audit entry
(``entity="nlu_example"``, key the intent, before/after ``{"intent", "example"}``) is committed.

New examples go to the intent's first block (files by name); an intent that has none yet gets a
block in ``nlu/console.yml``. A block whose last example is deleted is removed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString
from sqlalchemy.orm import Session

from bot.audit.log import AuditError, AuditView, record, register_reverter
from bot.db import session_scope
from bot.nlu_admin import files
from bot.nlu_admin.annotations import NluError, normalizer, parse_example, read_example
from bot.nlu_admin.similarity import ExampleIndex, Similar
from bot.nlu_admin.training_data import (
    Block,
    TrainingData,
    example_of,
    intent_version,
    read_training_data,
    require_version,
)

logger = logging.getLogger(__name__)

ENTITY = "nlu_example"


@dataclass
class Change:
    """What one change did: the intent as it is now, and near-duplicates to look at."""

    intent: str
    version: str
    similar: List[Similar] = field(default_factory=list)
    audit_id: Optional[int] = None

    def as_dict(self) -> Dict[str, Any]:
        return {"intent": self.intent, "version": self.version, "similar": [s.as_dict() for s in self.similar],
                "audit_id": self.audit_id}


def intent_names() -> Tuple[str, ...]:
    return files.domain_names()[0]


def check_intent(name: Any) -> str:
    if not isinstance(name, str) or name not in intent_names():
        raise NluError(f"没有这个意图：{str(name)[:60]}（意图以 domain.yml 为准）", 404)
    return name


def index(data: TrainingData) -> ExampleIndex:
    return ExampleIndex(data.all_examples(), normalizer())


def check(intent: str, text: Any, data: Optional[TrainingData] = None,
          replacing: Optional[str] = None) -> Tuple[str, List[Similar]]:
    """The checked example and its near-duplicates; :class:`NluError` 409 for a clash or a duplicate."""
    data = data or read_training_data()
    example = parse_example(text, files.domain_names()[1])
    idx = index(data)
    key = idx.key(example.plain)
    skip = (intent, replacing) if replacing is not None else None
    for other_intent, other in idx.same(key, skip):
        if other_intent == intent:
            raise NluError(f"意图 {intent} 已有这个例句：{other}", 409,
                           clash={"intent": other_intent, "example": other})
        raise NluError(f"与意图 {other_intent} 的例句「{other}」相同（规范化后一致），同一句话不能属于两个意图",
                       409, clash={"intent": other_intent, "example": other})
    return example.text, idx.near(key, intent)


# -- writing ----------------------------------------------------------------------------------------
def _rewrite(block: Block, remove: Optional[str], add: Optional[str]) -> None:
    """Replace / delete / append one example line of ``block``; the rest of the file is untouched."""
    doc = files.load_yaml(block.path)
    entries: CommentedSeq = doc["nlu"]
    entry: CommentedMap = entries[block.index]
    lines = str(entry["examples"]).splitlines()
    if remove is not None:
        at = next(i for i, line in enumerate(lines) if example_of(line) == remove)
        if add is not None:
            lines[at] = f"- {add}"
        else:
            del lines[at]
    elif add is not None:
        lines.append(f"- {add}")
    if any(example_of(line) for line in lines):
        entry["examples"] = LiteralScalarString("".join(line + "\n" for line in lines))
    else:
        del entries[block.index]
    files.write_atomic(block.path, files.dump_yaml(doc))


def _append_new_block(intent: str, text: str) -> Path:
    path = files.nlu_dir() / files.NEW_INTENT_FILE
    doc = files.load_nlu_file(path)
    doc["nlu"].append(CommentedMap([("intent", intent), ("examples", LiteralScalarString(f"- {text}\n"))]))
    files.write_atomic(path, files.dump_yaml(doc))
    return path


def _block_with(data: TrainingData, intent: str, text: str) -> Block:
    for block in data.intent_blocks(intent):
        if text in block.examples:
            if not block.editable:
                raise NluError(f"{block.path.name} 中意图 {intent} 的例句不是「- 例句」形式，请在文件中修改", 409)
            return block
    raise NluError(f"意图 {intent} 没有这个例句：{text[:80]}", 404)


def _apply(session: Session, intent: str, remove: Optional[str], add: Optional[str], actor: str, source: str,
           version: Any = None, reverts: Optional[int] = None) -> Change:
    """The change itself, under the lock, inside the caller's transaction (its audit entry joins it)."""
    data = read_training_data()
    if reverts is None:
        require_version(intent_version(data, intent), version)
    similar: List[Similar] = []
    if add is not None:
        add, similar = check(intent, add, data, replacing=remove)
    block: Optional[Block] = None
    if remove is not None:
        block = _block_with(data, intent, remove)
        if add == remove:
            return Change(intent, intent_version(data, intent))
    else:
        block = next((b for b in data.intent_blocks(intent) if b.editable), None)
    before = {"intent": intent, "example": remove} if remove is not None else None
    after = {"intent": intent, "example": add} if add is not None else None
    action = "revert" if reverts is not None else ("update" if before and after else "create" if after else "delete")
    summary = f"{intent}：{add or remove}"
    if reverts is not None:
        summary = f"撤销修改 #{reverts}：{summary}"
    # the audit entry first: a file that cannot be written then rolls it back with the transaction
    audit_id = record(session, actor=actor, source=source, entity=ENTITY, key=intent, action=action,
                      before=before, after=after, summary=summary[:300], reverts=reverts)
    if block is not None:
        _rewrite(block, remove, add)
        where = block.path.name
    else:
        assert add is not None
        where = _append_new_block(intent, add).name
    logger.info("nlu example %s by %s in %s (intent %s)", action, actor, where, intent)
    return Change(intent, intent_version(read_training_data(), intent), similar, audit_id)


def _given(text: Any) -> str:
    if not isinstance(text, str):
        raise NluError("例句须为文字")
    return text


def add_example(intent: str, text: Any, version: Any, actor: str, source: str = "console") -> Change:
    check_intent(intent)
    text = _given(text)
    with files.editing(), session_scope() as session:
        return _apply(session, intent, None, text, actor, source, version)


def update_example(intent: str, old: Any, text: Any, version: Any, actor: str, source: str = "console") -> Change:
    check_intent(intent)
    if not isinstance(old, str) or not old:
        raise NluError("缺少要修改的原例句（old）")
    text = _given(text)
    with files.editing(), session_scope() as session:
        return _apply(session, intent, old, text, actor, source, version)


def delete_example(intent: str, text: Any, version: Any, actor: str, source: str = "console") -> Change:
    check_intent(intent)
    if not isinstance(text, str) or not text:
        raise NluError("缺少要删除的例句（text）")
    with files.editing(), session_scope() as session:
        return _apply(session, intent, text, None, actor, source, version)


def add_examples(intent: str, texts: List[str], actor: str, source: str = "console"
                 ) -> Tuple[List[Tuple[str, List[Similar]]], List[Tuple[str, NluError]]]:
    """Several examples at once (the review queue): each checked and audited on its own; returns the
    added ones with their near-duplicates and the refused ones with the reason."""
    check_intent(intent)
    added: List[Tuple[str, List[Similar]]] = []
    refused: List[Tuple[str, NluError]] = []
    with files.editing():
        for text in texts:
            try:
                with session_scope() as session:
                    change = _apply(session, intent, None, text, actor, source,
                                    intent_version(read_training_data(), intent))
                added.append((text, change.similar))
            except NluError as exc:
                refused.append((text, exc))
    return added, refused


# -- reading --------------------------------------------------------------------------------------
def intent_summaries() -> List[Dict[str, Any]]:
    """Every domain intent with its example count, then intents that have examples but are not in the
    domain (Rasa would refuse to train on them: shown, not editable)."""
    data = read_training_data()
    by_intent = data.intents()
    names = intent_names()
    rows = [{"name": n, "count": len(by_intent.get(n, [])), "in_domain": True,
             "files": sorted({b.path.name for b in data.intent_blocks(n)})} for n in names]
    rows += [{"name": n, "count": len(v), "in_domain": False,
              "files": sorted({b.path.name for b in data.intent_blocks(n)})}
             for n, v in sorted(by_intent.items()) if n not in names]
    return rows


def intent_detail(name: str, query: str = "") -> Dict[str, Any]:
    data = read_training_data()
    if name not in intent_names() and name not in data.intents():
        raise NluError(f"没有这个意图：{name[:60]}", 404)
    examples = [read_example(t) for t in data.intents().get(name, [])]
    if query.strip():
        norm = normalizer()
        wanted = norm(query.strip()).lower()
        examples = [e for e in examples if wanted in norm(e.plain).lower() or query.strip() in e.text]
    return {"name": name, "in_domain": name in intent_names(), "version": intent_version(data, name),
            "files": sorted({b.path.name for b in data.intent_blocks(name)}),
            "editable": all(b.editable for b in data.intent_blocks(name)),
            "examples": [e.as_dict() for e in examples]}


def search(query: str, limit: int = 200) -> List[Dict[str, Any]]:
    """Examples of every intent whose words contain ``query`` (normalised, as the assistant reads it)."""
    norm = normalizer()
    wanted = norm(query.strip()).lower()
    if not wanted:
        return []
    hits = []
    for intent, text in read_training_data().all_examples():
        example = read_example(text)
        if wanted in norm(example.plain).lower() or query.strip() in text:
            hits.append({"intent": intent, **example.as_dict()})
            if len(hits) >= limit:
                break
    return hits


# -- reverting ------------------------------------------------------------------------------------
def _revert(session: Session, entry: AuditView, actor: str) -> None:
    """Undo one change: the example of ``after`` goes, the one of ``before`` comes back (clash-checked)."""
    before = (entry.before or {}).get("example")
    after = (entry.after or {}).get("example")
    intent = str((entry.after or entry.before or {}).get("intent") or entry.key)
    try:
        with files.editing():
            data = read_training_data()
            if after is not None and after not in data.intents().get(intent, []):
                raise AuditError(f"例句「{after}」已不在意图 {intent} 中（之后又改过），请先撤销较新的修改")
            _apply(session, intent, after, before, actor, "cli" if actor.startswith("cli") else "console",
                   reverts=entry.id)
    except NluError as exc:
        raise AuditError(f"不能撤销：{exc}", 409 if exc.status != 404 else 404) from None


register_reverter(ENTITY, _revert)
