"""`python -m bot run` end to end: migrations, command menus and long polling over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select

from bot.app.runtime import run
from bot.config import Settings
from storage.db import create_engine, create_session_factory
from storage.models import Citizen
from tests.conftest import ANONYMITY_KEY, NETWORK
from tests.fake_http import FakeBotApiServer, private_text
from tests.fakes import BOT_TOKEN


async def test_the_bot_process_migrates_polls_and_answers(tmp_path: Path, locales: Path) -> None:
    server = FakeBotApiServer()
    await server.start()
    network_file = tmp_path / "network.toml"
    network_file.write_text(NETWORK)
    database = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    settings = Settings(
        _env_file=None,
        anonymity_key=ANONYMITY_KEY,
        bot_token=BOT_TOKEN,
        bot_api_url=server.url,
        database_url=database,
        network_file=network_file,
    )
    await server.updates.put(private_text(1, 31337, "Eve", "/start", "nl"))
    bot_task = asyncio.create_task(run(settings, BOT_TOKEN, locales))
    try:
        greeting = await server.wait_for("sendMessage")
    finally:
        bot_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot_task
        await server.stop()

    assert greeting.chat_id == 31337
    assert "Kies uw taal" in greeting.text
    menus = [c for c in server.calls if c.method == "setMyCommands"]
    assert {c.params.get("language_code") for c in menus} >= {"en", "nl"}
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            citizen = await session.scalar(select(Citizen).where(Citizen.telegram_id == 31337))
            assert citizen is None  # nothing is stored before the privacy notice is accepted
    finally:
        await engine.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SECRET = "a-long-shared-secret-123"
HOOK_UPDATE = private_text(7, 4242, "Ola", "/start", "pl")


@contextlib.asynccontextmanager
async def webhook_bot(
    tmp_path: Path, locales: Path
) -> AsyncIterator[tuple[str, FakeBotApiServer]]:
    """`python -m bot run` in webhook mode; yields the local hook address and the fake API."""
    from bot.app.runtime import run

    server = FakeBotApiServer()
    await server.start()
    network_file = tmp_path / "network.toml"
    network_file.write_text(NETWORK)
    port = free_port()
    settings = Settings(
        _env_file=None,
        anonymity_key=ANONYMITY_KEY,
        bot_token=BOT_TOKEN,
        bot_api_url=server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}",
        network_file=network_file,
        webhook_url="https://beatline.example.org/telegram/hook",
        webhook_secret=SECRET,
        webhook_listen=f"127.0.0.1:{port}",
    )
    bot_task = asyncio.create_task(run(settings, BOT_TOKEN, locales))
    try:
        await server.wait_for("setWebhook")
        yield f"http://127.0.0.1:{port}/telegram/hook", server
    finally:
        bot_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot_task
        await server.stop()


async def test_webhook_mode_accepts_only_telegrams_secret(
    tmp_path: Path, locales: Path, i18n: I18n
) -> None:
    import aiohttp

    async with webhook_bot(tmp_path, locales) as (hook, server):
        registered = next(c for c in server.calls if c.method == "setWebhook")
        async with aiohttp.ClientSession() as client:
            async with client.post(
                hook, json=HOOK_UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            ) as bad:
                assert bad.status == 401
            async with client.post(
                hook, json=HOOK_UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as good:
                assert good.status == 200
            greeting = await server.wait_for("sendMessage")

    assert registered.params["url"] == "https://beatline.example.org/telegram/hook"
    assert registered.params["secret_token"] == SECRET
    assert greeting.chat_id == 4242
    polish = i18n.gettext(
        "Hello! This is Beatline, the contact channel between residents and the police.\n\n"
        "Please choose your language:",
        locale="pl",
    )
    assert greeting.text == polish and "Please choose" not in polish
    assert len([c for c in server.calls if c.method == "sendMessage"]) == 1


async def test_a_secret_header_that_is_not_ascii_is_refused_not_an_error(
    tmp_path: Path, locales: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import aiohttp

    async with (
        webhook_bot(tmp_path, locales) as (hook, server),
        aiohttp.ClientSession() as client,
    ):
        for secret in ("geheim-wachtwoord-ä", SECRET + "é", "🚓" * 8):
            async with client.post(
                hook, json=HOOK_UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            ) as answer:
                assert answer.status == 401

    assert not [c for c in server.calls if c.method == "sendMessage"]
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"
