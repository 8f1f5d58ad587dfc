"""``python -m tests.models.fake_rasa --port P --name N --model FILE [--refuse MODEL_ID]``: a stand-in Rasa
replica for the HAProxy switching test, as Rasa behaves where it matters: ``PUT /model`` loads the new
model *blocking the event loop* for ``--load-seconds`` (rasa#3910), ``/status`` reports the loaded
model's ``model_id``, the REST webhook answers with the replica's name and model. ``--refuse`` makes it
answer 400 to one model (a model it cannot load).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from aiohttp import web

from bot.models.store import model_id

TOKEN = "fake-rasa-token"


def app(name: str, model: Path, refuse: str, load_seconds: float) -> web.Application:
    state = {"model": model_id(model)}

    def authorised(request: web.Request) -> None:
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized()

    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21 (fake)")

    async def status(request: web.Request) -> web.Response:
        authorised(request)
        return web.json_response({"model_file": "model.tar.gz", "model_id": state["model"]})

    async def load(request: web.Request) -> web.Response:
        authorised(request)
        wanted = model_id(Path((await request.json())["model_file"]))
        if wanted == refuse:
            return web.json_response({"error": "cannot load"}, status=400)
        time.sleep(load_seconds)  # as Rasa does: the whole process stalls while it loads
        state["model"] = wanted
        return web.Response(status=204)

    async def parse(request: web.Request) -> web.Response:
        authorised(request)
        return web.json_response({"intent": {"name": "greet", "confidence": 1.0}})

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"recipient_id": body.get("sender"), "text": f"{name} {state['model']}"}])

    application = web.Application()
    application.router.add_get("/", hello)
    application.router.add_get("/status", status)
    application.router.add_put("/model", load)
    application.router.add_post("/model/parse", parse)
    application.router.add_post("/webhooks/rest/webhook", webhook)
    return application


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--refuse", default="")
    parser.add_argument("--load-seconds", type=float, default=3.0)
    args = parser.parse_args()
    web.run_app(app(args.name, args.model, args.refuse, args.load_seconds), host="127.0.0.1", port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
