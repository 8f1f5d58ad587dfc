"""Every store's tables in one place, and the one call that creates them.

Each feature that keeps data adds its models module here; :mod:`bot.db` stays free of
features, so entry points (CLIs, test fixtures) create tables through :func:`create_all`.
"""
from __future__ import annotations

from typing import Optional

import bot.accounts.models  # desk staff and admin accounts, login sessions
import bot.audit.models  # who changed what in the registry, the FAQ, ... (before → after)
import bot.channels.wechat.models  # WeChat de-duplication, offered choices, token cache
import bot.desk.models  # service-desk tickets, notes and their history
import bot.faq.models  # the FAQ knowledge base (常见问题库)
import bot.opendata.models  # open-data cache and sync log
import bot.ratings.models  # 好差评 ratings and 差评 follow-ups (整改)
import bot.registry.models  # the service registry
import bot.review.models  # the review queue's decisions and the messages they handled
import bot.workorders.models  # noqa: F401  12345-style work orders
from bot import db


def create_all(url: Optional[str] = None) -> None:
    """Create every store's missing tables (existing tables and rows are left alone), and add the
    nullable columns a model gained since (e.g. ``registry_item.deleted_at``)."""
    db.create_all(url, db.Base.metadata)
    db.add_missing_columns(url, db.Base.metadata)
