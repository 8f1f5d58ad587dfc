"""``python -m bot routing …``: train, eval, tune, list, activate, route, ensure.

Exit status: 0 done, 1 no such model/version (or one that cannot be loaded), 2 a file or column
that cannot be used (missing column — the message names it and the headers the file has; one
class only; not a spreadsheet). Empty texts and formulas are skipped and counted; texts over
2,000 characters are cut and counted. Training reports its progress on stderr, one line a step.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

# the usual label columns and the model name each gets when --name is not given
DEFAULT_NAMES = {"承办部门": "department", "诉求类型": "type"}


def register(sub: Any) -> None:
    parser = sub.add_parser("routing", help="12345 工单分拨：诉求类型和承办部门分类器（训练、评估、版本）")
    routing = parser.add_subparsers(dest="routing_command", required=True)

    def common(p: argparse.ArgumentParser, file: bool = True) -> None:
        if file:
            p.add_argument("file", type=Path)
            p.add_argument("--sheet", default=None, help="工作表名称（xlsx；默认第一个）")
            p.add_argument("--text-col", required=True, metavar="HEADER", help="诉求文本所在列的表头，如 诉求内容")
            p.add_argument("--label-col", required=True, metavar="HEADER", help="标签列的表头，如 承办部门 或 诉求类型")
        p.add_argument("--models-dir", type=Path, default=None, help=argparse.SUPPRESS)

    p = routing.add_parser("train", help="训练一个新版本（该名称还没有启用的版本时自动启用）")
    common(p)
    p.add_argument("--group-col", default=None, metavar="HEADER",
                   help="分组列的表头（如 诉求分类）：交叉验证时同组的消息不拆开，转人工阈值更可信")
    p.add_argument("--name", default=None, metavar="MODEL",
                   help="模型名（默认：承办部门→department，诉求类型→type）")
    p.add_argument("--target-accuracy", type=float, default=0.9,
                   help="置信度阈值以上的工单至少有多少比例分对（交叉验证；默认 0.9），阈值以下转人工分拨")
    p.add_argument("--activate", action="store_true", help="训练完即启用新版本")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_train)

    p = routing.add_parser("eval", help="在另一份标注文件上评估（与同一训练数据上的基线对比）")
    common(p)
    p.add_argument("--name", default=None, metavar="MODEL", help="模型名（启用的版本）或 名称/版本")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_eval)

    p = routing.add_parser("tune", help="在训练没用过的标注文件（如最近一个月已办结的工单）上重新选择转人工阈值")
    common(p)
    p.add_argument("--name", default=None, metavar="MODEL", help="模型名（启用的版本）或 名称/版本")
    p.add_argument("--target-accuracy", type=float, default=None,
                   help="不转人工的工单至少有多少比例分对（默认：训练时的目标）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_tune)

    p = routing.add_parser("list", help="列出模型版本")
    common(p, file=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_list)

    p = routing.add_parser("activate", help="启用一个版本：名称/版本（或只有一个模型有的版本号）")
    common(p, file=False)
    p.add_argument("spec", metavar="NAME", help="名称/版本；或 名称 加第二个参数 版本")
    p.add_argument("version", nargs="?", default=None, metavar="VERSION")
    p.set_defaults(func=_activate)

    p = routing.add_parser("ensure", help="示例模型（department、type）缺失或过期时用示例数据训练并启用；"
                                          "没有变化就什么都不做")
    common(p, file=False)
    p.add_argument("--sample", type=Path, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_ensure)

    p = routing.add_parser("route", help='分拨一条诉求："TEXT"，或 - 从标准输入每行一条')
    common(p, file=False)
    p.add_argument("text")
    p.add_argument("--name", default="department", metavar="MODEL")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_route)


def _name(args: argparse.Namespace) -> str:
    if args.name:
        return str(args.name)
    return DEFAULT_NAMES.get(args.label_col.strip(), args.label_col.strip())


def _error(message: object, code: int) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return code


def _progress(stage: str, done: int, total: int) -> None:
    """Training progress on stderr, one line a step (readable in a log as well as a terminal)."""
    print(f"  {stage} {done}/{total}", file=sys.stderr, flush=True)


def _train(args: argparse.Namespace) -> int:
    from bot.faq.sheet import SheetError
    from bot.routing.data import read_labelled
    from bot.routing.store import StoreError, check_name
    from bot.routing.train import train

    name = _name(args)
    if not 0.0 < args.target_accuracy <= 1.0:
        return _error(f"--target-accuracy 应在 0 和 1 之间（如 0.9），不是 {args.target_accuracy}", 2)
    try:
        check_name(name)
        data = read_labelled(args.file, args.text_col, args.label_col, args.sheet, group_col=args.group_col)
    except (SheetError, StoreError) as exc:
        return _error(exc, 2)
    print(f"读入 {args.file}：{data.summary()}", file=sys.stderr, flush=True)
    small = [f"{label}（{n}）" for label, n in data.counts.items() if n < 5]
    if small:
        print(f"注意：这些类别样本很少，分拨会不准：{'、'.join(small)}", file=sys.stderr)
    version = train(data, name, root=args.models_dir, target=args.target_accuracy, label_col=args.label_col,
                    text_col=args.text_col, group_col=args.group_col or "", progress=_progress,
                    activate=True if args.activate else None)
    meta = version.meta
    if args.json:
        print(json.dumps({"name": version.name, "version": version.version, "active": version.active,
                          "n": meta["data"]["n"], "threshold": meta["threshold"], "cv": meta["cv"],
                          "baseline": meta["baseline"], "train_seconds": meta["train_seconds"]}, ensure_ascii=False))
        return 0
    cv, base = meta["cv"], meta["baseline"]
    print(f"{version.name}/{version.version}{'（已启用）' if version.active else '（未启用：routing activate 启用）'}")
    print(f"  交叉验证（{cv['describe']}）：macro-F1 {cv['macro_f1']:.3f}，准确率 {cv['accuracy']:.3f}"
          f"（基线 {base['cv_macro_f1']:.3f} / {base['cv_accuracy']:.3f}）")
    if cv["grouped_by"] != "group-column":
        print("  提示：没有分组列时只把近似重复的消息分在一组，阈值可能偏乐观；有 诉求分类 等列时请加 --group-col",
              file=sys.stderr)
    print(f"  转人工阈值 {meta['threshold']:.3f}：{cv['triage_share']:.1%} 转人工，"
          f"其余准确率 {cv['accepted_accuracy']:.1%}")
    print(f"  用时 {meta['train_seconds']:.1f} 秒")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from bot.faq.sheet import SheetError
    from bot.routing.data import read_labelled
    from bot.routing.store import StoreError, resolve
    from bot.routing.train import evaluate

    try:
        data = read_labelled(args.file, args.text_col, args.label_col, args.sheet, min_classes=1)
    except SheetError as exc:
        return _error(exc, 2)
    try:
        version = resolve(_name(args), args.models_dir)
        if not args.json:
            print(f"读入 {args.file}：{data.summary()}", file=sys.stderr)
        result: Dict[str, Any] = evaluate(version, data)
    except StoreError as exc:
        return _error(exc, 1)
    triage = result["triage"]
    if args.json:
        print(json.dumps({**result, "model": f"{version.name}/{version.version}"}, ensure_ascii=False))
        return 0
    base = result["baseline"]
    print(f"{version.name}/{version.version} 在 {args.file}（{result['n']} 条）：")
    print(f"  路由器 macro-F1 {result['macro_f1']:.3f}  准确率 {result['accuracy']:.3f}")
    print(f"  基线   macro-F1 {base['macro_f1']:.3f}  准确率 {base['accuracy']:.3f}  "
          f"（差 {result['macro_f1'] - base['macro_f1']:+.3f} / {result['accuracy'] - base['accuracy']:+.3f}）")
    print(f"  阈值 {triage['threshold']:.3f}：{triage['triage_share']:.1%} 转人工，其余准确率 "
          f"{triage['accepted_accuracy']:.1%}")
    needed = triage["for_target"]
    print(f"  （这份文件要达到 {needed['target_accuracy']:.0%}，阈值 {needed['threshold']:.3f} 就够："
          f"{needed['triage_share']:.1%} 转人工；可用 routing tune 在训练没用过的文件上调整）")
    for label, row in result["per_class"].items():
        print(f"    {label:<12} P {row['precision']:.2f}  R {row['recall']:.2f}  F1 {row['f1']:.2f}  "
              f"n {row['support']}")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from bot.faq.sheet import SheetError
    from bot.routing.data import read_labelled
    from bot.routing.store import StoreError, resolve
    from bot.routing.train import tune

    if args.target_accuracy is not None and not 0.0 < args.target_accuracy <= 1.0:
        return _error(f"--target-accuracy 应在 0 和 1 之间（如 0.9），不是 {args.target_accuracy}", 2)
    try:
        data = read_labelled(args.file, args.text_col, args.label_col, args.sheet, min_classes=1)
    except SheetError as exc:
        return _error(exc, 2)
    try:
        version = resolve(_name(args), args.models_dir)
    except StoreError as exc:
        return _error(exc, 1)
    if data.fingerprint == version.meta.get("data", {}).get("fingerprint"):
        return _error("这份文件就是训练这个版本用的数据：在见过的消息上选阈值会太乐观，请用训练没用过的工单", 2)
    if len(data.texts) < 100:
        print(f"注意：只有 {len(data.texts)} 条，选出的阈值不太可靠（最好几百条）", file=sys.stderr)
    try:
        result = tune(version, data, args.target_accuracy)
    except StoreError as exc:
        return _error(exc, 1)
    if args.json:
        print(json.dumps({"model": f"{version.name}/{version.version}", **result}, ensure_ascii=False))
        return 0
    before, after = result["before"], result["after"]
    print(f"{version.name}/{version.version} 在 {args.file}（{result['n']} 条）上选阈值，"
          f"目标 {result['target_accuracy']:.0%}：")
    print(f"  原阈值 {before['threshold']:.3f}：{before['triage_share']:.1%} 转人工，其余准确率 "
          f"{before['accepted_accuracy']:.1%}")
    print(f"  新阈值 {after['threshold']:.3f}：{after['triage_share']:.1%} 转人工，其余准确率 "
          f"{after['accepted_accuracy']:.1%}（已保存，运行中的助手一秒内生效）")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bot.routing.store import versions

    rows = versions(args.models_dir)
    if args.json:
        print(json.dumps([v.as_dict() for v in rows], ensure_ascii=False))
        return 0
    for v in rows:
        f1 = v.meta.get("cv", {}).get("macro_f1")
        print(f"{'*' if v.active else ' '} {v.name}/{v.version}\t{v.meta.get('created', '')}\t"
              f"macro-F1 {f1 if f1 is not None else '-'}\tn {v.meta.get('data', {}).get('n', '-')}\t"
              f"{v.meta.get('data', {}).get('file', '')}")
    if not rows:
        print("（还没有路由模型：python -m bot routing train …）")
    return 0


def _activate(args: argparse.Namespace) -> int:
    from bot.routing.store import StoreError, activate, resolve

    try:
        version = resolve(f"{args.spec}/{args.version}" if args.version else args.spec, args.models_dir)
        activate(version.name, version.version, args.models_dir)
    except StoreError as exc:
        return _error(exc, 1)
    print(f"已启用 {version.name}/{version.version}")
    return 0


def _ensure(args: argparse.Namespace) -> int:
    from bot.faq.sheet import SheetError
    from bot.routing.ensure import SAMPLE_FILE, ensure

    sample = args.sample or SAMPLE_FILE
    try:
        outcomes = ensure(args.models_dir, sample, progress=_progress)
    except SheetError as exc:
        return _error(f"示例数据 {sample} 不可用：{exc}", 2)
    for o in outcomes:
        done = {"trained": "已训练并启用", "current": "已是最新", "kept": "保留"}[o.action]
        print(f"{o.name}/{o.version}：{done}（{o.reason}）")
    return 0


def _route(args: argparse.Namespace) -> int:
    from bot.routing.router import route
    from bot.routing.store import StoreError

    texts = [line.rstrip("\n") for line in sys.stdin] if args.text == "-" else [args.text]
    for text in texts:
        try:
            result = route(text, args.name, args.models_dir)
        except StoreError as exc:
            return _error(exc, 1)
        if args.json:
            print(json.dumps(result.as_dict(), ensure_ascii=False), flush=True)
            continue
        others = "，".join(f"{label} {p:.2f}" for label, p in result.alternatives)
        print(f"{'转人工分拨' if result.triage else result.label}（{result.label} {result.confidence:.2f}；{others}）")
    return 0
