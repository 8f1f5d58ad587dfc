"""The scaled profile started for real once per test module (``scaled``): two Rasa replicas and two
action servers on PostgreSQL (a schema of its own) and the real Redis, a page server, HAProxy in
front on one public port. The WeChat webhook is on (plain mode, a reply budget long enough that
every answer comes back in the passive reply, so no fake 客服 API is needed). Each replica has
answered one message before the tests start."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.scaleout.stack import ScaledConfig, ScaledStack
from tests.support.database import fresh_postgres_schema
from tests.support.scaled import warm_up
from tests.support.stack import WECHAT_TEST_ENV, free_port

REDIS_TEST_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def scaled(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    from bot.registry.importer import import_registry

    with fresh_postgres_schema("scaled") as url, pytest.MonkeyPatch.context() as env:
        from bot.config import get_settings

        env.setenv("WECHAT_TOKEN", WECHAT_TEST_ENV["WECHAT_TOKEN"])  # every process the stack starts inherits it
        env.setenv("WECHAT_REPLY_BUDGET", "30")
        import_registry(get_settings().registry_dir)
        run_dir = tmp_path_factory.mktemp("scaled")
        config = ScaledConfig(database_url=url, redis_url=REDIS_TEST_URL, public_port=free_port(),
                              public_bind="127.0.0.1", rasa_ports=[free_port(), free_port()],
                              action_ports=[free_port(), free_port()], web_ports=[free_port()],
                              rasa_api_port=free_port(), actions_lb_port=free_port(), model=model_path,
                              run_dir=run_dir)
        stack = ScaledStack(config).start()
        try:
            for port in config.rasa_ports:
                warm_up(port)
            yield stack
        finally:
            stack.stop()

