"""The work-order console of a test module (``console``): the app of tests/workorders/console.py on a
real aiohttp server on 127.0.0.1 (tests/desk/console.py), a private database, a fake of Rasa's HTTP
API and no trained router (an empty model directory)."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.desk.console import ConsoleServer
from tests.support.database import fresh_database
from tests.workorders.console import RASA_TOKEN, Console, console_app
from tests.workorders.fake_rasa import FakeRasa


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with pytest.MonkeyPatch.context() as patch, \
            fresh_database(tmp_path_factory.mktemp("workorder-console") / "console.db"):
        patch.setattr("bot.routing.store.DEFAULT_ROOT", tmp_path_factory.mktemp("no-models"))
        rasa = FakeRasa(token=RASA_TOKEN).start()
        try:
            with ConsoleServer(console_app(rasa.url)) as server:
                yield Console(server.url, rasa)
        finally:
            rasa.stop()
