"""The FAQ store: CRUD in one transaction with its audit entry, soft delete, restore, revert, the
unique live question — on SQLite and once on PostgreSQL."""
from __future__ import annotations

import pytest

from bot.audit.log import AuditError, history, revert
from bot.faq.store import (
    ENTITY,
    FaqError,
    check_fields,
    create_entry,
    delete_entry,
    get_entry,
    import_rows,
    list_entries,
    restore_entry,
    sheet_rows,
    update_entry,
)


def test_crud_soft_delete_restore_and_audit(store_db: str) -> None:
    made = create_entry(check_fields("公积金怎么提取？", "登录公积金网站申请。", "公积金中心", "公积金, 提取"), "boss")
    assert made.keywords == ("公积金", "提取") and made.source == "常见问题库"
    with pytest.raises(FaqError) as dup:  # the same question after normalisation (width, punctuation, spaces)
        create_entry(check_fields("公积金 怎么提取?", "另一个答案"), "boss")
    assert dup.value.status == 409
    changed = update_entry(made.id, check_fields("公积金怎么提取？", "新的答案。", "公积金中心"), "boss")
    assert changed.answer == "新的答案。" and changed.updated_at >= made.updated_at
    deleted = delete_entry(made.id, "boss")
    assert deleted.deleted and list_entries()[1] == 0 and list_entries(deleted_only=True)[1] == 1
    # a deleted question can be asked again; restoring the old one then clashes
    other = create_entry(check_fields("公积金怎么提取", "又一个答案"), "boss", source="cli")
    with pytest.raises(FaqError):
        restore_entry(made.id, "boss")
    delete_entry(other.id, "boss")
    assert not restore_entry(made.id, "boss").deleted
    actions = [h.action for h in history(ENTITY, str(made.id))]
    assert actions == ["restore", "delete", "update", "create"]
    update_entry_h = history(ENTITY, str(made.id))[2]
    assert update_entry_h.before and update_entry_h.before["answer"] == "登录公积金网站申请。"
    assert update_entry_h.after and update_entry_h.after["answer"] == "新的答案。" and update_entry_h.actor == "boss"


def test_revert_an_update_a_deletion_and_a_creation(store_db: str) -> None:
    made = create_entry(check_fields("居住证多久能办好？", "一般15个工作日。"), "boss")
    update_entry(made.id, check_fields("居住证多久能办好？", "错误的答案"), "clerk")
    wrong = history(ENTITY, str(made.id))[0]
    revert(wrong.id, "boss")
    assert get_entry(made.id).answer == "一般15个工作日。"
    assert history(ENTITY, str(made.id))[0].action == "revert"
    delete_entry(made.id, "clerk")
    revert(history(ENTITY, str(made.id))[0].id, "boss")  # undoing a deletion restores
    assert not get_entry(made.id).deleted
    creation = history(ENTITY, str(made.id))[-1]
    revert(creation.id, "boss")  # undoing the creation soft-deletes
    assert get_entry(made.id).deleted
    with pytest.raises(AuditError):
        revert(creation.id, "boss")


def test_import_adds_updates_rejects_and_replaces_in_one_transaction(store_db: str) -> None:
    rows = sheet_rows([{"question": "问一", "answer": "答一"}, {"question": "问二", "answer": "答二"},
                       {"question": "问一", "answer": "重复"}, {"question": "问三", "answer": ""}])
    report = import_rows(rows, "boss")
    assert (report.added, report.updated, len(report.rejected)) == (2, 0, 2)
    assert [r.row for r in report.rejected] == [4, 5]
    assert "第 2 行" in report.rejected[0].reason and "答案不能为空" in report.rejected[1].reason
    preview = import_rows(sheet_rows([{"question": "问四", "answer": "答四"}]), "boss", preview=True)
    assert preview.added == 1 and list_entries()[1] == 2  # nothing written
    again = import_rows(sheet_rows([{"question": "问一", "answer": "答一改"}]), "boss", replace=True)
    assert (again.updated, again.deleted) == (1, 1)
    assert [e.question for e in list_entries()[0]] == ["问一"]
    assert {h.source for h in history(ENTITY)} == {"import"}
