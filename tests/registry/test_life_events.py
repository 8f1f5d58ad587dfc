"""Life events (一件事) in the registry: the sample file, import (idempotent, audited, on SQLite and
PostgreSQL), export round trip, the live snapshot, and malformed files refused naming file, event
and field with nothing written.

Bad input covered: unknown, nested (an event as member), duplicated and missing members, an empty
member list, duplicate codes, an event code that is an item's, names and aliases taken by items or
other events, unknown situations, more joint visits than separate ones, a hostile URL, a huge
description, wrong types, broken YAML, a non-UTF-8 file and a member list that is a string.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml
from sqlalchemy import func, select

from bot.audit.log import history
from bot.db import session_scope
from bot.registry.export import export_registry
from bot.registry.importer import import_registry
from bot.registry.life_events import LIFE_EVENTS_FILE, export_event, load_life_events
from bot.registry.live import LiveRegistry, load_snapshot
from bot.registry.models import LifeEvent, ServiceItem
from bot.registry.repository import LIFE_EVENT_ENTITY, RegistryRepository
from bot.registry.schema import RegistryError
from bot.registry.seed import load_seed
from tests.support.database import fresh_database

SEED = Path(__file__).resolve().parents[2] / "data" / "registry"
NATIONAL = ["新生儿出生一件事", "义务教育入学一件事", "职工退休一件事", "结婚一件事", "身后一件事",
            "开办餐饮店一件事", "二手房过户及水电气网联动过户一件事", "残疾人服务一件事"]


@pytest.fixture(scope="module")
def seed_items() -> List[Dict[str, Any]]:
    return load_seed(SEED)[1]


def _events(url: str) -> Dict[str, Dict[str, Any]]:
    with session_scope(url) as session:
        return {e.code: export_event(e) for e in RegistryRepository(session).life_events()}


def test_the_sample_file_has_the_national_key_events_with_colloquial_aliases(seed_items: List[Dict[str, Any]]) -> None:
    raw = yaml.safe_load((SEED / LIFE_EVENTS_FILE).read_text(encoding="utf-8"))
    assert raw["meta"]["sample"] is True and "示例" in raw["meta"]["source"]
    events = load_life_events(SEED, seed_items)
    by_name = {e["name"]: e for e in events}
    assert set(NATIONAL) <= set(by_name)
    aliases = {a for e in events for a in e["aliases"]}
    assert {"生孩子", "媳妇生了", "刚退休", "家里老人走了", "开个饭馆"} <= aliases
    for event in events:
        assert len(event["members"]) >= 3, event["name"]
        assert event["online_url"].startswith("https://zwfw.jiangzhou.example/"), "sample entry on the fictional site"
        assert event["basis"] and event["updated"] and event["total_visits"] <= 1
    birth = by_name["新生儿出生一件事"]["members"]
    assert [m["label"] for m in birth][:5] == ["出生医学证明", "预防接种证", "出生登记", "医保参保", "社保卡申领"]
    assert any(m["optional"] and m["condition"] for m in birth), "生育津贴 applies only to some mothers"


def test_import_is_idempotent_audited_and_exports_the_same_events(store_db: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: a second import changes nothing; the export imports back equal."""
    first = import_registry(SEED)
    assert first.life_events is not None and first.life_events.created == first.life_events.events >= 8
    audited = history(LIFE_EVENT_ENTITY)
    assert {e.action for e in audited} == {"create"} and len(audited) == first.life_events.events
    second = import_registry(SEED)
    assert second.life_events is not None
    assert (second.life_events.created, second.life_events.updated) == (0, 0)
    assert second.life_events.unchanged == first.life_events.events
    assert len(history(LIFE_EVENT_ENTITY)) == len(audited), "an unchanged import writes no audit entry"
    before = _events(store_db)
    out = tmp_path / "export"
    with session_scope() as session:
        export_registry(out, session)
    assert (out / LIFE_EVENTS_FILE).exists() and "&id" not in (out / LIFE_EVENTS_FILE).read_text(encoding="utf-8")
    with fresh_database(tmp_path / "other.db") as other:
        import_registry(out)
        assert _events(other) == before


def test_an_edited_event_reaches_the_live_snapshot_with_an_audit_entry(tmp_path: Path) -> None:
    seed = _copy(tmp_path)
    with fresh_database(tmp_path / "live.db", seed=False):
        import_registry(seed)
        live = LiveRegistry(ttl=0.0, load=load_snapshot)
        assert live.snapshot().life_events["JZ-YJS-BIRTH"].total_days == 20

        def longer(events: List[Dict[str, Any]]) -> None:
            events[0]["total_days"] = 25
        _edit(seed, longer)
        report = import_registry(seed)
        assert report.life_events is not None and report.life_events.updated == 1
        assert live.snapshot().life_events["JZ-YJS-BIRTH"].total_days == 25
        entry = history(LIFE_EVENT_ENTITY, "JZ-YJS-BIRTH", limit=1)[0]
        assert entry.action == "update" and [c["field"] for c in entry.changes()] == ["total_days"]


def test_a_seed_without_life_events_imports_its_items(tmp_path: Path) -> None:
    seed = _copy(tmp_path)
    (seed / LIFE_EVENTS_FILE).unlink()
    with fresh_database(tmp_path / "plain.db") as url:
        report = import_registry(seed)
        assert report.items >= 60 and report.life_events is not None and report.life_events.events == 0
        assert _events(url) == {}


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SEED, target)
    return target


