"""Cache tables of the open-data datasets and a log of every sync attempt."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Integer, String, Text

from bot.db import Base


class OpenDataset(Base):
    """The last good copy of one dataset; replaced as a whole inside one transaction."""

    __tablename__ = "opendata_dataset"

    id = Column(Integer, primary_key=True)
    name = Column(String(64), unique=True, nullable=False)  # our dataset name in portal.yml
    title = Column(String(200), nullable=False)  # e.g. 医疗机构名录
    portal = Column(String(64), nullable=False)  # portal key in portal.yml
    portal_title = Column(String(200), nullable=False)  # e.g. 江州市公共数据开放平台
    sample = Column(Boolean, nullable=False, default=False)  # sample data, say so in answers
    source = Column(String(500), nullable=False)  # portal URL + package / resource id
    rows = Column(JSON, nullable=False)  # list of dicts in our own schema (after field mapping)
    row_count = Column(Integer, nullable=False)
    checksum = Column(String(64), nullable=False)  # sha256 of the rows: tells "changed"
    source_updated = Column(Date)  # when the publisher last changed it (portal metadata)
    fetched_at = Column(DateTime, nullable=False)  # UTC, naive


class OpenDataSync(Base):
    """One sync attempt of one dataset, good or failed (what ``opendata status`` shows)."""

    __tablename__ = "opendata_sync"

    id = Column(Integer, primary_key=True)
    dataset = Column(String(64), nullable=False, index=True)
    started_at = Column(DateTime, nullable=False)  # UTC, naive
    ok = Column(Boolean, nullable=False)
    changed = Column(Boolean, nullable=False, default=False)
    row_count = Column(Integer)
    error_kind = Column(String(32))  # timeout / http / malformed / api / paging / invalid / ...
    error = Column(Text)
