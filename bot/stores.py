"""Imports the table definitions of every store so that ``create_all`` sees them.

Each feature adds its models module here (opendata cache, WeChat de-duplication, ...).
"""
from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

STORE_MODULES = [
    "bot.registry.models",
    "bot.opendata.models",
    "bot.channels.wechat.models",
]

for _name in STORE_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a feature not installed in this deployment
        if exc.name and _name.startswith(exc.name):
            logger.debug("store %s not present", _name)
        else:
            raise
