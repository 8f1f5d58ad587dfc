"""``python -m bot opendata sync|status|export-centres``."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Optional

if TYPE_CHECKING:
    from bot.opendata.config import OpenDataConfig

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("opendata", help="开放数据：同步、状态、导出政务服务中心数据集")
    commands = parser.add_subparsers(dest="command", required=True)

    sync = commands.add_parser("sync", help="从门户拉取数据集，校验后整体替换缓存（失败时保留原缓存）")
    sync.add_argument("--dataset", action="append", metavar="NAME", help="只同步这个数据集（可重复）")
    sync.add_argument("--portal", type=Path, default=None, help="门户配置文件，默认 data/opendata/portal.yml")
    sync.add_argument("--quiet", action="store_true", help="不显示进度条")
    sync.set_defaults(func=_sync)

    status = commands.add_parser("status", help="各数据集的条数、同步时间和最近一次同步结果")
    status.add_argument("--portal", type=Path, default=None)
    status.set_defaults(func=_status)

    export = commands.add_parser("export-centres", help="由 data/registry/locations.yaml 生成政务服务中心数据集快照")
    export.add_argument("--locations", type=Path, default=None, help="默认 data/registry/locations.yaml")
    export.add_argument("--out", type=Path, default=None, help="快照目录，默认 data/opendata/snapshots")
    export.add_argument("--portal", type=Path, default=None)
    export.add_argument("--check", action="store_true", help="只比较，不一致时退出码为 1")
    export.set_defaults(func=_export_centres)


def _config(path: Optional[Path]) -> OpenDataConfig:
    from bot.opendata.config import load_config

    return load_config(path)


def _sync(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.opendata.errors import ConfigError
    from bot.opendata.sync import DatasetOutcome, run_sync
    from bot.stores import create_all

    try:
        config = _config(args.portal)
        config.select(args.dataset)
    except ConfigError as exc:
        print(exc.describe(), file=sys.stderr)
        return 2
    create_all()
    bars: Dict[str, tqdm] = {}

    def on_progress(name: str, done: int, total: Optional[int]) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = tqdm(desc=name, total=total, unit="条", file=sys.stderr, disable=args.quiet,
                                    leave=True, dynamic_ncols=True)
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def on_done(outcome: DatasetOutcome) -> None:
        bar = bars.pop(outcome.name, None)
        if bar is not None:
            bar.set_postfix_str("成功" if outcome.ok else "失败")
            bar.close()
        tqdm.write(("  ✓ " if outcome.ok else "  ✗ ") + outcome.describe(), file=sys.stdout)

    report = run_sync(config, args.dataset, on_progress=on_progress, on_done=on_done)
    print(f"{report.summary()}  [fetched={report.fetched} changed={report.changed} failed={report.failed}]")
    if report.failed:
        print("失败的数据集仍使用上一次成功同步的缓存；详情见上方和 `python -m bot opendata status`。", file=sys.stderr)
    return 1 if report.failed else 0


def _status(args: argparse.Namespace) -> int:
    from bot.hours import TZ
    from bot.opendata.errors import ConfigError
    from bot.opendata.store import dataset_status
    from bot.stores import create_all

    try:
        config = _config(args.portal)
    except ConfigError as exc:
        print(exc.describe(), file=sys.stderr)
        return 2
    create_all()
    rows = dataset_status(list(config.datasets), {n: d.title for n, d in config.datasets.items()})
    print(f"{_pad('数据集', 44)}{_pad('条数', 6)}{_pad('同步于（北京时间）', 20)}{_pad('数据更新于', 12)}最近一次同步")
    for row in rows:
        fetched = row.fetched_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if row.fetched_at else "从未同步"
        updated = row.source_updated.isoformat() if row.source_updated else "-"
        if row.last_ok is None:
            last = "-"
        elif row.last_ok:
            last = "成功"
        else:
            when = row.last_attempt_at.astimezone(TZ).strftime("%m-%d %H:%M") if row.last_attempt_at else ""
            last = f"失败 {when}：{row.last_error}"
        count = "-" if row.row_count is None else str(row.row_count)
        print(f"{_pad(row.name + ' ' + row.title, 44)}{_pad(count, 6)}{_pad(fetched, 20)}{_pad(updated, 12)}{last}")
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align for a terminal where CJK characters take two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(1, width - used)


def _export_centres(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.opendata.centres import export
    from bot.opendata.errors import ConfigError
    from bot.registry.schema import RegistryError

    settings = get_settings()
    locations = args.locations or settings.registry_dir / "locations.yaml"
    out = args.out or settings.opendata_dir / "snapshots"
    try:
        differences = export(_config(args.portal), locations, out, check=args.check)
    except ConfigError as exc:
        print(exc.describe(), file=sys.stderr)
        return 2
    except RegistryError as exc:
        print(f"{locations} 校验未通过：\n{exc}", file=sys.stderr)
        return 2
    if args.check:
        if differences:
            print("政务服务中心数据集与事项库不一致，请运行 python -m bot opendata export-centres：\n  "
                  + "\n  ".join(differences), file=sys.stderr)
            return 1
        print("政务服务中心数据集与事项库一致")
        return 0
    print(f"已生成政务服务中心数据集快照：{out}" if differences else "快照已是最新，无需改动")
    return 0
