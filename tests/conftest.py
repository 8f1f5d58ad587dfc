"""Session fixtures: a real database with the seed imported, the real running stack, and a headless
Chromium per page-test module (pages through ``new_page``)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

# sanic.app (imported by rasa and rasa_sdk) adds filterwarnings("once", DeprecationWarning) when it
# is first imported. Imported while pytest collects a test module, that filter outranks pytest.ini's
# "ignore" for the rest of that step and third-party deprecation noise is reported; imported here,
# before collection starts, it stays below pytest.ini's filters.
import sanic.app  # noqa: F401
from playwright.sync_api import Browser

from tests.support.browser import NewPage, chromium, page_factory
from tests.support.database import fresh_database, fresh_postgres_schema
from tests.support.desk import ALWAYS_OPEN, write_hours
from tests.support.stack import WECHAT_TEST_ENV, free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite database with the registry seed, open-data snapshots and sample FAQ imported."""
    with fresh_database(tmp_path_factory.mktemp("db") / "assistant.db", seed=True, opendata=True, faq=True) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with every store's tables, once as a SQLite file and once as a schema of
    PostgreSQL's ``test`` database: stores whose races and locks matter are tested on both."""
    if request.param == "sqlite":
        with fresh_database(tmp_path / "store.db") as url:
            yield url
    else:
        with fresh_postgres_schema("store") as url:
            yield url


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = PROJECT_ROOT / "models" / "assistant.tar.gz"
    assert path.exists(), "no trained model: run `make model` (make test does it first)"
    return path


@pytest.fixture(scope="session")
def desk_hours_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running stack's desk timetable: always open, so handoff tests do not depend on the
    hour they run at; tests of the closed desk rewrite it (tests.support.desk.write_hours)."""
    path = tmp_path_factory.mktemp("desk") / "hours.yml"
    write_hours(path, ALWAYS_OPEN)
    return path


@pytest.fixture(scope="session")
def rasa_stack(database_url: str, model_path: Path, desk_hours_file: Path,  # type: ignore[no-untyped-def]
               tmp_path_factory: pytest.TempPathFactory):
    """The real action server, Rasa server (REST, Socket.IO, WeChat), web page and desk."""
    from bot.runner import Ports, Stack

    log_dir = tmp_path_factory.mktemp("stack-logs")
    stack = Stack(
        ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()),
        model=model_path,
        # DEBUG so that every message the tests send is logged: the privacy test then checks
        # that no 身份证号 or 手机号 reached a log unmasked
        env={"DATABASE_URL": database_url, "LOG_LEVEL": "DEBUG", "DESK_HOURS_FILE": str(desk_hours_file),
             **WECHAT_TEST_ENV},
        log_dir=log_dir,
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the page tests of one module (tests.support.browser.chromium says
    why not one per session); tests get their pages from ``new_page``."""
    with chromium() as launched:
        yield launched


@pytest.fixture()
def new_page(browser: Browser) -> Iterator[NewPage]:
    """``new_page(width=1280, height=800, locale="zh-CN", accept_dialogs=False)`` → a page in a fresh
    browser context of its own; every context is closed when the test ends."""
    with page_factory(browser) as factory:
        yield factory
