"""The bundled sample portal: snapshots read through the CKAN client, and centres derived from the registry."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.opendata.centres import compare_rows, export, read_locations
from bot.opendata.ckan import CkanClient
from bot.opendata.config import load_config
from bot.opendata.errors import PortalAPIError
from bot.opendata.store import load_dataset
from bot.opendata.sync import run_sync

PORTAL = PROJECT_ROOT / "data" / "opendata" / "portal.yml"
SNAPSHOTS = PROJECT_ROOT / "data" / "opendata" / "snapshots"
LOCATIONS = PROJECT_ROOT / "data" / "registry" / "locations.yaml"
DISTRICTS = {"东湖区", "西山区", "南港区", "北城区", "高新区", "滨江区"}


def test_the_default_portal_is_the_snapshot_folder_behind_a_file_url() -> None:
    config = load_config(PORTAL)
    portal = config.portals["jiangzhou"]
    assert portal.type == "ckan" and portal.sample and portal.base_url == SNAPSHOTS.resolve().as_uri()
    assert {"service_centres", "hospitals", "social_security_outlets", "parking_lots"} <= set(config.datasets)


def test_snapshots_are_served_like_a_ckan_portal_with_real_paging() -> None:
    client = CkanClient(SNAPSHOTS.resolve().as_uri(), retries=0)
    hospitals = load_config(PORTAL).datasets["hospitals"]
    result = client.datastore_search_all(hospitals.resource_id, page_size=10)
    assert result.total == 25 and len(result.records) == 25 and result.pages == 3
    assert len({r["_id"] for r in result.records}) == 25
    page = client.action("datastore_search", resource_id=hospitals.resource_id, offset=20, limit=10)
    assert len(page["records"]) == 5 and page["total"] == 25 and "offset=30" in page["_links"]["next"]
    assert client.package_show(hospitals.package)["metadata_modified"].startswith("2026-10-20")
    with pytest.raises(PortalAPIError) as error:
        client.datastore_search_all("not-a-resource")
    assert error.value.error_type == "Not Found Error"


def test_every_snapshot_is_labelled_sample_data_and_covers_the_six_districts() -> None:
    for path in SNAPSHOTS.glob("*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        assert body["success"] is True and "示例数据" in body["help"], path.name
    for name in ("hospitals", "social_security_outlets", "parking_lots", "elderly_care", "schools"):
        records = json.loads((SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"))["result"]["records"]
        assert {r["所属区"] for r in records} == DISTRICTS, name


def test_sync_of_the_sample_portal_fills_every_dataset(fresh_db: str) -> None:
    report = run_sync(load_config(PORTAL))
    assert report.failed == 0 and report.fetched == len(load_config(PORTAL).datasets)
    counts = {name: load_dataset(name).row_count for name in load_config(PORTAL).datasets}
    assert counts == {"service_centres": 7, "hospitals": 25, "social_security_outlets": 15, "parking_lots": 20,
                      "elderly_care": 12, "schools": 18}
    hospitals = load_dataset("hospitals")
    assert hospitals.source_line() == (
        "数据来源：医疗机构名录（江州市公共数据开放平台，示例数据），数据更新于 2026-10-20")
    assert sum(1 for r in hospitals.rows if r["level"] == "三级甲等") >= 5
    assert all(isinstance(r["spaces"], int) for r in load_dataset("parking_lots").rows)
    assert all(r["services"] and set(r["services"]) <= {"社保", "医保"}
               for r in load_dataset("social_security_outlets").rows)


def test_the_centres_dataset_agrees_with_the_registry(fresh_db: str) -> None:
    """The registry owns the centres; the published snapshot is derived and must match it."""
    assert export(load_config(PORTAL), LOCATIONS, SNAPSHOTS, check=True) == []
    run_sync(load_config(PORTAL), ["service_centres"])
    locations, _updated = read_locations(LOCATIONS)
    assert compare_rows(load_dataset("service_centres").rows, locations) == []


def test_a_registry_change_without_re_export_is_caught(tmp_path: Path, fresh_db: str) -> None:
    changed = tmp_path / "locations.yaml"
    changed.write_text(LOCATIONS.read_text(encoding="utf-8").replace("0000-86100001", "0000-86109999"),
                       encoding="utf-8")
    folder = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, folder)
    assert export(load_config(PORTAL), changed, folder, check=True) == ["service_centres.json 与 locations.yaml 不一致"]
    run_sync(load_config(PORTAL), ["service_centres"])
    locations, _ = read_locations(changed)
    assert any("phone 不同" in p for p in compare_rows(load_dataset("service_centres").rows, locations))
    # re-exporting fixes it, and a second export changes nothing
    assert export(load_config(PORTAL), changed, folder) == ["service_centres.json 与 locations.yaml 不一致"]
    assert export(load_config(PORTAL), changed, folder, check=True) == []
    assert "0000-86109999" in (folder / "service_centres.json").read_text(encoding="utf-8")


def test_cli_export_centres_check(capsys: pytest.CaptureFixture) -> None:
    from bot.__main__ import main

    assert main(["opendata", "export-centres", "--check"]) == 0
    assert "一致" in capsys.readouterr().out
