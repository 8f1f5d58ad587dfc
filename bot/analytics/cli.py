"""``python -m bot analytics export --week YYYY-Www [--out DIR] [--json]``: the weekly open dataset."""
from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "var" / "opendata-export"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("analytics", help="统计：导出每周居民咨询开放数据集")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="导出一周的匿名统计（CKAN datastore 格式，少于 5 次的组合不公布）")
    export.add_argument("--week", required=True, help="ISO 周，例如 2026-W47（北京时间的周一至周日）")
    export.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"输出目录，默认 {DEFAULT_OUT}")
    export.add_argument("--json", action="store_true", help="以 JSON 输出结果摘要")
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from bot.analytics.opendata import ExportError, export_week, summary_json

    try:
        result = export_week(args.week, args.out)
    except ExportError as exc:
        print(f"错误：{exc}")
        return 2
    if args.json:
        print(summary_json(result))
    else:
        print(f"{result.week}：{result.messages} 条文字消息，公布 {result.rows} 行，"
              f"{result.suppressed} 个组合少于 5 次未公布")
        print(f"  {result.datastore_path}\n  {result.package_path}")
    return 0
