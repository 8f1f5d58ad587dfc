"""Fixtures of the open-data tests: a fake CKAN portal on 127.0.0.1 and a fresh database."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.opendata.support import FakeCkan
from tests.support.database import fresh_database


@pytest.fixture
def ckan() -> Iterator[FakeCkan]:
    server = FakeCkan().start()
    yield server
    server.stop()


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[str]:
    """An empty database (all tables, no rows) used by everything in the test."""
    with fresh_database(tmp_path / "opendata.db") as url:
        yield url
