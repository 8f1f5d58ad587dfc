"""``python -m bot web serve`` and ``python -m bot run`` (the whole assistant)."""
from __future__ import annotations

import argparse

from bot.config import get_settings
from bot.runner import Ports, run_forever


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("web", help="网页聊天页面")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="只启动网页聊天页面")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--rasa-url", default=None)
    serve.set_defaults(func=_serve)
    run = sub.add_parser("run", help="启动整个助手：动作服务器、Rasa 服务器、网页聊天")
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument("--web-port", type=int, default=None)
    run.set_defaults(func=_run)


def _serve(args: argparse.Namespace) -> int:
    from bot.web.server import serve

    settings = get_settings()
    serve(args.port or settings.web_port, args.rasa_url or settings.rasa_url)
    return 0


def _run(args: argparse.Namespace) -> int:
    return run_forever(Ports(rasa=args.rasa_port, actions=args.actions_port,
                             web=args.web_port or get_settings().web_port))
