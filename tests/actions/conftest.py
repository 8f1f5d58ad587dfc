"""Every action test runs against the real database (trackers and the runner: tests/support/trackers.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _registry_db(database_url: str) -> str:
    """Every action test reads the real seed from a real database."""
    return database_url
