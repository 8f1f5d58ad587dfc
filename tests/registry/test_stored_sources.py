"""The new registry fields in a real store (SQLite and PostgreSQL): a database made before them
gains the 提交方式 column, rows written by the first version (free-text 设定依据, no 提交方式) are
read, and the next import puts the seed's structured values back; and the seed's own answers.

Bad input covered: a legal basis column holding the old free text, and text that is no text form
at all; a NULL 提交方式.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.db import add_missing_columns, get_engine, session_scope
from bot.registry import guide
from bot.registry.export import export_item
from bot.registry.importer import import_registry
from bot.registry.legal import LegalRef
from bot.registry.live import load_snapshot
from bot.registry.repository import RegistryRepository
from bot.registry.views import item_view, materials_for, situation_by_code

SEED = Path(__file__).resolve().parents[2] / "data" / "registry"
CODE = "JZ-GA-0002"  # 居住证签注


def test_an_older_database_gains_the_column_and_its_rows_read(store_db: str) -> None:
    with get_engine(store_db).begin() as conn:
        conn.execute(text("ALTER TABLE registry_material DROP COLUMN submit"))
    assert "registry_material.submit" in add_missing_columns(store_db)
    with session_scope(store_db) as session:
        import_registry(SEED, session)
    with get_engine(store_db).begin() as conn:  # what the first version wrote
        conn.execute(text("UPDATE registry_material SET submit = NULL"))
        conn.execute(text("UPDATE registry_item SET legal_basis = :old WHERE code = :code"),
                     {"old": "《居住证暂行条例》（国务院令第663号）", "code": CODE})
        conn.execute(text("UPDATE registry_item SET legal_basis = :old WHERE code = 'JZ-GA-0001'"),
                     {"old": "依据国家有关规定"})
    with session_scope(store_db) as session:
        repo = RegistryRepository(session)
        endorse = item_view(repo.item_by_code(CODE))
        first = item_view(repo.item_by_code("JZ-GA-0001"))
    assert endorse.legal_basis == (LegalRef("《居住证暂行条例》", doc_no="国务院令第663号"),)
    assert first.legal_basis == (LegalRef("依据国家有关规定"),), "unparseable old text is kept, not lost"
    assert {m.submit for m in endorse.materials} == {"纸质"}, "a row without a mode reads as paper"
    with session_scope(store_db) as session:
        report = import_registry(SEED, session)
    assert report.updated >= 2
    with session_scope(store_db) as session:
        stored = export_item(RegistryRepository(session).item_by_code(CODE))  # type: ignore[arg-type]
    assert stored["legal_basis"] == [{"law": "《居住证暂行条例》", "article": "第十条", "doc_no": "国务院令第663号",
                                      "effective": "2016-01-01"}]
    assert [m["submit"] for m in stored["materials"]] == ["电子证照", "电子证照"]


def test_structured_values_survive_the_store_unchanged(store_db: str) -> None:
    """A second import of the same seed changes nothing: what the column gives back equals the seed."""
    with session_scope(store_db) as session:
        first = import_registry(SEED, session)
    with session_scope(store_db) as session:
        again = import_registry(SEED, session)
    assert first.created == first.items and (again.updated, again.unchanged) == (0, first.items)


def test_answers_from_the_real_registry_say_what_not_to_bring_and_the_basis(database_url: str) -> None:
    """The seed's own items, as the assistant answers them (web chat and WeChat get the same text)."""
    items = load_snapshot(database_url).items
    car = items["机动车注册登记（新车上牌）"]
    nonlocal_owner = situation_by_code(car, "nonlocal")
    text = guide.answer("materials", car, nonlocal_owner, materials_for(car, nonlocal_owner), [])
    assert "以下 3 项无需提交纸质材料：" in text
    assert "江州市居住证（免提交，部门通过数据共享获取）" in text
    assert text.splitlines()[-1].startswith("依据：《中华人民共和国道路交通安全法》第八条、第九条（2021年修正）；")
    endorse = items["居住证签注"]
    text = guide.answer("fee", endorse, None, materials_for(endorse, None), [])
    assert text.splitlines()[-1] == ("依据：《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）；"
                                     f"数据来源：江州市政务服务网（示例数据），江州市公安局，更新于 {endorse.updated}")
    assert "不收费（依据：《居住证暂行条例》第二十一条" in text
