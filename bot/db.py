"""Engine and session factory, created lazily on first use (never at import time).

Infrastructure only: this module imports no feature. A feature's tables join ``Base.metadata``
when its models module is imported; :mod:`bot.stores` imports every one of them and is where
entry points create the tables (``bot.stores.create_all``).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeMeta, Session, declarative_base, sessionmaker

from bot.config import get_settings, mask_url

logger = logging.getLogger(__name__)

Base: DeclarativeMeta = declarative_base()


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime, stored naive (UTC) the same way on SQLite and PostgreSQL.

    SQLite keeps no time zone and PostgreSQL's ``timestamp with time zone`` hands back the
    server's zone: every store keeps its times in this type, so code compares like with like.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:  # a naive time is ambiguous: refuse rather than guess the zone
            raise ValueError("UtcDateTime needs a timezone-aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


_lock = threading.Lock()
_engines: Dict[str, Engine] = {}


def get_engine(url: Optional[str] = None) -> Engine:
    """One engine per URL per process; SQLite gets WAL so the bot and importer can share it."""
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, future=True, pool_pre_ping=True)
            logger.info("database engine created for %s", mask_url(url))
            _engines[url] = engine
        return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_all(url: Optional[str] = None, metadata: Optional[MetaData] = None) -> None:
    """Create the tables of ``metadata`` that do not exist yet (default: all of ``Base``).

    Only tables whose models module has been imported are known here, since this module
    imports no feature: to get every store's tables, call :func:`bot.stores.create_all`.
    """
    (metadata or Base.metadata).create_all(get_engine(url))


def add_missing_columns(url: Optional[str] = None, metadata: Optional[MetaData] = None) -> List[str]:
    """Add the nullable columns a model gained since its table was created (``ALTER TABLE … ADD COLUMN``);
    the names added as ``table.column``. Only nullable columns without a server default are added:
    anything else needs a data migration and is left for one."""
    engine = get_engine(url)
    inspector = inspect(engine)
    added: List[str] = []
    for table in (metadata or Base.metadata).sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {col["name"] for col in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable or column.server_default is not None:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
            added.append(f"{table.name}.{column.name}")
            logger.info("database: added column %s.%s", table.name, column.name)
    return added


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on error."""
    factory = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
