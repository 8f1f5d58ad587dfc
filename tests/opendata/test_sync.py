"""``opendata sync`` against the fake portal: validate whole, swap atomically, keep the old copy."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.opendata.config import load_config
from bot.opendata.errors import ConfigError
from bot.opendata.models import OpenDataSync
from bot.opendata.store import load_dataset
from bot.opendata.sync import run_sync
from tests.opendata.support import FakeCkan, clinic_dataset, clinic_records, write_portal

T0 = datetime(2026, 11, 1, 1, 0, tzinfo=timezone.utc)


def ticking(start: datetime = T0) -> Callable[[], datetime]:
    moments = iter(start + timedelta(minutes=i) for i in range(10_000))
    return lambda: next(moments)


@pytest.fixture
def portal(ckan: FakeCkan, tmp_path: Path, fresh_db: str) -> Iterator[Path]:
    """Two datasets on the fake portal: ``clinics`` (paged, with package metadata) and ``others``."""
    ckan.add("res-clinics", clinic_records(7), package="pkg-clinics", modified="2026-10-20T08:30:00")
    ckan.add("res-others", clinic_records(4))
    yield write_portal(tmp_path / "portal.yml", ckan.url, {
        "clinics": clinic_dataset("res-clinics", package="pkg-clinics"),
        "others": clinic_dataset("res-others"),
    })


def attempts(name: str) -> list:
    with session_scope() as session:
        return list(session.scalars(select(OpenDataSync).where(OpenDataSync.dataset == name).order_by(OpenDataSync.id)))


def test_first_sync_maps_fields_and_records_provenance(portal: Path, ckan: FakeCkan) -> None:
    report = run_sync(load_config(portal), clock=ticking())
    assert (report.fetched, report.changed, report.failed) == (2, 2, 0)
    cached = load_dataset("clinics")
    assert cached is not None and cached.row_count == 7 and len(ckan.datastore_calls("res-clinics")) == 3
    first = cached.rows[0]
    assert first["name"] == "测试诊所1" and first["district"] == "西山区" and first["phone"] == "0000-80000001"
    assert isinstance(first["latitude"], float) and first["latitude"] == pytest.approx(30.21)
    assert cached.source_updated == date(2026, 10, 20)
    assert cached.fetched_at == T0 + timedelta(minutes=1)
    assert "pkg-clinics" in cached.source and "res-clinics" in cached.source and ckan.url in cached.source
    assert cached.source_line() == "数据来源：测试数据集 res-clinics（测试开放平台，示例数据），数据更新于 2026-10-20"
    # without package metadata the date shown is the fetch date (Beijing time)
    assert load_dataset("others").updated == date(2026, 11, 1)
    assert [a.ok for a in attempts("clinics")] == [True]


def test_unchanged_data_is_not_counted_as_a_change(portal: Path, ckan: FakeCkan) -> None:
    run_sync(load_config(portal), clock=ticking())
    again = run_sync(load_config(portal), clock=ticking(T0 + timedelta(days=1)))
    assert (again.fetched, again.changed, again.failed) == (2, 0, 0)
    ckan.resources["res-others"].records[0]["地址"] = "江州市新地址1号"
    third = run_sync(load_config(portal), ["others"], clock=ticking(T0 + timedelta(days=2)))
    assert (third.fetched, third.changed, third.failed) == (1, 1, 0)
    assert load_dataset("others").rows[0]["address"] == "江州市新地址1号"


FAULT_KINDS = {
    "timeout": ("timeout", "门户响应超时"),
    "http500": ("http", "HTTP 500"),
    "malformed": ("malformed", "不是合法的 JSON"),
    "not_json_envelope": ("malformed", "{success, result}"),
    "validation": ("api", "Validation Error"),
    "same_next": ("paging", "分页链接重复"),
    "endless": ("paging", "上限 6"),
    "partial": ("invalid", "门户声明共 7 条"),
    "foreign_next": ("malformed", "其他站点"),
}


@pytest.mark.parametrize("fault", sorted(FAULT_KINDS))
def test_a_fault_keeps_the_previous_copy_and_is_reported(portal: Path, ckan: FakeCkan, fault: str) -> None:
    config = load_config(portal)
    run_sync(config, clock=ticking())
    before = load_dataset("clinics")
    ckan.set_fault("res-clinics", fault)
    report = run_sync(config, clock=ticking(T0 + timedelta(days=1)))
    outcome = report.outcome("clinics")
    kind, words = FAULT_KINDS[fault]
    assert not outcome.ok and outcome.error_kind == kind and words in (outcome.error or "")
    assert outcome.kept_previous and "保留原有缓存（7 条）" in outcome.describe()
    assert (report.fetched, report.failed) == (1, 1)  # the other dataset still synced
    assert load_dataset("clinics") == before  # rows, date and fetch time all untouched
    last = attempts("clinics")[-1]
    assert not last.ok and last.error_kind == kind and words in last.error


def test_not_found_resource_is_reported_as_such(portal: Path, ckan: FakeCkan, tmp_path: Path) -> None:
    run_sync(load_config(portal), clock=ticking())
    del ckan.resources["res-clinics"]
    report = run_sync(load_config(portal), ["clinics"], clock=ticking())
    assert report.outcome("clinics").error_kind == "api" and "Not Found Error" in report.outcome("clinics").error
    assert load_dataset("clinics").row_count == 7


def test_a_record_missing_a_required_field_rejects_the_whole_payload(portal: Path, ckan: FakeCkan) -> None:
    run_sync(load_config(portal), clock=ticking())
    before = load_dataset("clinics")
    ckan.resources["res-clinics"].records[4]["联系电话"] = "  "
    ckan.resources["res-clinics"].records[1]["纬度"] = "north"
    report = run_sync(load_config(portal), ["clinics"], clock=ticking())
    error = report.outcome("clinics").error or ""
    assert report.failed == 1 and report.outcome("clinics").error_kind == "invalid"
    assert "第 5 条记录（_id=5，“测试诊所5”）缺少必填字段 phone（门户字段“联系电话”）" in error
    assert "第 2 条记录" in error and "latitude" in error
    assert load_dataset("clinics") == before


def test_an_empty_payload_never_replaces_good_data(portal: Path, ckan: FakeCkan) -> None:
    run_sync(load_config(portal), clock=ticking())
    ckan.resources["res-clinics"].records.clear()
    report = run_sync(load_config(portal), ["clinics"], clock=ticking())
    assert report.outcome("clinics").error_kind == "invalid" and "空数据不会覆盖缓存" in report.outcome("clinics").error
    assert load_dataset("clinics").row_count == 7


def test_duplicate_records_from_bad_paging_are_rejected(portal: Path, ckan: FakeCkan) -> None:
    records = ckan.resources["res-clinics"].records
    records[3] = dict(records[2])  # same _id and name twice
    report = run_sync(load_config(portal), ["clinics"], clock=ticking())
    assert report.failed == 1 and "_id 重复" in report.outcome("clinics").error
    assert load_dataset("clinics") is None


def test_a_first_sync_that_fails_leaves_no_cache_and_says_so(portal: Path, ckan: FakeCkan) -> None:
    ckan.set_fault("res-clinics", "http500")
    report = run_sync(load_config(portal), ["clinics"], clock=ticking())
    outcome = report.outcome("clinics")
    assert not outcome.kept_previous and "缓存中暂无此数据集" in outcome.describe()
    assert load_dataset("clinics") is None


def test_portal_file_errors_are_plain(tmp_path: Path, portal: Path) -> None:
    with pytest.raises(ConfigError, match="未配置的数据集：nope"):
        load_config(portal).select(["nope"])
    bad = write_portal(tmp_path / "bad.yml", "http://127.0.0.1:1", {
        "x": {**clinic_dataset("r"), "required": ["name", "colour"]},
        "y": {**clinic_dataset("r"), "types": {"latitude": "decimal"}},
    })
    with pytest.raises(ConfigError) as error:
        load_config(bad)
    assert "datasets.x.required 中的字段未映射：colour" in error.value.message
    assert "datasets.y.types" in error.value.message
    with pytest.raises(ConfigError, match="找不到门户配置文件"):
        load_config(tmp_path / "missing.yml")


def test_cli_sync_prints_progress_summary_and_fails_on_errors(portal: Path, ckan: FakeCkan,
                                                              capsys: pytest.CaptureFixture) -> None:
    from bot.__main__ import main

    assert main(["opendata", "sync", "--portal", str(portal)]) == 0
    out = capsys.readouterr()
    assert "[fetched=2 changed=2 failed=0]" in out.out and "clinics" in out.err  # progress bar on stderr
    ckan.set_fault("res-others", "http500")
    assert main(["opendata", "sync", "--portal", str(portal), "--quiet", "--dataset", "others"]) == 1
    out = capsys.readouterr().out
    assert "[fetched=0 changed=0 failed=1]" in out and "HTTP 500" in out and "保留原有缓存（4 条）" in out
    assert main(["opendata", "status", "--portal", str(portal)]) == 0
    status = capsys.readouterr().out
    assert "clinics" in status and "2026-10-20" in status and "失败" in status and "HTTP 500" in status
    assert main(["opendata", "sync", "--portal", str(portal), "--dataset", "nope"]) == 2
