"""Registry import: the real seed, idempotence, round trip through export, malformed files."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest
import yaml
from sqlalchemy import func, select

from bot.db import session_scope
from bot.registry.export import export_item, export_registry
from bot.registry.importer import import_registry
from bot.registry.models import ServiceItem
from bot.registry.repository import RegistryRepository
from bot.registry.schema import RegistryError
from bot.registry.seed import load_seed
from bot.registry.views import item_view, materials_for, situation_by_code, where_to_go
from tests.support.database import fresh_database

SEED = Path(__file__).resolve().parents[2] / "data" / "registry"
REQUIRED_ITEMS = [
    "居住证首次申领", "居民身份证换领/补领", "户口迁入", "出生登记（新生儿落户）", "社会保障卡申领/补换",
    "灵活就业人员参保登记", "医保异地就医备案", "住房公积金提取", "结婚登记", "个体工商户设立登记",
    "企业设立登记", "机动车驾驶证期满换证", "往来港澳通行证", "普通护照", "不动产转移登记（二手房）",
    "失业保险金申领", "老年人优待证", "残疾人证", "小学入学登记", "公租房申请",
]


@pytest.fixture()
def db_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own (every table, no rows)."""
    with fresh_database(tmp_path / "registry.db") as url:
        yield url


def _import(directory: Path, url: str):  # type: ignore[no-untyped-def]
    with session_scope(url) as session:
        return import_registry(directory, session)


def test_seed_imports_with_required_items_and_locations(db_url: str) -> None:
    report = _import(SEED, db_url)
    assert report.items >= 40
    with session_scope(db_url) as session:
        repo = RegistryRepository(session)
        names = {item.name for item in repo.items()}
        assert set(REQUIRED_ITEMS) <= names
        districts = repo.districts()
        assert districts == sorted(["东湖区", "西山区", "南港区", "北城区", "高新区", "滨江区"])
        locations = repo.locations()
        assert len({loc.address for loc in locations}) == len(locations) == 7
        assert any(loc.hours.get("saturday") for loc in locations), "one centre opens on Saturday"
        assert any(len(loc.hours["weekday"]) > 1 for loc in locations), "one centre has a lunch break"


def test_import_is_idempotent(db_url: str) -> None:
    first = _import(SEED, db_url)
    second = _import(SEED, db_url)
    assert first.created == first.items and second.created == 0 and second.updated == 0
    assert second.unchanged == first.items
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count(ServiceItem.id))) == first.items


def test_provident_fund_situations_change_the_materials(db_url: str) -> None:
    _import(SEED, db_url)
    with session_scope(db_url) as session:
        found = RegistryRepository(session).item_by_name("住房公积金提取")
        assert found is not None
        item = item_view(found)
        codes = {s.code for s in item.situations}
        assert {"rent", "buy", "resign"} <= codes
        rent = {m.name for m in materials_for(item, situation_by_code(item, "rent"))}
        buy = {m.name for m in materials_for(item, situation_by_code(item, "buy"))}
        assert rent != buy and rent & buy, "common materials shared, situation materials differ"


def test_where_to_go_puts_the_residents_district_first(db_url: str) -> None:
    _import(SEED, db_url)
    with session_scope(db_url) as session:
        item = next(item_view(i) for i in RegistryRepository(session).items() if len(i.locations) >= 6)
        first = where_to_go(item, "南港区")[0]
        assert first.district == "南港区"


def test_export_round_trip_gives_the_same_registry(db_url: str, tmp_path: Path) -> None:
    _import(SEED, db_url)
    out = tmp_path / "export"
    with session_scope(db_url) as session:
        count = export_registry(out, session)
        before = {i.code: export_item(i) for i in RegistryRepository(session).items()}
    with fresh_database(tmp_path / "other.db") as other:
        report = _import(out, other)
        assert report.items == count
        with session_scope(other) as session:
            after = {i.code: export_item(i) for i in RegistryRepository(session).items()}
    assert after == before
    fund = next(i for i in after.values() if i["name"] == "住房公积金提取")
    assert "付房租" in fund["keywords"], "item-level keywords survive import and export"


def _seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SEED, target)
    return target


