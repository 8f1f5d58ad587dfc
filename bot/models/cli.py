"""``python -m bot model train|evaluate|list|activate VERSION|rollback|status [--json]``.

Exit codes: 0 done; 1 refused (the gate, a run already in progress, nothing to roll back to, a version
not ready) or failed (training, the running assistant could not switch); 2 bad input (a malformed or
unknown version, force without a reason).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any, Dict, List, Optional

from bot.audit.log import cli_actor
from bot.models import lifecycle, serving, store, trainer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("model", help="模型版本：训练、评估、列表、启用、回滚")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="训练一个新版本并用留出集评估（不启用）")
    train.add_argument("--background", action="store_true", help="在后台训练，立即返回")
    train.add_argument("--json", action="store_true")
    train.set_defaults(func=_train)
    evaluate = commands.add_parser("evaluate", help="用留出集重新评估一个版本（默认当前版本）")
    evaluate.add_argument("version", nargs="?")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=_evaluate)
    listing = commands.add_parser("list", help="所有版本及其 macro-F1，标出当前版本")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
    activate = commands.add_parser("activate", help="启用一个版本；运行中的助手换上它之后才返回")
    activate.add_argument("version")
    activate.add_argument("--force", action="store_true", help="macro-F1 下降超过 2 个百分点时仍然启用（需 --reason）")
    activate.add_argument("--reason", default="", help="强制启用的理由（记入修改记录）")
    activate.add_argument("--no-wait", action="store_true", help="不等运行中的助手换上新模型")
    activate.add_argument("--timeout", type=float, default=900.0, help="最多等多少秒（默认 900）")
    activate.add_argument("--json", action="store_true")
    activate.set_defaults(func=_activate)
    rollback = commands.add_parser("rollback", help="回到上一个启用过的版本（不受评估门槛限制）")
    rollback.add_argument("--no-wait", action="store_true")
    rollback.add_argument("--timeout", type=float, default=900.0)
    rollback.add_argument("--json", action="store_true")
    rollback.set_defaults(func=_rollback)
    status = commands.add_parser("status", help="训练进度和运行中的助手用的版本")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_status)


def _out(args: argparse.Namespace, value: Any, text: str) -> None:
    if args.json:
        print(json.dumps(value, ensure_ascii=False, indent=1))
    else:
        print(text)


def _refused(exc: store.ModelError) -> int:
    print(f"错误：{exc}", file=sys.stderr)
    return 2 if exc.status in (400, 404) else 1


def _f1(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "—"


def _train(args: argparse.Namespace) -> int:
    try:
        if args.background:
            started = trainer.start_background(cli_actor())
            _out(args, started, f"已在后台开始训练版本 {started['version']}；进度：python -m bot model status")
            return 0
        stop = threading.Event()
        reporter = threading.Thread(target=_report_progress, args=(stop,), daemon=True)
        reporter.start()
        try:
            meta = trainer.train(cli_actor())
        finally:
            stop.set()
    except store.ModelError as exc:
        return _refused(exc)
    active = store.active_version()
    now = store.read_meta(active) if active else {}
    _out(args, lifecycle.summary(meta, active),
         f"版本 {meta['version']} 训练完成：意图 macro-F1 {_f1(meta.get('macro_f1'))}"
         f"（当前版本 {active or '无'}：{_f1(now.get('macro_f1'))}）。"
         f"启用：python -m bot model activate {meta['version']}")
    return 0


def _report_progress(stop: threading.Event) -> None:
    """Progress on stderr every few seconds while a foreground run trains (stdout stays for --json)."""
    said = ""
    while not stop.wait(5):
        info = trainer.status()
        step = info.get("progress") or {}
        line = {"training": "训练中", "evaluating": "评估中"}.get(str(info.get("state")), "")
        if line and step:
            line += f"：第 {step['epoch']}/{step['epochs']} 轮"
        if line and line != said:
            print(line, file=sys.stderr, flush=True)
            said = line


def _evaluate(args: argparse.Namespace) -> int:
    try:
        version = args.version or store.active_version()
        if not version:
            raise store.ModelError("没有当前版本：请指定要评估的版本", 404)
        store.read_meta(store.check_name(version))
        meta = trainer.evaluate(version)
    except store.ModelError as exc:
        return _refused(exc)
    _out(args, lifecycle.summary(meta, store.active_version()),
         f"版本 {version}：意图 macro-F1 {_f1(meta.get('macro_f1'))}，准确率 {_f1(meta.get('accuracy'))}")
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = lifecycle.versions()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if store.legacy_model():
        print("models/assistant.tar.gz 是还没有登记为版本的模型（make model 或 model activate 时登记）。")
    if not rows:
        print("还没有模型版本：python -m bot model train")
        return 0
    states = {"ready": "", "failed": "训练失败", "interrupted": "已中断", "queued": "排队中", "training": "训练中",
              "evaluating": "评估中"}
    for row in rows:
        mark = "*" if row["active"] else " "
        print(f"{mark} {row['version']}  macro-F1 {_f1(row['macro_f1'])}  {str(row['created'] or '')[:19]}  "
              f"{row['by'] or ''}  {states.get(row['state'], row['state'])}")
    return 0


def _activate(args: argparse.Namespace) -> int:
    try:
        result = lifecycle.activate(args.version, cli_actor(), "cli", force=args.force, reason=args.reason)
    except store.ModelError as exc:
        return _refused(exc)
    return _finish(args, result, "启用")


def _rollback(args: argparse.Namespace) -> int:
    try:
        result = lifecycle.rollback(cli_actor(), "cli")
    except store.ModelError as exc:
        return _refused(exc)
    return _finish(args, result, "回滚到")


def _finish(args: argparse.Namespace, result: Dict[str, Any], verb: str) -> int:
    """Wait until the running assistant answers with the version (unless --no-wait), then report."""
    version = result["version"]
    stacks: Optional[List[Dict[str, Any]]] = None
    if not result["changed"]:
        text = f"版本 {version} 已经是当前版本"
    else:
        text = f"已{verb}版本 {version}（原为 {result['previous'] or '无'}）"
        text += "，强制启用已记入修改记录" if result["forced"] else ""
        if not args.no_wait:
            try:
                stacks = serving.wait_for(version, result["since"], timeout=args.timeout)
            except store.ModelError as exc:
                return _refused(exc)
            text += "；运行中的助手已换上新模型" if stacks else "；没有运行中的助手，下次启动时使用"
    _out(args, {**result, "serving": stacks}, text)
    return 0


def _status(args: argparse.Namespace) -> int:
    training, active, stacks = trainer.status(), store.active_version(), serving.live()
    step = training.get("progress") or {}
    lines = [f"当前版本：{active or '无'}",
             f"最近一次训练：{training.get('version') or '无'} {training.get('state') or ''}"
             + (f" 第 {step['epoch']}/{step['epochs']} 轮" if step else "")]
    lines += [f"运行中的助手（{r['profile']}，进程 {r['pid']}）：{r.get('version') or '未登记的模型'} {r['state']}"
              for r in stacks]
    _out(args, {"training": training, "active": active, "serving": stacks}, "\n".join(lines))
    return 0