def _edit(seed: Path, change: Callable[[List[Dict[str, Any]]], object]) -> None:
    path = seed / LIFE_EVENTS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["events"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _set(index: int, **fields: Any) -> Callable[[List[Dict[str, Any]]], None]:
    def change(events: List[Dict[str, Any]]) -> None:
        events[index].update(fields)
    return change


def _member(index: int, member: int, **fields: Any) -> Callable[[List[Dict[str, Any]]], None]:
    def change(events: List[Dict[str, Any]]) -> None:
        events[index]["members"][member].update(fields)
    return change


def _append_member(index: int, **fields: Any) -> Callable[[List[Dict[str, Any]]], None]:
    def change(events: List[Dict[str, Any]]) -> None:
        events[index]["members"].append(fields)
    return change


def _copy_event(change_copy: Callable[[Dict[str, Any]], None]) -> Callable[[List[Dict[str, Any]]], None]:
    def change(events: List[Dict[str, Any]]) -> None:
        twin = dict(events[0])
        change_copy(twin)
        events.append(twin)
    return change


MALFORMED = [
    pytest.param(_member(0, 0, item="JZ-NOPE-0001"), "members[0]", "item", "未知的事项编码", id="unknown-member"),
    pytest.param(_member(0, 0, item="JZ-YJS-RETIRE"), "members[0]", "item", "一件事不能包含一件事", id="nested-event"),
    pytest.param(_set(0, members=[]), "events[0]", "members", "至少要有一个成员事项", id="empty-members"),
    pytest.param(_set(1, members=None), "events[1]", "members", "至少要有一个成员事项", id="missing-members"),
    pytest.param(_set(2, members="'; DROP TABLE registry_item; --"), "events[2]", "members", "应为列表",
                 id="hostile-members"),
    pytest.param(_append_member(0, item="JZ-GA-0006"), "members[7]", "item", "重复", id="duplicate-member"),
    pytest.param(_copy_event(lambda e: e.update(name="另一件事", aliases=[])), "另一件事", "code", "重复",
                 id="duplicate-code"),
    pytest.param(_set(0, code="JZ-GA-0006"), "events[0]", "code", "编码重复", id="code-of-an-item"),
    pytest.param(_set(0, aliases=["上户口"]), "新生儿出生一件事", "aliases", "已属于事项「出生登记（新生儿落户）」",
                 id="alias-of-an-item"),
    pytest.param(_set(1, aliases=["生孩子"]), "义务教育入学一件事", "aliases", "已属于一件事「新生儿出生一件事」",
                 id="alias-of-another-event"),
    pytest.param(_member(0, 3, situations=["nowhere"]), "members[3]", "situations", "没有情形", id="unknown-situation"),
    pytest.param(_set(0, total_visits=9), "events[0]", "total_visits", "多于各事项分别办理的合计", id="more-visits"),
    pytest.param(_set(0, total_days="二十"), "events[0]", "total_days", "应为 0-365 的整数", id="days-not-a-number"),
    pytest.param(_set(0, online_url="javascript:alert(1)"), "events[0]", "online_url", "网址", id="hostile-url"),
    pytest.param(_set(0, description="很长" * 600), "events[0]", "description", "超过 1000 字", id="huge-text"),
    pytest.param(_member(0, 0, optional="是"), "members[0]", "optional", "true/false", id="optional-not-bool"),
]


@pytest.mark.parametrize("change, record, field, message", MALFORMED)
def test_a_malformed_event_is_refused_naming_file_event_and_field(
    seed_items: List[Dict[str, Any]], tmp_path: Path, change: Callable[[List[Dict[str, Any]]], object],
    record: str, field: str, message: str,
) -> None:
    seed = _copy(tmp_path)
    _edit(seed, change)
    with pytest.raises(RegistryError) as error:
        load_life_events(seed, seed_items)
    lines = [line for line in str(error.value).splitlines() if message in line]
    assert lines, str(error.value)
    assert any(line.startswith(f"{LIFE_EVENTS_FILE}: ") and record in line and f": {field}: " in line
               for line in lines), str(error.value)


def test_a_refused_file_writes_nothing(tmp_path: Path) -> None:
    seed = _copy(tmp_path)
    _edit(seed, _member(0, 0, item="JZ-NOPE-0001"))
    with fresh_database(tmp_path / "none.db") as url:
        with pytest.raises(RegistryError, match="未知的事项编码"):
            import_registry(seed)
        with session_scope(url) as session:
            assert session.scalar(select(func.count(ServiceItem.id))) == 0
            assert session.scalar(select(func.count(LifeEvent.id))) == 0


@pytest.mark.parametrize("content, expected", [
    ("events: [\n  - name: 未闭合", "YAML 格式错误"),
    ("- a\n- list\n", "顶层应为映射"),
    ("meta: {source: x, updated: 2026-01-01}\nevents: 5\n", "应为列表"),
    ("meta: {source: x, updated: 2026-01-01}\nevents: ['<script>alert(1)</script>']\n", "应为映射"),
])
def test_a_broken_file_is_refused_with_a_clear_message(seed_items: List[Dict[str, Any]], tmp_path: Path,
                                                       content: str, expected: str) -> None:
    seed = _copy(tmp_path)
    (seed / LIFE_EVENTS_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError) as error:
        load_life_events(seed, seed_items)
    assert LIFE_EVENTS_FILE in str(error.value) and expected in str(error.value)


def test_a_non_utf8_file_is_refused(seed_items: List[Dict[str, Any]], tmp_path: Path) -> None:
    seed = _copy(tmp_path)
    (seed / LIFE_EVENTS_FILE).write_bytes("meta: {source: 示例}\nevents: []\n".encode("gbk"))
    with pytest.raises(RegistryError, match="UTF-8"):
        load_life_events(seed, seed_items)