def _edit_first_item(seed: Path, change) -> str:  # type: ignore[no-untyped-def]
    path = sorted((seed / "items").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["items"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path.name


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda item: item.pop("fee"), "fee"),  # missing required field
        (lambda item: item.update(promised_limit_days="五天"), "promised_limit_days"),  # wrong type
        (lambda item: item.update(handled_at=["nowhere"]), "handled_at"),  # unknown location
        (lambda item: item.update(audience=["外星人"]), "audience"),  # value outside the standard list
        (lambda item: item["materials"].append({"name": "照片", "form": "彩色", "submit": "纸质"}), "form"),  # bad form
        (lambda item: item.update(updated="2026-13-45"), "updated"),  # impossible date
        # materials residents need not bring: the delivery mode is required and one of three
        (lambda item: item["materials"][0].update(submit="快递"), "submit"),  # unknown value
        (lambda item: item["materials"][0].pop("submit"), "submit"),  # missing
        (lambda item: item["materials"][0].update(submit=["纸质"]), "submit"),  # wrong type
        (lambda item: item["materials"].append({"name": "近期免冠照片", "form": "原件", "submit": "电子证照"}),
         "submit"),  # a photo is no licence
        (lambda item: item["materials"][0].update(form="电子证照"), "form"),  # the old 电子证照 form
        # every rule says where it comes from
        (lambda item: item.pop("legal_basis"), "legal_basis"),  # missing legal basis
        (lambda item: item.update(legal_basis=[]), "legal_basis"),  # empty
        (lambda item: item.update(legal_basis=[{"article": "第十条"}]), "legal_basis[0].law"),  # no law name
        (lambda item: item.update(legal_basis="居住证暂行条例第十条"), "legal_basis"),  # no 《》
        (lambda item: item.update(fee_basis=""), "fee_basis"),  # free items need one too
        (lambda item: item.pop("updated"), "updated"),  # no date of its own (meta.updated is no default)
    ],
)
def test_malformed_record_is_refused_naming_file_record_and_field(
    tmp_path: Path, db_url: str, change: Callable[[Dict[str, Any]], object], field: str
) -> None:
    seed = _seed_copy(tmp_path)
    file_name = _edit_first_item(seed, change)
    with pytest.raises(RegistryError) as error:
        _import(seed, db_url)
    message = str(error.value)
    assert file_name in message and "items[0]" in message and field in message
    with session_scope(db_url) as session:  # nothing was written
        assert session.scalar(select(func.count(ServiceItem.id))) == 0


def test_duplicate_alias_across_items_is_refused(tmp_path: Path) -> None:
    seed = _seed_copy(tmp_path)
    path = sorted((seed / "items").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"][1]["aliases"] = [*(data["items"][1].get("aliases") or []), data["items"][0]["name"]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="已属于"):
        load_seed(seed)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("items: [\n  - name: 未闭合", "YAML 格式错误"),  # broken YAML
        ("- just\n- a list\n", "顶层应为映射"),  # wrong top level
        ("meta: {source: x, updated: 2026-01-01}\nitems: 5\n", "应为列表"),  # items not a list
        # hostile scalar
        ("meta: {source: x, updated: 2026-01-01}\nitems: ['<script>alert(1)</script>']\n", "应为映射"),
    ],
)
def test_broken_files_are_refused_with_a_clear_message(tmp_path: Path, content: str, expected: str) -> None:
    seed = _seed_copy(tmp_path)
    (seed / "items" / "zz_broken.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError) as error:
        load_seed(seed)
    assert "zz_broken.yaml" in str(error.value) and expected in str(error.value)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    seed = _seed_copy(tmp_path)
    (seed / "items" / "gbk.yaml").write_bytes("meta: {source: 示例}\nitems: []\n".encode("gbk"))
    with pytest.raises(RegistryError, match="UTF-8"):
        load_seed(seed)


def test_bad_opening_hours_are_refused(tmp_path: Path) -> None:
    seed = _seed_copy(tmp_path)
    path = seed / "locations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["locations"][0]["hours"]["weekday"] = ["17:00-09:00"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"hours\.weekday"):
        load_seed(seed)
