"""A GeoReport v2 endpoint on 127.0.0.1 for the Open311 tests: services.json, requests.json
(it records every form posted), requests/{id}.json and tokens/{token}.json, with controls to
refuse calls, answer with a token instead of an id, change a request's status, or go down."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SERVICES = [
    {
        "service_code": "graffiti",
        "service_name": "Graffiti removal",
        "description": "Paint on walls or street furniture",
        "metadata": False,
        "type": "realtime",
        "keywords": "paint, tag",
        "group": "Street",
    },
    {
        "service_code": "lighting",
        "service_name": "Street light out",
        "description": "",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "Street",
    },
]


@dataclass
class Stored:
    form: dict[str, str]
    status: str = "open"
    notes: str | None = None


@dataclass
class FakeGeoReport:
    api_key: str = "secret-key"
    posted: list[dict[str, str]] = field(default_factory=list)
    requests: dict[str, Stored] = field(default_factory=dict)
    refuse: list[tuple[int, str]] = field(default_factory=list)  # (status, description) each
    tokens_only: bool = False
    tokens: dict[str, str | None] = field(default_factory=dict)
    lookups: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None
    _port: int = 0
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/open311/v2/services.json", self._services)
        app.router.add_post("/open311/v2/requests.json", self._post)
        app.router.add_get("/open311/v2/requests/{number}.json", self._request)
        app.router.add_get("/open311/v2/tokens/{token}.json", self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self._port}/open311/v2/"

    async def stop(self) -> None:
        """Go down (connections are refused); `start` again comes back on the same port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- test controls -------------------------------------------------------------------------
    def set_status(self, number: str, status: str, notes: str | None = None) -> None:
        self.requests[number].status = status
        self.requests[number].notes = notes

    def assign(self, token: str) -> str:
        """The endpoint gives a request that was answered with `token` its number."""
        number = str(next(self._numbers))
        self.tokens[token] = number
        self.requests[number] = Stored(form={})
        return number

    # -- GeoReport v2 ----------------------------------------------------------------------------
    async def _services(self, request: web.Request) -> web.Response:
        return web.json_response(SERVICES)

    async def _post(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        if self.refuse:
            status, description = self.refuse.pop(0)
            return web.json_response([{"code": status, "description": description}], status=status)
        if form.get("api_key") != self.api_key:
            return web.json_response([{"code": 403, "description": "Invalid api_key"}], status=403)
        self.posted.append(form)
        if self.tokens_only:
            token = f"tok-{len(self.posted)}"
            self.tokens[token] = None
            return web.json_response([{"token": token}])
        number = str(next(self._numbers))
        self.requests[number] = Stored(form=form)
        return web.json_response(
            [{"service_request_id": number, "service_notice": "", "account_id": None}]
        )

    async def _request(self, request: web.Request) -> web.Response:
        self.lookups += 1
        number = request.match_info["number"]
        stored = self.requests.get(number)
        if stored is None:
            return web.json_response([{"code": 404, "description": "not found"}], status=404)
        answer: dict[str, Any] = {
            "service_request_id": number,
            "status": stored.status,
            "status_notes": stored.notes,
            "service_code": stored.form.get("service_code"),
        }
        return web.json_response([answer])

    async def _token(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token not in self.tokens:
            return web.json_response([{"code": 404, "description": "not found"}], status=404)
        return web.json_response([{"service_request_id": self.tokens[token], "token": token}])
