"""The one way tests get a database: a fresh SQLite file the whole product is pointed at.

Used by the session fixture ``database_url`` (tests/conftest.py: the seed and the sample open
data imported) and by every test that needs a private database of its own, empty or seeded.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def fresh_database(path: Path, *, seed: bool = False, opendata: bool = False, faq: bool = False) -> Iterator[str]:
    """A new SQLite database at ``path`` with every store's tables; yields its URL.

    While the block runs, DATABASE_URL names it (settings cache cleared), so the product's own
    code reads and writes it; afterwards the previous DATABASE_URL is back.

    * ``seed``: import the registry seed (data/registry), as ``python -m bot registry import``;
    * ``opendata``: sync the bundled sample snapshots through the default portal.yml, as ``make`` does;
    * ``faq``: import the sample FAQ (data/faq/*.csv), as ``make`` does.
    """
    from bot.config import get_settings
    from bot.stores import create_all

    url = f"sqlite:///{path}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        create_all(url)
        if seed:
            _import_seed()
        if opendata:
            _sync_sample_snapshots()
        if faq:
            _import_sample_faq()
        yield url
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()


def _import_seed() -> None:
    from bot.config import get_settings
    from bot.registry.importer import import_registry

    import_registry(get_settings().registry_dir)


def _import_sample_faq() -> None:
    from bot.faq.store import import_samples

    reports = import_samples("tests")
    assert all(not r.rejected for r in reports), [r.rejected for r in reports]


def _sync_sample_snapshots() -> None:
    from bot.opendata.config import load_config
    from bot.opendata.sync import run_sync

    report = run_sync(load_config())
    assert report.failed == 0, [o.describe() for o in report.outcomes if not o.ok]


POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_postgres_schema(prefix: str = "t") -> Iterator[str]:
    """Every store's tables in a new schema of PostgreSQL's ``test`` database; yields its URL.

    The machines and CI start PostgreSQL (127.0.0.1:5432, trust auth) before the suite: tests
    of races and locks run against it for real. While the block runs DATABASE_URL names the
    schema (search_path), so the product's own code uses it; the schema is dropped afterwards,
    so parallel runs and other tests in that database are not disturbed.
    """
    import uuid

    from sqlalchemy import create_engine, text

    from bot.config import get_settings
    from bot.db import get_engine
    from bot.stores import create_all

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, future=True, pool_pre_ping=True)  # outlives a restart (fault tests)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        create_all(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
