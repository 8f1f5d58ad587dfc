"""The understanding editor, review queue and analytics as tests drive them: a private copy of the
training data, and a page-server app with those consoles on a private database.

These consoles need what the session's running stack cannot give: the NLU editor writes YAML (a
copy here, never the repository's ``data/``), and the review and analytics tests insert fixed
conversations into a tracker database of their own. So they run the page server's own setup
functions in :class:`tests.desk.console.ConsoleServer` on ``store_db``-style databases.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Tuple

from aiohttp import web

from bot.config import PROJECT_ROOT
from tests.desk.console import ConsoleServer
from tests.support.desk import DeskClient, new_staff

PARTS = ("nlu", "jieba", "lexicon")


@contextmanager
def training_data_copy(root: Path) -> Iterator[Path]:
    """``data/nlu``, ``data/jieba`` and ``data/lexicon`` copied to ``root/data``; ``NLU_DATA_DIR`` names
    the copy while the block runs (the previous value is put back afterwards)."""
    target = root / "data"
    for part in PARTS:
        shutil.copytree(PROJECT_ROOT / "data" / part, target / part)
    previous = os.environ.get("NLU_DATA_DIR")
    os.environ["NLU_DATA_DIR"] = str(target)
    try:
        yield target
    finally:
        if previous is None:
            os.environ.pop("NLU_DATA_DIR", None)
        else:
            os.environ["NLU_DATA_DIR"] = previous


def in_repository(marker: str) -> bool:
    """Whether ``marker`` appears in any file of the repository's own training data (a test that
    wrote it must have written a copy)."""
    for part in PARTS:
        for path in (PROJECT_ROOT / "data" / part).rglob("*"):
            if path.is_file() and marker in path.read_text(encoding="utf-8", errors="replace"):
                return True
    return False


def console_app() -> web.Application:
    """The page server's login, desk pages (login page, common.js), audit log and the three consoles."""
    from bot.analytics.api import setup_analytics
    from bot.desk.pages import setup_desk_pages
    from bot.nlu_admin.api import setup_nlu_admin
    from bot.registry.admin_api import setup_registry_admin
    from bot.review.api import setup_review
    from bot.web.auth import setup_auth

    app = web.Application(client_max_size=64 * 1024)  # as the page server's
    setup_auth(app)
    setup_desk_pages(app)
    setup_registry_admin(app)
    setup_nlu_admin(app)
    setup_review(app)
    setup_analytics(app)
    return app


@contextmanager
def console() -> Iterator[Tuple[ConsoleServer, DeskClient, DeskClient]]:
    """The consoles on the database ``DATABASE_URL`` names, with a logged-in admin and staff member."""
    with ConsoleServer(console_app()) as server:
        admin = DeskClient(server.url, new_staff("admin", "王主任"))
        staff = DeskClient(server.url, new_staff("staff", "一号窗口"))
        yield server, admin, staff
