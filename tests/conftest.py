"""Session fixtures: a real database with the seed imported, and the real running stack."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.stack import WECHAT_TEST_ENV, free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite database with the registry seed and open-data snapshots imported."""
    from bot.config import get_settings
    from bot.registry.importer import import_registry
    from bot.stores import create_all

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'assistant.db'}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    create_all(url)
    import_registry(get_settings().registry_dir)
    _sync_opendata()
    yield url
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()


def _sync_opendata() -> None:
    from bot.__main__ import main

    assert main(["opendata", "sync", "--quiet"]) == 0, "open-data sync of the sample snapshots failed"


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = PROJECT_ROOT / "models" / "assistant.tar.gz"
    assert path.exists(), "no trained model: run `make model` (make test does it first)"
    return path


@pytest.fixture(scope="session")
def rasa_stack(database_url: str, model_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real action server, Rasa server (REST, Socket.IO, WeChat) and web page."""
    from bot.runner import Ports, Stack

    log_dir = tmp_path_factory.mktemp("stack-logs")
    stack = Stack(
        ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()),
        model=model_path,
        # DEBUG so that every message the tests send is logged: the privacy test then checks
        # that no 身份证号 or 手机号 reached a log unmasked
        env={"DATABASE_URL": database_url, "LOG_LEVEL": "DEBUG", **WECHAT_TEST_ENV},
        log_dir=log_dir,
    )
    stack.start()
    yield stack
    stack.stop()
