"""``python -m bot.rasa_server [rasa run options]``: Rasa's own server, its API token from the environment.

``rasa run --auth-token TOKEN`` puts the token in the process's command line, which any local user
reads with ``ps`` or ``/proc/PID/cmdline``. This entry point takes the same options as ``rasa run``
except the token, reads it from ``RASA_AUTH_TOKEN`` (the environment of a process is readable by
its owner and root only) and hands everything to Rasa's own command line (``rasa.__main__.main``:
logging set-up, ``rasa.cli.run`` → ``rasa.api.run`` → ``rasa.core.run.serve_application``). The
arguments Rasa parses live only inside the process; its command line stays as it was started.
"""
from __future__ import annotations

import os
import sys
from typing import List, Optional

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


def rasa_argv(args: List[str], token: str) -> List[str]:
    """What Rasa's command line should see: ``rasa run <args> --auth-token=<token>``, joined, since a
    token that starts with "-" (one in 64 of ``secrets.token_urlsafe``) would be read as an option."""
    return ["rasa", "run", *args, f"--auth-token={token}"]


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in args):
        print("错误：不要在命令行里传 --auth-token（ps 能看到），请用环境变量 RASA_AUTH_TOKEN。", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        print(f"错误：没有设置 {TOKEN_VARIABLE}：Rasa 的 HTTP API 必须有令牌保护。", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    from bot.action_failures import install as reply_when_actions_fail

    reply_when_actions_fail()  # a polite reply, not silence, when no action server answers
    from bot.registry.live import warm_in_background

    warm_in_background()  # the NLU's registry resolver, built before the first resident needs it
    sys.argv = rasa_argv(args, token)  # parsed in this process only; /proc/PID/cmdline is unchanged
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
