"""Command line: ``python -m bot <area> <command>``.

Each area (registry, nlu, opendata, web, ...) owns a ``cli`` module exposing
``register(subparsers)``; this file only wires them together.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import List, Optional

from bot import privacy

AREAS = ["bot.registry.cli", "bot.nlu.cli", "bot.opendata.cli", "bot.web.cli", "bot.accounts.cli", "bot.faq.cli",
         "bot.routing.cli", "bot.retention.cli", "bot.analytics.cli", "bot.models.cli"]


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    privacy.install()
    parser = argparse.ArgumentParser(prog="python -m bot", description="江州市政务服务智能助手")
    sub = parser.add_subparsers(dest="area", required=True)
    for module_name in AREAS:
        importlib.import_module(module_name).register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
