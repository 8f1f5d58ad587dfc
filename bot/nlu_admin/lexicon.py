"""The two hand-kept word tables: jieba's domain words (``jieba/domain_words.txt``: ``词 词频 词性``)
and the typo table (``lexicon/corrections.tsv``: ``错误写法<TAB>正确写法``).

Both are line files: a change rewrites only its own line (comments, order and blank lines stay),
atomically and under the one lock, with an audit entry (``entity="nlu_word"`` key the word, before/after
``{"word","freq","tag"}``; ``entity="nlu_correction"`` key the wrong form, ``{"wrong","right"}``).
The version token is the file's digest: a form loaded before another change gets 409.

Words generated from the registry (``jieba/registry.generated.txt``) are refused here: the registry is
their owner. A typo must be two characters or more (one character replaced everywhere would change
ordinary words), must not be a correct form in the table, and its correct form must not be a typo.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy.orm import Session

from bot.audit.log import AuditError, AuditView, record, register_reverter
from bot.db import session_scope
from bot.nlu_admin import files
from bot.nlu_admin.annotations import NluError, clean_text
from bot.nlu_admin.training_data import require_version

logger = logging.getLogger(__name__)

WORD_ENTITY = "nlu_word"
CORRECTION_ENTITY = "nlu_correction"
MAX_WORD = 30
DEFAULT_FREQ = 2000
DEFAULT_TAG = "n"
_TAG = re.compile(r"[a-z]{1,4}")


@dataclass(frozen=True)
class Table:
    """One line file: how to read a line into a record, write a record as a line, and name it."""

    entity: str
    path: Callable[[], Path]
    parse: Callable[[str], Optional[Dict[str, Any]]]
    render: Callable[[Dict[str, Any]], str]
    key_field: str
    label: str


def _parse_word(line: str) -> Optional[Dict[str, Any]]:
    parts = line.split()
    if not parts or line.lstrip().startswith("#"):
        return None
    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return {"word": parts[0], "freq": freq, "tag": parts[2] if len(parts) > 2 else ""}


def _render_word(row: Dict[str, Any]) -> str:
    return " ".join(str(p) for p in (row["word"], row.get("freq"), row.get("tag")) if p not in (None, ""))


def _parse_correction(line: str) -> Optional[Dict[str, Any]]:
    if not line.strip() or line.startswith("#"):
        return None
    parts = line.split("\t")
    return {"wrong": parts[0], "right": parts[1]} if len(parts) == 2 and parts[0] and parts[1] else None


def _render_correction(row: Dict[str, Any]) -> str:
    return f"{row['wrong']}\t{row['right']}"


WORDS = Table(WORD_ENTITY, files.words_file, _parse_word, _render_word, "word", "词")
CORRECTIONS = Table(CORRECTION_ENTITY, files.corrections_file, _parse_correction, _render_correction, "wrong",
                    "错别字")


def _lines(table: Table) -> List[str]:
    path = table.path()
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def rows(table: Table) -> Tuple[List[Dict[str, Any]], str]:
    """The table's records in file order, and its version."""
    lines = _lines(table)
    return [r for r in (table.parse(line) for line in lines) if r], files.digest(table.entity, "\n".join(lines))


def _generated_words() -> set:
    path = files.words_file().parent / "registry.generated.txt"
    if not path.exists():
        return set()
    return {r["word"] for r in (_parse_word(line) for line in path.read_text(encoding="utf-8").splitlines()) if r}


def check_word(body: Dict[str, Any]) -> Dict[str, Any]:
    word = clean_text(body.get("word"), "词", MAX_WORD)
    if " " in word:
        raise NluError("词中不能有空格（词典以空格分隔词、词频和词性）")
    freq = body.get("freq", DEFAULT_FREQ)
    if freq in (None, ""):
        freq = DEFAULT_FREQ
    if isinstance(freq, str) and freq.strip().isdigit():
        freq = int(freq.strip())
    if isinstance(freq, bool) or not isinstance(freq, int) or not 1 <= freq <= 1_000_000:
        raise NluError("词频须为 1 到 1000000 的整数")
    tag = body.get("tag", DEFAULT_TAG)
    tag = DEFAULT_TAG if tag in (None, "") else tag
    if not isinstance(tag, str) or not _TAG.fullmatch(tag.strip()):
        raise NluError("词性须为 1 到 4 个小写字母，例如 n、ns、v")
    if word in _generated_words():
        raise NluError(f"「{word}」已在事项库生成的词典中：服务事项的名称和别名请在事项库中修改", 409)
    return {"word": word, "freq": freq, "tag": tag.strip()}


