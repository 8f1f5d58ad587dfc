"""The weekly open dataset, written from fixed conversations and read back through the project's own
open-data client (``CkanAdapter`` → ``CkanClient`` with its ``file://`` transport → ``map_records``),
exactly as a sync reads a portal.

Checked: the counts by service, district, intent and outcome; combinations under 5 left out; values
only from closed lists (a service or district the registry does not have, an intent the domain does
not have); no text, no conversation id, no personal number anywhere in the files; button presses not
counted; the week's edges in Asia/Shanghai. Bad input: malformed weeks, week 54, an output path that is
a file; the command line's exit codes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.analytics.opendata import MIN_CELL, ExportError, export_week, names, parse_week
from bot.db import session_scope
from bot.opendata.adapters import CkanAdapter
from bot.opendata.ckan import CkanClient
from bot.opendata.config import DatasetConfig, PortalConfig
from bot.opendata.mapping import map_records
from bot.registry.models import ServiceItem
from bot.registry.repository import RegistryRepository
from bot.tracking.events import EVENTS, tracker_engine
from tests.support.database import fresh_database
from tests.support.events import committed, said, store, ts

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026
PHONE = "13812345678"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, str, str]]:
    """A database with the registry seed; two item names and a district of it."""
    with fresh_database(tmp_path_factory.mktemp("export") / "export.db", seed=True):
        with session_scope() as session:
            services = sorted(session.scalars(select(ServiceItem.name)).all())
            district = RegistryRepository(session).districts()[0]
        yield services[0], services[1], district


@pytest.fixture()
def events(registry: Tuple[str, str, str]) -> Iterator[Tuple[str, str, str]]:
    with tracker_engine().begin() as conn:
        conn.execute(EVENTS.delete())
    yield registry


def _district(name: str) -> List[dict]:
    return [{"entity": "district", "value": name, "start": 0, "end": len(name)}]


def _fill(service: str, other: str, district: str) -> None:
    monday = ts("2026-11-15T16:00:00+00:00")  # 00:00 on Monday the 16th in the city: inside
    for i in range(7):
        store(f"sender-a{i}", [said(f"{district}{service}怎么办 电话{PHONE}", "ask_service_guide", monday + i * 60,
                             registry=committed(service), entities=_district(district))])
    for i in range(3):  # a combination asked only 3 times: left out
        store(f"sender-b{i}", [said(f"{district}{service}多少钱", "ask_fee", monday + 3600 + i,
                             registry=committed(service), entities=_district(district))])
    for i in range(6):
        store(f"sender-c{i}", [said(f"乱七八糟的话{i}", "nlu_fallback", ts("2026-11-18T12:00:00+08:00") + i,
                                    confidence=0.1)])
    for i in range(5):  # names the registry does not have, a made-up district, an intent the domain lacks
        store(f"sender-d{i}", [said("火星区的星际签证", "weird_intent", ts("2026-11-19T12:00:00+08:00") + i,
                             registry=committed("星际签证"), entities=_district("火星区"))])
    for i in range(5):
        store(f"sender-e{i}", [said(f"{other}", "ask_service_guide", ts("2026-11-22T23:59:00+08:00") + i / 100,
                             registry={"outcome": "choose", "candidates": [], "terms": []})])
    for i in range(9):  # button presses are choices, not questions
        store(f"sender-f{i}", [said('/rate{"rating": "5"}', "rate", ts("2026-11-20T12:00:00+08:00") + i)])
    # a second after the week (Monday the 23rd in the city) and a second before it
    store("sender-late", [said(f"{service}怎么办", "ask_service_guide", ts("2026-11-22T16:00:00+00:00"),
                        registry=committed(service))])
    store("sender-early", [said(f"{service}怎么办", "ask_service_guide", ts("2026-11-15T15:59:59+00:00"),
                         registry=committed(service))])


def test_the_export_reads_back_through_the_open_data_client(events: Tuple[str, str, str], tmp_path: Path) -> None:
    service, other, district = events
    _fill(service, other, district)
    result = export_week(WEEK, tmp_path)
    package, resource_id = names(WEEK)
    assert (result.package, result.resource_id) == (package, resource_id)
    assert result.messages == 7 + 3 + 6 + 5 + 5 and result.rows == 4 and result.suppressed == 1

    client = CkanClient(tmp_path.as_uri())
    metadata = client.package_show(package)
    assert metadata["title"].endswith(f"（{WEEK}）") and "少于 5" in metadata["notes"]
    assert {e["key"]: e["value"] for e in metadata["extras"]} == {
        "temporal_coverage_start": "2026-11-16", "temporal_coverage_end": "2026-11-22", "time_zone": "Asia/Shanghai",
        "minimum_cell_count": str(MIN_CELL), "suppressed_cells": "1"}
    assert [r["id"] for r in metadata["resources"]] == [resource_id]

    portal = PortalConfig(key="export", title="导出", type="ckan", base_url=tmp_path.as_uri(), page_size=2)
    dataset = DatasetConfig(name="questions", title="居民咨询统计", portal="export", resource_id=resource_id,
                            package=package, fields={"week": "周", "service": "事项", "district": "所属区",
                                                     "intent": "意图", "intent_name": "意图名称",
                                                     "outcome": "结果", "count": "次数"},
                            types={"count": "int"}, required=("week", "service", "district", "intent", "outcome",
                                                               "count"))
    fetched = CkanAdapter(portal).fetch(dataset)  # paged two records at a time, as from a portal
    assert fetched.total == 4 and fetched.fields == ["_id", "周", "事项", "所属区", "意图", "意图名称", "结果", "次数"]
    rows = [{k: v for k, v in row.items() if k != "_id"} for row in
            map_records(fetched.records, dataset, declared_fields=fetched.fields, declared_total=fetched.total)]
    assert rows == [
        {"week": WEEK, "service": service, "district": district, "intent": "ask_service_guide",
         "intent_name": "办理流程", "outcome": "找到事项", "count": 7},
        {"week": WEEK, "service": "（其他或未识别事项）", "district": "（未说明）", "intent": "nlu_fallback",
         "intent_name": "未理解", "outcome": "未理解", "count": 6},
        {"week": WEEK, "service": "（其他或未识别事项）", "district": "（未说明）", "intent": "ask_service_guide",
         "intent_name": "办理流程", "outcome": "请居民选择", "count": 5},
        {"week": WEEK, "service": "（其他或未识别事项）", "district": "（未说明）", "intent": "other",
         "intent_name": "其他", "outcome": "找到事项", "count": 5},
    ]
    assert all(r["count"] >= MIN_CELL for r in rows)

    written = result.datastore_path.read_text(encoding="utf-8") + result.package_path.read_text(encoding="utf-8")
    for secret in ("怎么办", "乱七八糟", "星际签证", "火星区", PHONE, "138****5678", "sender-", "rate{"):
        assert secret not in written, secret


def test_an_empty_week_and_a_second_export(events: Tuple[str, str, str], tmp_path: Path) -> None:
    first = export_week("2027-W01", tmp_path)
    assert first.rows == 0 and first.messages == 0
    again = export_week("2027-w01", tmp_path)  # the same dataset: the files are replaced, not added
    assert again.datastore_path == first.datastore_path
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.datastore_path.name, first.package_path.name]
    result = CkanClient(tmp_path.as_uri()).datastore_search_all(first.resource_id)
    assert result.records == [] and result.total == 0


@pytest.mark.parametrize("week", ["2026-47", "2026W47", "W47", "", "2026-W00", "2026-W54", "2026-W47-1",
                                  "二〇二六年第47周"])
def test_malformed_weeks(week: str) -> None:
    with pytest.raises(ExportError):
        parse_week(week)


def test_weeks_are_iso_weeks_of_city_days() -> None:
    label, period = parse_week("2026-w53")
    assert label == "2026-W53" and (period.first.isoformat(), period.last.isoformat()) == ("2026-12-28", "2027-01-03")
    start, end = parse_week("2026-W47")[1].bounds()
    assert start.isoformat() == "2026-11-16T00:00:00+08:00" and end.isoformat() == "2026-11-23T00:00:00+08:00"


def test_the_command_line(events: Tuple[str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    service, other, district = events
    _fill(service, other, district)
    assert main(["analytics", "export", "--week", WEEK, "--out", str(tmp_path / "out"), "--json"]) == 0
    summary: Any = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rows"] == 4 and summary["suppressed"] == 1 and len(summary["files"]) == 2
    assert main(["analytics", "export", "--week", "2026-47", "--out", str(tmp_path / "out")]) == 2
    assert "YYYY-Www" in capsys.readouterr().out
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert main(["analytics", "export", "--week", WEEK, "--out", str(blocked / "sub")]) == 2
    assert "不能创建目录" in capsys.readouterr().out
