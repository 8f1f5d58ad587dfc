"""Editing the registry by hand: validation by the seed's rules with problems by field, stale
versions refused, soft delete and restore, reverting through the audit log, and the live registry
seeing every change at once (SQLite, and the whole cycle once on PostgreSQL)."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from bot.audit.log import AuditError, history, revert
from bot.db import session_scope
from bot.registry.editing import EditError, delete_item, item_detail, location_choices, restore_item, save_item
from bot.registry.importer import import_registry
from bot.registry.live import LiveRegistry, load_snapshot
from bot.registry.repository import RegistryRepository
from tests.support.database import fresh_database, fresh_postgres_schema

SEED = Path(__file__).resolve().parents[2] / "data" / "registry"
CODE = "JZ-GA-0001"  # 居住证首次申领


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "edit.db", seed=True) as url:
        yield url


def _detail(code: str = CODE) -> Dict[str, Any]:
    detail = item_detail(code)
    assert detail is not None
    return detail


def new_item(code: str = "JZ-TEST-0001", name: str = "测试犬只登记") -> Dict[str, Any]:
    return {
        "code": code, "name": name, "aliases": ["办狗证测试"], "category": "其他", "item_type": "公共服务",
        "agency": "江州市测试局", "audience": ["自然人"], "conditions": "在本市养犬", "promised_limit_days": 5,
        "fee": "不收费", "max_visits": 1, "consult_phone": "0000-12345678", "complaint_phone": "12345",
        "handled_at": ["district"], "materials": [{"name": "居民身份证", "form": "原件", "submit": "纸质"}],
        "legal_basis": "《测试条例》第三条", "fee_basis": "测试事项不收取费用",
        "steps": [{"name": "申请"}],
    }


def test_an_edit_is_validated_audited_and_live(db: str) -> None:
    live = LiveRegistry(ttl=0.0, load=load_snapshot)
    assert "居民身份证" in [m.name for m in live.snapshot().items["居住证首次申领"].materials]
    detail = _detail()
    record = detail["item"]
    record["materials"][0]["name"] = "居民身份证或临时身份证"
    saved = save_item(record, "wang", expected=detail["version"])
    assert saved.action == "update" and saved.version != detail["version"]
    view = live.snapshot().items["居住证首次申领"]
    assert view.materials[0].name == "居民身份证或临时身份证"
    entry = history("registry_item", CODE, limit=1)[0]
    assert (entry.id, entry.actor, entry.source, entry.action) == (saved.audit_id, "wang", "console", "update")
    assert {c["field"] for c in entry.changes()} == {"materials", "updated"}  # 更新日期 becomes today
    assert entry.before is not None and entry.before["materials"][0]["name"] == "居民身份证"
    # saving the same again changes nothing and writes no entry
    count = len(history("registry_item", CODE))
    again = save_item(_detail()["item"], "wang", expected=saved.version)
    assert again.action == "unchanged" and again.audit_id is None
    assert len(history("registry_item", CODE)) == count


def test_problems_name_the_field_as_the_form_shows_it(db: str) -> None:
    detail = _detail()
    record = copy.deepcopy(detail["item"])
    record["materials"][2]["name"] = ""
    record["materials"][1]["form"] = "手抄本"
    record["situations"][0]["materials"][0]["copies"] = "两份"
    record["handled_at"] = ["nowhere"]
    record["situation_question"] = ""
    with pytest.raises(EditError) as refused:
        save_item(record, "wang", expected=detail["version"])
    assert refused.value.status == 400
    fields = {p["field"]: p["message"] for p in refused.value.problems}
    assert "materials[2].name" in fields and "必填" in fields["materials[2].name"]
    assert "materials[1].form" in fields
    assert "situations[0].materials[0].copies" in fields
    assert "handled_at" in fields and "nowhere" in fields["handled_at"]
    assert "situation_question" in fields
    assert _detail()["version"] == detail["version"]  # nothing written
    # a name or alias another item uses is refused (they feed the NLU dictionary)
    other = copy.deepcopy(detail["item"])
    other["aliases"] = [*other["aliases"], "结婚登记"]
    with pytest.raises(EditError) as clash:
        save_item(other, "wang", expected=detail["version"])
    assert [p["field"] for p in clash.value.problems] == [f"aliases[{len(other['aliases']) - 1}]"]
    assert "结婚登记" in clash.value.problems[0]["message"]


def test_a_stale_form_is_refused(db: str) -> None:
    detail = _detail()
    mine, theirs = copy.deepcopy(detail["item"]), copy.deepcopy(detail["item"])
    theirs["fee"] = "工本费10元"
    save_item(theirs, "li", expected=detail["version"])
    mine["fee"] = "工本费20元"
    with pytest.raises(EditError) as stale:
        save_item(mine, "wang", expected=detail["version"])
    assert stale.value.status == 409
    assert _detail()["item"]["fee"] == "工本费10元"  # the colleague's edit stays


def test_create_modes_and_unknown_codes(db: str) -> None:
    live = LiveRegistry(ttl=0.0, load=load_snapshot)
    saved = save_item(new_item(), "wang", mode="create")
    assert saved.action == "create"
    snapshot = live.snapshot()
    assert "测试犬只登记" in snapshot.items
    assert live.resolver().resolve("测试犬只登记怎么办").item.name == "测试犬只登记"  # type: ignore[union-attr]
    assert live.resolver().resolve("办狗证测试").item.name == "测试犬只登记"  # type: ignore[union-attr]
    with pytest.raises(EditError) as exists:
        save_item(new_item(), "wang", mode="create")
    assert exists.value.status == 409 and exists.value.problems[0]["field"] == "code"
    with pytest.raises(EditError) as unknown:
        save_item(new_item(code="JZ-NONE-9"), "wang", mode="update")
    assert unknown.value.status == 404
    with pytest.raises(EditError) as bad_code:
        save_item({**new_item(), "code": "坏 编码"}, "wang")
    assert bad_code.value.problems == [{"field": "code", "message": bad_code.value.problems[0]["message"]}]
    with pytest.raises(EditError):
        save_item("not a mapping", "wang")  # type: ignore[arg-type]
    entry = history("registry_item", "JZ-TEST-0001")[0]
    assert entry.action == "create" and entry.before is None and entry.after is not None
    choices = location_choices()
    assert choices[0]["code"] == "city" and choices[0]["district"] is None  # city level first
    assert {c["code"] for c in choices} == {"city", "dh", "xs", "ng", "bc", "gx", "bj"}


def test_delete_restore_and_the_seed_import_keeps_a_deleted_item_deleted(db: str, tmp_path: Path) -> None:
    live = LiveRegistry(ttl=0.0, load=load_snapshot)
    assert "居住证首次申领" in live.snapshot().items
    version = _detail()["version"]
    deleted = delete_item(CODE, "wang", expected=version)
    assert deleted.action == "delete"
    assert "居住证首次申领" not in live.snapshot().items
    found = live.resolver().resolve("居住证首次申领").item
    assert found is None or found.code != CODE
    with session_scope() as session:
        repo = RegistryRepository(session)
        assert repo.item_by_code(CODE) is None and repo.item_by_name("居住证首次申领") is None
        assert repo.item_by_code(CODE, include_deleted=True) is not None
        assert CODE not in {i.code for i in repo.items()}
    with pytest.raises(EditError) as twice:
        delete_item(CODE, "wang")
    assert twice.value.status == 409
    with pytest.raises(EditError) as edit_deleted:
        save_item(_detail()["item"], "wang")
    assert edit_deleted.value.status == 409
    # the seed import skips it and says so
    seed = tmp_path / "seed"
    shutil.copytree(SEED, seed)
    report = import_registry(seed)
    assert report.skipped_deleted == [CODE]
    assert _detail()["deleted"] is True
    restored = restore_item(CODE, "wang")
    assert restored.action == "restore" and "居住证首次申领" in live.snapshot().items
    with pytest.raises(EditError):
        restore_item(CODE, "wang")
    actions = [e.action for e in history("registry_item", CODE)]
    assert actions[:2] == ["restore", "delete"]


def test_revert_an_update_a_creation_and_a_deletion(db: str) -> None:
    live = LiveRegistry(ttl=0.0, load=load_snapshot)
    detail = _detail()
    record = copy.deepcopy(detail["item"])
    record["steps"].append({"name": "领证", "description": "到窗口领取", "time_limit": "即时"})
    saved = save_item(record, "wang", expected=detail["version"])
    assert len(live.snapshot().items["居住证首次申领"].steps) == len(detail["item"]["steps"]) + 1
    undone = revert(int(saved.audit_id or 0), "boss")
    assert (undone.action, undone.reverts, undone.actor) == ("revert", saved.audit_id, "boss")
    assert _detail()["item"] == detail["item"]  # the date too
    assert len(live.snapshot().items["居住证首次申领"].steps) == len(detail["item"]["steps"])
    # a change that is no longer the item's state (here: already reverted) cannot be reverted
    with pytest.raises(AuditError) as later:
        revert(int(saved.audit_id or 0), "boss")
    assert later.value.status == 409 and "较新的修改" in str(later.value)
    # reverting a creation soft-deletes the item; reverting that brings it back
    created = save_item(new_item(), "wang", mode="create")
    gone = revert(int(created.audit_id or 0), "boss")
    assert _detail("JZ-TEST-0001")["deleted"] is True and "测试犬只登记" not in live.snapshot().items
    revert(gone.id, "boss")
    assert _detail("JZ-TEST-0001")["deleted"] is False and "测试犬只登记" in live.snapshot().items
    # reverting a deletion restores the item
    removed = delete_item("JZ-TEST-0001", "wang")
    revert(int(removed.audit_id or 0), "boss")
    assert _detail("JZ-TEST-0001")["deleted"] is False


def test_the_fingerprint_changes_on_every_kind_of_change(db: str) -> None:
    def fingerprint() -> str:
        with session_scope() as session:
            return RegistryRepository(session).fingerprint()

    seen = [fingerprint()]
    detail = _detail()
    detail["item"]["fee"] = "工本费5元"
    save_item(detail["item"], "wang", expected=detail["version"])
    seen.append(fingerprint())
    delete_item(CODE, "wang")
    seen.append(fingerprint())
    restore_item(CODE, "wang")
    seen.append(fingerprint())
    assert len(set(seen)) == len(seen)


def test_the_whole_cycle_on_postgresql() -> None:
    with fresh_postgres_schema("edit") as url:
        import_registry(SEED)
        live = LiveRegistry(ttl=0.0, load=lambda: load_snapshot(url))
        detail = _detail()
        detail["item"]["materials"][0]["note"] = "PostgreSQL 上的修改"
        saved = save_item(detail["item"], "wang", expected=detail["version"])
        assert live.snapshot().items["居住证首次申领"].materials[0].note == "PostgreSQL 上的修改"
        with pytest.raises(EditError) as stale:
            save_item(detail["item"], "wang", expected=detail["version"])
        assert stale.value.status == 409
        delete_item(CODE, "wang")
        assert "居住证首次申领" not in live.snapshot().items
        restore_item(CODE, "wang")
        entries = history("registry_item", CODE)
        assert [e.action for e in entries[:3]] == ["restore", "delete", "update"]
        revert(entries[0].id, "boss")  # undo the restore: deleted again
        assert _detail()["deleted"] is True
        with pytest.raises(AuditError):  # the update is no longer the item's state
            revert(int(saved.audit_id or 0), "boss")


def test_a_database_from_before_soft_delete_gets_the_column(tmp_path: Path) -> None:
    from sqlalchemy import inspect, text

    from bot.db import get_engine
    from bot.stores import create_all

    with fresh_database(tmp_path / "old.db", seed=True) as url:
        engine = get_engine(url)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE registry_item DROP COLUMN deleted_at"))
        assert "deleted_at" not in {c["name"] for c in inspect(engine).get_columns("registry_item")}
        create_all(url)  # what every entry point runs first (make run, the CLIs)
        assert "deleted_at" in {c["name"] for c in inspect(engine).get_columns("registry_item")}
        assert _detail()["deleted"] is False
