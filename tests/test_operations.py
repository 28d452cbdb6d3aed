"""Operating a process: it waits for an unreachable Bot API server while answering /healthz,
stops cleanly on a refused token, and reports its readiness and figures over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app.runtime import run
from bot.app.startup import Patience, StartupError
from bot.config import Settings
from bot.network.schema import Network
from tests.conftest import ANONYMITY_KEY, NETWORK
from tests.fake_http import FakeBotApiServer, private_text
from tests.fakes import BOT_TOKEN
from tests.test_run import free_port

QUICK = Patience(first=0.01, longest=0.05)

START = private_text(1, 31337, "Eve", "/start", "en")


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApiServer]:
    fake = FakeBotApiServer()
    await fake.start()
    yield fake
    await fake.stop()


def polling_settings(tmp_path: Path, server: FakeBotApiServer, port: int) -> Settings:
    network_file = tmp_path / "network.toml"
    network_file.write_text(NETWORK)
    return Settings(
        _env_file=None,
        bot_token=BOT_TOKEN,
        anonymity_key=ANONYMITY_KEY,
        bot_api_url=server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}",
        network_file=network_file,
        feeds_listen=f"127.0.0.1:{port}",
    )


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.text()


@contextlib.asynccontextmanager
async def running(settings: Settings, locales: Path) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, BOT_TOKEN, locales, stop=stop, patience=QUICK))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_an_unreachable_bot_api_is_waited_for_with_one_log_line_per_attempt(
    tmp_path: Path,
    locales: Path,
    server: FakeBotApiServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app.startup")
    port = free_port()
    server.failing_with = 502
    async with running(polling_settings(tmp_path, server, port), locales):
        attempts = await server.wait_for_calls("getMe", 3)
        status, body = await get(f"http://127.0.0.1:{port}/healthz")
        assert (status, body) == (200, "ok\n")
        assert [c.method for c in server.calls if c.method != "getMe"] == []

        server.failing_with = None
        await server.updates.put(START)
        greeting = await server.wait_for("sendMessage")

    assert len(attempts) == 3
    assert greeting.chat_id == 31337
    waits = [r.getMessage() for r in caplog.records if "not reachable" in r.getMessage()]
    assert waits[:3] == [
        f"the Bot API server: not reachable (attempt {n}: TelegramServerError: "
        f"Telegram server says - Error 502); trying again in {delay:.0f}s"
        for n, delay in ((1, 0.01), (2, 0.02), (3, 0.04))
    ]
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_refused_token_stops_the_start_with_a_plain_reason(
    tmp_path: Path, locales: Path, server: FakeBotApiServer
) -> None:
    server.failing_with = 401
    settings = polling_settings(tmp_path, server, free_port())

    with pytest.raises(StartupError, match="Telegram refuses BOT_TOKEN"):
        await asyncio.wait_for(run(settings, BOT_TOKEN, locales, patience=QUICK), 15)

    assert [c.method for c in server.calls] == ["getMe"]


async def test_readyz_and_metrics_describe_a_running_process(
    tmp_path: Path, locales: Path, server: FakeBotApiServer
) -> None:
    port = free_port()
    async with running(polling_settings(tmp_path, server, port), locales):
        await server.updates.put(START)
        await server.wait_for("sendMessage")
        status, ready = await get(f"http://127.0.0.1:{port}/readyz")
        scraped = await scrape_until(port, 'beatline_deliveries_total{kind="sendMessage"')

    assert status == 200
    assert '"database": "ok"' in ready and '"migrations": "ok"' in ready
    assert 'beatline_updates_total{kind="message",result="handled"} 1' in scraped
    assert 'beatline_deliveries_total{kind="sendMessage",result="sent"} 1' in scraped
    assert "beatline_scheduler_leader 1" in scraped
    assert "beatline_open_cases 0" in scraped
    assert "# TYPE beatline_update_seconds histogram" in scraped
    assert "31337" not in scraped  # no chat, no person in any label


async def scrape_until(port: int, series: str) -> str:
    """/metrics once it shows `series` (the courier records a send just after making it)."""
    async with asyncio.timeout(10):
        while True:
            status, text = await get(f"http://127.0.0.1:{port}/metrics")
            assert status == 200
            if series in text:
                return text
            await asyncio.sleep(0.02)


async def test_readyz_says_503_while_migrations_are_behind_or_redis_is_unreachable(
    tmp_path: Path, network: Network
) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app.ops import Ops, add_routes
    from bot.metrics import Metrics
    from storage import migrate
    from storage.db import create_engine, create_session_factory
    from tests.fakes import FakeClock

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'behind.db'}")
    await migrate.upgrade(engine, "0008")
    ops = Ops(
        engine,
        create_session_factory(engine),
        Metrics(),
        FakeClock(),
        network,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    )
    app = web.Application()
    add_routes(app, ops)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        behind = await client.get("/readyz")
        behind_body = await behind.json()
        await migrate.upgrade(engine)
        current = await client.get("/readyz")
        current_body = await current.json()
        alive = await client.get("/healthz")
    finally:
        await client.close()
        await ops.close()
        await engine.dispose()

    assert behind.status == 503
    assert behind_body["checks"]["database"] == "ok"
    assert behind_body["checks"]["migrations"] == "behind"
    assert behind_body["checks"]["redis"].startswith("error")
    assert current.status == 503 and current_body["checks"]["migrations"] == "ok"
    assert alive.status == 200


async def test_a_port_in_use_stops_the_start_with_a_plain_reason(
    tmp_path: Path, locales: Path, server: FakeBotApiServer
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = polling_settings(tmp_path, server, port)

        with pytest.raises(StartupError, match=f"cannot listen on 127.0.0.1:{port}"):
            await asyncio.wait_for(run(settings, BOT_TOKEN, locales, patience=QUICK), 15)

    assert server.calls == []  # nothing was asked of Telegram
