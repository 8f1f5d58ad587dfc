"""``python -m bot.models.job --version V --by WHO --lock-fd N``: one background training run.

Started by :func:`bot.models.trainer.start_background` in a session of its own, so it outlives the page
server that started it. Descriptor ``N`` is the training lock its parent took; it is held until this
process ends (closing it, or the process's end, releases it).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import List, Optional

from bot import privacy
from bot.models import store, trainer


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.models.job")
    parser.add_argument("--version", required=True)
    parser.add_argument("--by", required=True)
    parser.add_argument("--lock-fd", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    privacy.install()
    try:
        trainer.run(store.check_name(args.version))
        return 0
    except store.ModelError as exc:
        print(f"训练失败：{exc}", file=sys.stderr)
        return 1
    finally:
        os.close(args.lock_fd)


if __name__ == "__main__":
    sys.exit(main())
