"""``python -m bot.scaleout`` (``make run-scaled``): prepare PostgreSQL, start the scaled profile, print
the one URL residents use, keep it running, stop everything on Ctrl-C or SIGTERM."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

from bot import privacy
from bot.config import get_settings
from bot.runner import VENV_BIN, _first_admin
from bot.scaleout.stack import ScaledConfig, ScaledStack, ensure_postgres_database, wait_until_stopped


def prepare(config: ScaledConfig) -> None:
    """The database exists, has every table, the registry seed, the open-data cache and the sample
    FAQ (what ``make data`` does for SQLite, idempotent), and an admin account."""
    if ensure_postgres_database(config.database_url):
        print("已创建 PostgreSQL 数据库。", flush=True)
    os.environ["DATABASE_URL"] = config.database_url
    os.environ["REDIS_URL"] = config.redis_url
    get_settings.cache_clear()
    for command in (["registry", "import"], ["opendata", "sync"], ["faq", "import-sample"]):
        subprocess.run([str(VENV_BIN / "python"), "-m", "bot", *command], check=True, stdout=subprocess.DEVNULL)
    _first_admin()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    privacy.install()

    def _interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        config = ScaledConfig.from_env()
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    stack = ScaledStack(config)
    try:
        prepare(config)
        print(f"正在启动 {len(config.rasa_ports)} 个 Rasa 副本、{len(config.action_ports)} 个动作服务器和 HAProxy……"
              "（模型加载约需一两分钟）", flush=True)
        stack.start()
        print(f"\n{stack.describe()}\n\n按 Ctrl-C 停止。", flush=True)
        wait_until_stopped(stack)
        return 1
    except KeyboardInterrupt:
        print("\n正在停止……", flush=True)
        return 0
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("已全部停止。", flush=True)


if __name__ == "__main__":
    sys.exit(main())
