"""BOT_API_URL: the bot talks plain Bot API over HTTP to whichever server it is pointed at."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.app.composition import create_bot
from bot.config import Settings
from tests.fakes import BOT_TOKEN, BOT_USER


@pytest.fixture
async def api_server() -> AsyncIterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """A tiny Bot API server on 127.0.0.1 that records requests and answers getMe/sendMessage."""
    seen: list[tuple[str, dict[str, Any]]] = []

    async def handle(request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        form = dict(await request.post())
        seen.append((f"{token}/{method}", {k: str(v) for k, v in form.items()}))
        if method == "getMe":
            result: Any = BOT_USER
        elif method == "sendMessage":
            result = {
                "message_id": 1,
                "date": 0,
                "chat": {"id": int(str(form["chat_id"])), "type": "private"},
                "text": form["text"],
            }
        else:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_bot_uses_the_configured_api_server(
    api_server: tuple[str, list[tuple[str, dict[str, Any]]]],
) -> None:
    url, seen = api_server
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN, bot_api_url=url + "/")
    bot = create_bot(BOT_TOKEN, settings.bot_api_url)
    try:
        me = await bot.get_me()
        await bot.send_message(chat_id=5, text="<b>hi</b>")
    finally:
        await bot.session.close()

    assert me.username == "beatline_bot"
    assert [path for path, _ in seen] == [f"{BOT_TOKEN}/getMe", f"{BOT_TOKEN}/sendMessage"]
    assert seen[1][1]["parse_mode"] == "HTML"
    assert json.loads(seen[1][1]["chat_id"]) == 5


async def test_default_is_telegrams_server() -> None:
    bot = create_bot(BOT_TOKEN)
    try:
        assert bot.session.api.base.startswith("https://api.telegram.org/")
    finally:
        await bot.session.close()
