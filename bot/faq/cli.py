"""``python -m bot faq …``: import, search, list, delete, restore, history, revert, tune, sample.

Every command uses ``DATABASE_URL`` (tables created when the database is new); changes are
audited with the operating-system user as actor (``cli:<user>``; imports with source ``import``).
Exit status: 0 done (rejected rows are reported, not fatal), 1 a refused change, 2 a file or
column that cannot be read.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, List

from bot.config import PROJECT_ROOT

TUNING_FILE = PROJECT_ROOT / "tests" / "faq" / "tuning.yml"


def register(sub: Any) -> None:
    parser = sub.add_parser("faq", help="常见问题库：导入、检索、删除与恢复、阈值调优")
    faq = parser.add_subparsers(dest="faq_command", required=True)

    p = faq.add_parser("import", help="从 xlsx 或 csv 导入（按表头文字找列）")
    p.add_argument("file", type=Path)
    p.add_argument("--sheet", default=None, help="工作表名称（xlsx；默认第一个）")
    p.add_argument("--question-col", required=True, metavar="HEADER")
    p.add_argument("--answer-col", required=True, metavar="HEADER")
    p.add_argument("--department-col", default=None, metavar="HEADER")
    p.add_argument("--keywords-col", default=None, metavar="HEADER")
    p.add_argument("--replace", action="store_true", help="文件中没有的现有条目软删除（可恢复）")
    p.add_argument("--preview", action="store_true", help="只报告，不写入")
    p.add_argument("--json", action="store_true", help="以 JSON 输出报告")
    p.set_defaults(func=_import)

    p = faq.add_parser("import-sample", help="导入示例城市的常见问题（data/faq/，可重复执行）")
    p.set_defaults(func=_import_sample)

    p = faq.add_parser("search", help='检索："QUERY"，或 - 从标准输入每行一个')
    p.add_argument("query")
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_search)

    p = faq.add_parser("list", help="列出条目")
    p.add_argument("--deleted", action="store_true", help="只列已删除的")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_list)

    for name, helptext in (("delete", "删除（软删除，可恢复）"), ("restore", "恢复已删除的条目")):
        p = faq.add_parser(name, help=helptext)
        p.add_argument("id", type=int)
        p.set_defaults(func=_delete if name == "delete" else _restore)

    p = faq.add_parser("history", help="修改记录（审计日志）")
    p.add_argument("id", type=int, nargs="?", default=None)
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=_history)

    p = faq.add_parser("revert", help="撤销一次修改（审计记录编号）")
    p.add_argument("entry", type=int)
    p.set_defaults(func=_revert)

    p = faq.add_parser("tune", help="在标注集上选定检索权重和回答阈值，写入 data/faq/threshold.json")
    p.add_argument("--set", type=Path, default=TUNING_FILE)
    p.add_argument("--max-wrong", type=float, default=0.05, help="允许的错误回答比例（默认 0.05）")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(func=_tune)

    p = faq.add_parser("sample", help="由事项库生成示例常见问题（csv）")
    p.add_argument("out", type=Path)
    p.add_argument("--aspects", choices=("complement", "all"), default="complement")
    p.set_defaults(func=_sample)


def _ready() -> None:
    from bot.stores import create_all

    create_all()


def _import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.audit.log import cli_actor
    from bot.faq.sheet import Columns, SheetError, read_file
    from bot.faq.store import import_rows

    columns = Columns(args.question_col, args.answer_col, args.department_col, args.keywords_col)
    try:
        rows = read_file(args.file, columns, args.sheet)
    except SheetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    _ready()
    with tqdm(total=len(rows), desc="导入", unit="行", file=sys.stderr, disable=len(rows) < 200) as bar:
        def step(_count: int) -> None:
            bar.update(1)

        report = import_rows(rows, cli_actor(), source="import", replace=args.replace, preview=args.preview,
                             progress=step)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return 0
    print(f"{'预览（未写入）：' if args.preview else ''}added {report.added} 新增，updated {report.updated} 更新，"
          f"unchanged {report.unchanged} 未变，deleted {report.deleted} 删除，rejected {len(report.rejected)} 拒绝")
    for rejected in report.rejected:
        print(f"  第 {rejected.row} 行 (row {rejected.row})：{rejected.reason}")
    return 0


def _import_sample(args: argparse.Namespace) -> int:
    from bot.audit.log import cli_actor
    from bot.faq.store import SAMPLE_FILES, import_samples

    _ready()
    for name, report in zip(SAMPLE_FILES, import_samples(cli_actor()), strict=True):
        print(f"{name}: 新增 {report.added}，更新 {report.updated}，未变 {report.unchanged}，"
              f"拒绝 {len(report.rejected)}")
    return 0


def _search(args: argparse.Namespace) -> int:
    from bot.faq.search import search

    _ready()
    queries: List[str] = [line.rstrip("\n") for line in sys.stdin] if args.query == "-" else [args.query]
    for query in queries:
        hits = search(query, top=args.top) if query.strip() else []
        if args.json:
            print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False), flush=True)
            continue
        print(f"「{query}」")
        for hit in hits:
            print(f"  {hit.score:.3f}  #{hit.id} {hit.question}（{hit.department}）")
        if not hits:
            print("  （没有找到）")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bot.faq.store import list_entries

    _ready()
    entries, total = list_entries(deleted_only=args.deleted, limit=args.limit)
    if args.json:
        print(json.dumps([e.as_dict() for e in entries], ensure_ascii=False))
        return 0
    for e in entries:
        print(f"#{e.id}\t{e.question}\t{e.department}\t{e.updated_at:%Y-%m-%d}{'（已删除）' if e.deleted else ''}")
    print(f"共 {total} 条")
    return 0


def _change(kind: str, entry_id: int) -> int:
    from bot.audit.log import cli_actor
    from bot.faq.store import FaqError, delete_entry, restore_entry

    _ready()
    try:
        view = (delete_entry if kind == "delete" else restore_entry)(entry_id, cli_actor(), source="cli")
    except FaqError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"{'已删除' if kind == 'delete' else '已恢复'} #{view.id} {view.question}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    return _change("delete", args.id)


def _restore(args: argparse.Namespace) -> int:
    return _change("restore", args.id)


def _history(args: argparse.Namespace) -> int:
    from bot.audit.log import history
    from bot.faq.store import ENTITY

    _ready()
    for entry in history(ENTITY, str(args.id) if args.id else None, limit=args.limit):
        print(f"{entry.id}\t{entry.at:%Y-%m-%d %H:%M}\t{entry.actor}\t{entry.source}\t{entry.action}\t#{entry.key} "
              f"{entry.summary}")
    return 0


def _revert(args: argparse.Namespace) -> int:
    from bot.audit.log import AuditError, cli_actor, get_entry, revert
    from bot.faq.store import ENTITY

    _ready()
    entry = get_entry(args.entry)
    if entry is None or entry.entity != ENTITY:
        print(f"错误：常见问题的修改记录 {args.entry} 不存在", file=sys.stderr)
        return 1
    try:
        latest = revert(args.entry, cli_actor(), source="cli")
    except AuditError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"已撤销修改 {args.entry}：#{latest.key} {latest.summary}")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from bot.faq.tune import tune

    result = tune(args.set, max_wrong=args.max_wrong, write=not args.dry_run)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.faq.sample import generate, rows
    from bot.faq.sheet import write_csv

    entries = generate(get_settings().registry_dir, args.aspects)
    write_csv(args.out, rows(entries), ["问题", "答案", "部门", "关键词"])
    print(f"{len(entries)} 条写入 {args.out}")
    return 0
