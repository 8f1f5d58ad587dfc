"""The portal types the config accepts and the adapter classes that serve them."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.opendata.adapters import ADAPTERS, CkanAdapter, make_adapter
from bot.opendata.config import ADAPTER_TYPES, load_config
from bot.opendata.errors import ConfigError


def test_every_type_the_config_accepts_has_an_adapter_and_back() -> None:
    # config.py lists the types itself so that it need not import the adapters
    assert set(ADAPTER_TYPES) == set(ADAPTERS)


def test_unknown_portal_type_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    portal = tmp_path / "portal.yml"
    portal.write_text(
        "portals:\n  city: {title: 测试门户, type: socrata, base_url: 'https://data.example'}\n"
        "datasets:\n  clinics: {resource_id: r1, fields: {name: 名称}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"portals\.city\.type 不支持 'socrata'（可用：ckan）"):
        load_config(portal)


def test_the_sample_portal_gets_a_ckan_adapter() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "data" / "opendata" / "portal.yml")
    adapter = make_adapter(next(iter(config.portals.values())))
    try:
        assert isinstance(adapter, CkanAdapter)
    finally:
        adapter.close()
