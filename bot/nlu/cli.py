"""``python -m bot nlu vocab``: regenerate the registry vocabulary for training."""
from __future__ import annotations

import argparse
import sys
from typing import List

from bot.config import get_settings
from bot.db import session_scope
from bot.nlu.training import train_if_changed
from bot.nlu.vocab import generate
from bot.registry.repository import RegistryRepository, load_items


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("nlu", help="语言理解：从事项库生成词典和同义词")
    commands = parser.add_subparsers(dest="command", required=True)
    vocab = commands.add_parser("vocab", help="生成 jieba 词典与实体同义词（内容不变则不写）")
    vocab.set_defaults(func=_vocab)
    train = commands.add_parser("train", help="数据或配置有变化时才训练新版本，评估后启用（见 python -m bot model）")
    train.add_argument("--force", action="store_true", help="无论是否变化都重新训练")
    train.set_defaults(func=_train)


def _vocab(args: argparse.Namespace) -> int:
    settings = get_settings()
    items = load_items()
    if not items:
        print("事项库为空：请先运行 python -m bot registry import")
        return 1
    jieba_changed, syn_changed = generate(items, settings.jieba_dir, settings.generated_nlu_dir, _life_event_terms())
    print(f"词汇表：{len(items)} 个事项；词典{'已更新' if jieba_changed else '未变'}，"
          f"同义词{'已更新' if syn_changed else '未变'}")
    return 0


def _life_event_terms() -> List[str]:
    """The names and aliases of the registry's life events (一件事), kept whole by jieba like item names."""
    with session_scope() as session:
        return [term for event in RegistryRepository(session).life_events() for term in [event.name, *event.aliases]]


def _train(args: argparse.Namespace) -> int:
    from bot.models.store import ModelError

    try:
        trained = train_if_changed(force=args.force)
    except ModelError as exc:  # the gate refused the new version, or training failed
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print("模型已重新训练" if trained else "训练数据和配置未变，沿用已有模型")
    return 0
