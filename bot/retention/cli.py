"""``python -m bot privacy …``: purge what is past retention, export or delete one resident's data.

Uses ``DATABASE_URL`` (tickets, work orders, ratings, WeChat rows) and ``TRACKER_DB_URL`` (the
conversations; see bot.config). Deletions are audited (entity ``privacy``, actor ``cli:<user>``;
the resident's id only as a digest). Exit status: 0 done, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from bot.config import get_settings

MAX_SENDER_CHARS = 255  # the widest sender_id column (rating)


def register(sub: Any) -> None:
    parser = sub.add_parser("privacy", help="个人信息：按保存期限清除，按本人请求导出或删除")
    privacy = parser.add_subparsers(dest="privacy_command", required=True)

    p = privacy.add_parser("purge", help="清除超过保存期限的对话、工单和服务台记录中的个人信息")
    p.add_argument("--older-than", type=int, default=None, metavar="DAYS",
                   help="保存天数（默认 RETENTION_DAYS，180）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出数量")
    p.set_defaults(func=_purge)

    p = privacy.add_parser("export", help="以 JSON 导出一位居民（会话编号）的全部数据")
    p.add_argument("--sender", required=True, help="会话编号：网页会话号、微信 openid 或 REST sender")
    p.add_argument("--output", type=Path, default=None, help="写入文件（默认打印到标准输出）")
    p.set_defaults(func=_export)

    p = privacy.add_parser("delete", help="删除一位居民（会话编号）的全部数据（统计所需的记录匿名保留）")
    p.add_argument("--sender", required=True, help="会话编号：网页会话号、微信 openid 或 REST sender")
    p.add_argument("--json", action="store_true", help="以 JSON 输出数量")
    p.set_defaults(func=_delete)


LABELS = {"conversation_events": "对话事件", "conversations": "整段对话", "ticket_notes": "服务台备注",
          "tickets": "服务台工单", "work_orders": "12345 工单", "ratings": "评价", "wechat_rows": "微信记录"}


def _report(counts: Any, as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps(counts, ensure_ascii=False))
        return
    print(title + "：" + "，".join(f"{LABELS.get(k, k)} {v}" for k, v in counts.items()))


def _sender(value: str) -> Optional[str]:
    value = value.strip()
    if not value or len(value) > MAX_SENDER_CHARS:
        print(f"错误：会话编号应为 1–{MAX_SENDER_CHARS} 个字符。", file=sys.stderr)
        return None
    return value


def _prepare() -> None:
    from bot.stores import create_all

    create_all()


def _purge(args: argparse.Namespace) -> int:
    days = args.older_than if args.older_than is not None else get_settings().retention_days
    if days < 1:
        print("错误：--older-than 至少为 1 天。", file=sys.stderr)
        return 2
    from bot.retention.purge import purge

    _prepare()
    _report(purge(days), args.json, f"已清除 {days} 天以前的个人信息")
    return 0


def _export(args: argparse.Namespace) -> int:
    sender = _sender(args.sender)
    if sender is None:
        return 2
    from bot.retention.requests import export_sender

    _prepare()
    text = json.dumps(export_sender(sender), ensure_ascii=False, indent=2)
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"已导出到 {args.output}", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace) -> int:
    sender = _sender(args.sender)
    if sender is None:
        return 2
    from bot.retention.requests import delete_sender

    _prepare()
    _report(delete_sender(sender), args.json, "已删除")
    return 0
