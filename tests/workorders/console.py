"""The app the work-order console tests serve: the page server's login, desk and work-order routes
(as bot/web/server.py adds them), talking to a fake of Rasa's HTTP API (tests/workorders/fake_rasa.py)."""
from __future__ import annotations

from typing import NamedTuple

from aiohttp import web

from tests.workorders.fake_rasa import FakeRasa

RASA_TOKEN = "rasa-token"


class Console(NamedTuple):
    url: str
    rasa: FakeRasa


def console_app(rasa_url: str) -> web.Application:
    from bot.desk.api import setup_desk_api
    from bot.desk.pages import setup_desk_pages
    from bot.desk.rasa_api import RasaApi
    from bot.web.auth import setup_auth
    from bot.workorders.api import setup_workorders_api
    from bot.workorders.pages import setup_workorder_pages

    app = web.Application(client_max_size=64 * 1024)  # as the page server (bot/web/server.py)
    setup_auth(app)
    setup_desk_api(app, RasaApi(base_url=rasa_url, token=RASA_TOKEN))
    setup_desk_pages(app)
    setup_workorders_api(app)
    setup_workorder_pages(app)
    return app
