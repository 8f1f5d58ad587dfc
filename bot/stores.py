"""Imports the table definitions of every store so that ``create_all`` sees them.

Each feature that keeps data adds its models module here.
"""
from __future__ import annotations

import bot.channels.wechat.models  # noqa: F401  WeChat de-duplication, offered choices, token cache
import bot.opendata.models  # noqa: F401  open-data cache and sync log
import bot.registry.models  # noqa: F401  the service registry
