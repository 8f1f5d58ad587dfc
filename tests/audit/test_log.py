"""The audit log: entries in the caller's transaction, history newest first, reverting through
the feature's reverter, and refusals for unknown entries and entities."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator

import pytest
from sqlalchemy.orm import Session

from bot.audit.log import AuditError, AuditView, get_entry, history, record, register_reverter, revert
from bot.db import session_scope
from tests.support.database import fresh_database


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "audit.db") as url:
        yield url


def test_history_diff_and_revert(db: str) -> None:
    store: Dict[str, Dict[str, str]] = {}

    def put_back(session: Session, entry: AuditView, actor: str) -> None:
        current = store.get(entry.key)
        store[entry.key] = dict(entry.before or {})
        record(session, actor=actor, source="console", entity="thing", key=entry.key, action="revert",
               before=current, after=entry.before, reverts=entry.id)

    register_reverter("thing", put_back)
    with session_scope() as session:
        record(session, actor="li", source="console", entity="thing", key="A", action="create",
               after={"name": "甲", "fee": "不收费"})
    with session_scope() as session:
        changed = record(session, actor="li", source="cli", entity="thing", key="A", action="update",
                         before={"name": "甲", "fee": "不收费"}, after={"name": "甲", "fee": "20元"})
    with pytest.raises(RuntimeError), session_scope() as session:  # a failed change leaves no entry
        record(session, actor="li", source="console", entity="thing", key="A", action="update")
        raise RuntimeError("the change itself failed")
    entries = history("thing", "A")
    assert [e.action for e in entries] == ["update", "create"]
    assert entries[0].changes() == [{"field": "fee", "before": "不收费", "after": "20元"}]
    undone = revert(changed, "wang")
    assert (undone.action, undone.reverts, undone.actor) == ("revert", changed, "wang")
    assert store["A"] == {"name": "甲", "fee": "不收费"}
    assert get_entry(changed) is not None and get_entry(999) is None
    with pytest.raises(AuditError) as missing:
        revert(999, "wang")
    assert missing.value.status == 404
    with session_scope() as session:
        other = record(session, actor="li", source="import", entity="unknown_kind", key="x", action="create")
    with pytest.raises(AuditError, match="不能撤销"):
        revert(other, "wang")
    with pytest.raises(ValueError), session_scope() as session:
        record(session, actor="li", source="telepathy", entity="thing", key="A", action="update")
