"""``python -m bot registry import|export|check|import-sheet|export-sheet``."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.config import get_settings
from bot.registry.export import export_registry
from bot.registry.importer import import_registry
from bot.registry.life_events import load_life_events
from bot.registry.schema import RegistryError
from bot.registry.seed import load_seed
from bot.registry.sheet_cli import register_sheet_commands
from bot.stores import create_all

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
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
    register_sheet_commands(commands)
    hotline = get_settings().registry_dir.parent.parent / "tests" / "registry" / "hotline"
    cal = commands.add_parser("calibrate", help="在调参问题集上拟合“答对概率”（不用留出集）")
    cal.add_argument("--set", type=Path, default=hotline / "dev.yml")
    cal.add_argument("--target-wrong", type=float, default=0.05,
                     help="调参集上答错率的上限（议题的门槛；调参问题里的“近邻”问题特意写得难）")
    cal.add_argument("--no-labelled", action="store_true",
                     help="不把 data/registry/questions 的标注问题（按折交叉）加入拟合")
    cal.set_defaults(func=_calibrate)
    ev = commands.add_parser("evaluate", help="在标注问题集上统计答对、答错、让选、婉拒")
    ev.add_argument("file", type=Path)
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=_evaluate)
    res = commands.add_parser("resolve", help="看一句话会被认成哪个事项，以及为什么")
    res.add_argument("text")
    res.set_defaults(func=_resolve)


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
    if report.life_events and report.life_events.events:
        le = report.life_events
        print(f"已导入 {le.events} 个一件事（新增 {le.created}，更新 {le.updated}，未变 {le.unchanged}）")
    if report.skipped_deleted:
        print(f"跳过 {len(report.skipped_deleted)} 个已在管理后台删除的事项（仍为已删除，需要时在后台恢复）："
              f"{'、'.join(report.skipped_deleted)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    create_all()
    count = export_registry(args.dir)
    print(f"已导出 {count} 个事项到 {args.dir}")
    return 0


def _check(args: argparse.Namespace) -> int:
    directory = args.dir or get_settings().registry_dir
    try:
        locations, items = load_seed(directory)
        events = load_life_events(directory, items)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"校验通过：{len(items)} 个事项，{len(locations)} 个办理地点，{len(events)} 个一件事")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from bot.registry.evaluation import calibrate, evaluate, load_questions
    from bot.registry.live import CALIBRATION_FILE, QUESTIONS_DIR, build_resolver, load_records

    create_all()
    records, districts = load_records()
    resolver = build_resolver(records, districts, calibrated=False)
    questions = load_questions(args.set)
    labelled = [] if args.no_labelled else load_questions(get_settings().registry_dir / QUESTIONS_DIR)
    fitted_on = args.set.name + (f" + {QUESTIONS_DIR}/ ({len(labelled)})" if labelled else "")
    calibration, figures = calibrate(resolver, questions, args.target_wrong, fitted_on, labelled)
    path = get_settings().lexicon_dir / CALIBRATION_FILE
    path.write_text(calibration.to_json(figures), encoding="utf-8")
    resolver.calibration = calibration
    report = evaluate(resolver, questions)
    print(f"已写入 {path}：答对阈值 {calibration.commit_at:.3f}；调参集 {len(questions)} 问，"
          f"交叉验证估计答错 {figures['wrong']:.1%}、找到 {figures['found']:.1%}；"
          f"用全部调参集拟合后答错 {report.wrong_rate:.1%}，覆盖事项找到 {report.found_rate:.1%}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from bot.registry.evaluation import evaluate, load_questions
    from bot.registry.live import build_resolver, load_records

    create_all()
    records, districts = load_records()
    report = evaluate(build_resolver(records, districts), load_questions(args.file))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{report.total} 问：答错 {report.wrong} ({report.wrong_rate:.1%})，"
              f"覆盖事项 {report.covered} 问中找到 {report.right} ({report.found_rate:.1%})，"
              f"让选 {report.chose}（其中 {report.offered} 问的事项在按钮里），婉拒 {report.declined}")
    return 0


def _resolve(args: argparse.Namespace) -> int:
    import json

    from bot.registry.live import build_resolver, load_records

    create_all()
    records, districts = load_records()
    resolution = build_resolver(records, districts).resolve(args.text)
    print(json.dumps({**resolution.as_dict(), "features": resolution.features}, ensure_ascii=False, indent=2))
    return 0
