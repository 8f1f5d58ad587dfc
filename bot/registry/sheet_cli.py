"""``python -m bot registry import-sheet FILE [--dry-run]`` and ``registry export-sheet FILE``.

Registered by :mod:`bot.registry.cli`. The import prints the preview (every row with its outcome
and messages) and, unless ``--dry-run`` or any error, writes it in the same transaction; exit 2
when the file has errors (nothing written), 0 otherwise.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.audit.log import cli_actor
from bot.db import session_scope
from bot.registry.sheet_export import write_csv, write_xlsx
from bot.registry.sheet_import import Preview, apply, export_records, preview
from bot.registry.spreadsheet import MAX_FILE_BYTES
from bot.stores import create_all

STATUS_TEXT = {"created": "新增", "updated": "更新", "unchanged": "未变", "skipped": "跳过", "error": "错误"}


def register_sheet_commands(commands: Any) -> None:
    imp = commands.add_parser("import-sheet", help="导入 xlsx/csv 表格：先预览，无错误时一次性写入")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只预览，不写库")
    imp.set_defaults(func=_import_sheet)
    exp = commands.add_parser("export-sheet", help="导出为 xlsx 或 csv 表格（按文件扩展名）")
    exp.add_argument("file", type=Path)
    exp.set_defaults(func=_export_sheet)


def print_preview(result: Preview) -> None:
    for message in result.problems:
        print(f"错误  {message}")
    for warning in result.warnings:
        print(f"提示  {warning}")
    for row in result.rows:
        note = "；".join(str(m) for m in row.messages) or ("改动：" + "、".join(row.changes) if row.changes else "")
        print(f"{row.sheet} 第{row.row}行\t{row.code or '-'}\t{row.name or '-'}\t{STATUS_TEXT[row.status]}\t{note}")
    s = result.summary()
    print(f"共 {s['rows']} 行：新增 {s['created']}，更新 {s['updated']}，未变 {s['unchanged']}，跳过 {s['skipped']}，"
          f"错误 {result.errors}")


def _import_sheet(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"找不到文件 {path}", file=sys.stderr)
        return 2
    if path.stat().st_size > MAX_FILE_BYTES:
        print(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB", file=sys.stderr)
        return 2
    data = path.read_bytes()
    create_all()
    with session_scope() as session:
        result = preview(session, data, path.name)
        print_preview(result)
        if result.errors:
            print(f"有 {result.errors} 处错误，数据库未改动。", file=sys.stderr)
            return 2
        if args.dry_run:
            print("（--dry-run：未写入）")
            return 0
        report = apply(session, result, cli_actor())
    print(f"已导入：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}")
    return 0


def _export_sheet(args: argparse.Namespace) -> int:
    path: Path = args.file
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        print("文件名须以 .xlsx 或 .csv 结尾", file=sys.stderr)
        return 2
    create_all()
    with session_scope() as session:
        items, locations = export_records(session)
    path.write_bytes(write_xlsx(items, locations) if suffix == ".xlsx" else write_csv(items, locations))
    print(f"已导出 {len(items)} 个事项到 {path}")
    return 0
