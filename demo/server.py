"""The emulator as one aiohttp application: the Bot API under /bot<token>/<method>, file
downloads under /file/bot<token>/<path>, and the demo page with its JSON endpoints."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from demo import pictures
from demo.botapi import BotApi
from demo.limits import Limits
from demo.state import ApiError, State
from demo.visitor import Visitor
from demo.web import STATIC, Page
from demo.world import DEMO_TOKEN, World

logger = logging.getLogger(__name__)


@dataclass
class Emulator:
    state: State
    api: BotApi
    visitor: Visitor
    token: str

    async def bot_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _answer({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.match_info["method"]
        try:
            result = await self.api.call(method, await _params(request))
        except ApiError as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return _answer(body, exc.code)
        return _answer({"ok": True, "result": result}, 200)

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            raise web.HTTPUnauthorized()
        path = request.match_info["path"]
        if not any(f["path"] == path for f in self.state.files.values()):
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / "pictures" / Path(path).name)


def _answer(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


async def _params(request: web.Request) -> dict[str, Any]:
    """The Bot API takes query strings, form fields (aiogram's way) and JSON bodies alike."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def create_app(
    world: World,
    state_file: Path | None = None,
    token: str = DEMO_TOKEN,
    limits: Limits | None = None,
) -> tuple[web.Application, Emulator]:
    state = State(world, state_file)
    pictures.register(state.files)
    emulator = Emulator(state, BotApi(state, limits), Visitor(state), token)
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", emulator.bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", emulator.download)
    Page(state, emulator.visitor).routes(app)
    return app, emulator
