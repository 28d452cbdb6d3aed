"""A Bot API server on 127.0.0.1 for tests that run the real bot process code over HTTP.

It answers like FakeTelegram (which it reuses for the answers) and serves queued updates to
getUpdates, so `python -m bot run`'s polling loop can be driven end to end.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.fakes import Call, FakeTelegram


def private_text(
    update_id: int, user_id: int, first_name: str, text: str, language: str | None = None
) -> dict[str, Any]:
    """An update as getUpdates or a webhook carries it: `text` written in a private chat."""
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language is not None:
        sender["language_code"] = language
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_772_700_000,
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": sender,
            "text": text,
        },
    }


class FakeBotApiServer:
    def __init__(self) -> None:
        self.answers = FakeTelegram()
        self.calls: list[Call] = []
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self.url = ""
        # While set, every call is answered with this error (502: the server is down, 401: the
        # token is refused), as Telegram or a Bot API server in trouble would.
        self.failing_with: int | None = None
        self.hanging: set[str] = set()  # methods that get no answer (until the server stops)
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._stopped.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, method: str, seconds: float = 15) -> Call:
        """The first `method` call; give up after `seconds`."""
        async with asyncio.timeout(seconds):
            while True:
                found = [c for c in self.calls if c.method == method]
                if found:
                    return found[0]
                await asyncio.sleep(0.05)

    async def wait_for_calls(self, method: str, count: int, seconds: float = 15) -> list[Call]:
        """The first `count` calls of `method`; give up after `seconds`."""
        async with asyncio.timeout(seconds):
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found[:count]
                await asyncio.sleep(0.02)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            try:
                params[key] = json.loads(str(value))
            except ValueError:
                params[key] = str(value)
        call = Call(method, params)
        self.calls.append(call)
        if method in self.hanging:
            await self._stopped.wait()
            return web.json_response({"ok": False, "error_code": 502}, status=502)
        if self.failing_with is not None:
            code = self.failing_with
            body = {"ok": False, "error_code": code, "description": f"Error {code}"}
            return web.json_response(body, status=code)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._next_updates()})
        return web.json_response({"ok": True, "result": self.answers.answer(call)})

    async def _next_updates(self) -> list[dict[str, Any]]:
        try:
            return [await asyncio.wait_for(self.updates.get(), 0.3)]
        except TimeoutError:
            return []
