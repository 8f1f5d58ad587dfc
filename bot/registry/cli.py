"""``python -m bot registry import|export|check``."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.config import get_settings
from bot.registry.export import export_registry
from bot.registry.importer import import_registry
from bot.registry.schema import RegistryError
from bot.registry.seed import load_seed
from bot.stores import create_all

logger = logging.getLogger(__name__)


def register(sub: "argparse._SubParsersAction") -> None:
    parser = sub.add_parser("registry", help="服务事项库：导入、导出、校验")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="校验并导入种子数据（幂等）")
    imp.add_argument("--dir", type=Path, default=None, help="种子目录，默认 data/registry")
    imp.set_defaults(func=_import)
    exp = commands.add_parser("export", help="按种子格式导出")
    exp.add_argument("dir", type=Path)
    exp.set_defaults(func=_export)
    chk = commands.add_parser("check", help="只校验，不写库")
    chk.add_argument("--dir", type=Path, default=None)
    chk.set_defaults(func=_check)


def _import(args: argparse.Namespace) -> int:
    directory = args.dir or get_settings().registry_dir
    create_all()
    try:
        report = import_registry(directory)
    except RegistryError as exc:
        print(f"导入失败，数据库未改动：\n{exc}", file=sys.stderr)
        return 1
    print(f"已导入 {report.items} 个事项（新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}），"
          f"{report.locations} 个办理地点")
    return 0


def _export(args: argparse.Namespace) -> int:
    create_all()
    count = export_registry(args.dir)
    print(f"已导出 {count} 个事项到 {args.dir}")
    return 0


def _check(args: argparse.Namespace) -> int:
    try:
        locations, items = load_seed(args.dir or get_settings().registry_dir)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"校验通过：{len(items)} 个事项，{len(locations)} 个办理地点")
    return 0