def check_correction(body: Dict[str, Any], table: List[Dict[str, Any]]) -> Dict[str, Any]:
    wrong = clean_text(body.get("wrong"), "错误写法", MAX_WORD)
    right = clean_text(body.get("right"), "正确写法", MAX_WORD)
    if "\t" in wrong + right:
        raise NluError("不能含制表符")
    if len(wrong) < 2:
        raise NluError("错误写法至少两个字：单字替换会改掉正常的词")
    if wrong == right:
        raise NluError("错误写法和正确写法相同")
    others = [r for r in table if r["wrong"] != wrong]
    for row in others:
        if row["right"] == wrong:
            raise NluError(f"「{wrong}」是「{row['wrong']}」的正确写法，不能再当作错别字", 409)
    for row in others:
        if row["wrong"] == right:
            raise NluError(f"正确写法「{right}」本身在表中是错别字（应为「{row['right']}」）", 409)
    return {"wrong": wrong, "right": right}


def _apply(session: Session, table: Table, key: str, new: Optional[Dict[str, Any]], actor: str, source: str,
           version: Any = None, must_exist: Optional[bool] = None, reverts: Optional[int] = None,
           expect: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Replace the record ``key`` with ``new`` (None: delete; absent: append). ``must_exist``: True for
    a change or delete (404 otherwise), False for an add (409 when the key is there)."""
    lines = _lines(table)
    if reverts is None:
        require_version(files.digest(table.entity, "\n".join(lines)), version)
    at = next((i for i, line in enumerate(lines) if (table.parse(line) or {}).get(table.key_field) == key), None)
    old = table.parse(lines[at]) if at is not None else None
    if expect is not None and old != expect:
        raise NluError(f"{table.label}「{key}」之后又改过，请先撤销较新的修改", 409)
    if must_exist is True and old is None:
        raise NluError(f"没有这个{table.label}：{key}", 404)
    if must_exist is False and old is not None:
        raise NluError(f"已有这个{table.label}：{table.render(old)}", 409)
    if new is not None and new.get(table.key_field) != key and any(
            (table.parse(line) or {}).get(table.key_field) == new[table.key_field] for line in lines):
        raise NluError(f"已有这个{table.label}：{new[table.key_field]}", 409)
    if old == new:
        return {"version": files.digest(table.entity, "\n".join(lines))}
    if at is None:
        lines.append(table.render(new or {}))
    elif new is None:
        del lines[at]
    else:
        lines[at] = table.render(new)
    action = "revert" if reverts else ("update" if old and new else "create" if new else "delete")
    summary = f"{table.label} {table.render(new or old or {})}".replace("\t", " → ")
    # the audit entry first: a file that cannot be written then rolls it back with the transaction
    record(session, actor=actor, source=source, entity=table.entity, key=key, action=action, before=old, after=new,
           summary=(f"撤销修改 #{reverts}：" if reverts else "") + summary[:280], reverts=reverts)
    files.write_atomic(table.path(), "\n".join(lines) + "\n")
    logger.info("%s %s by %s: %s", table.entity, action, actor, key)
    return {"version": files.digest(table.entity, "\n".join(lines))}


def change(table: Table, key: Optional[str], body: Dict[str, Any], actor: str, source: str = "console",
           delete: bool = False) -> Dict[str, Any]:
    """Add (``key`` None), change or delete one record of ``table``; the new version."""
    with files.editing(), session_scope() as session:
        if delete:
            new = None
        elif table is WORDS:
            new = check_word(body if key is None else {**body, "word": key})
        else:
            new = check_correction(body if key is None else {**body, "wrong": key}, rows(table)[0])
        target = key if key is not None else str((new or {})[table.key_field])
        return _apply(session, table, target, new, actor, source, body.get("version"),
                      must_exist=key is not None)


def _reverter(table: Table) -> Callable[[Session, AuditView, str], None]:
    def revert(session: Session, entry: AuditView, actor: str) -> None:
        try:
            with files.editing():
                _apply(session, table, entry.key, entry.before, actor, "cli" if actor.startswith("cli") else "console",
                       reverts=entry.id, expect=entry.after)
        except NluError as exc:
            raise AuditError(f"不能撤销：{exc}", 404 if exc.status == 404 else 409) from None
    return revert


register_reverter(WORD_ENTITY, _reverter(WORDS))
register_reverter(CORRECTION_ENTITY, _reverter(CORRECTIONS))
