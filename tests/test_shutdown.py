"""SIGTERM: `python -m bot run` stops taking updates, gives back the message it was sending
when the grace period ran out, and exits cleanly within ten seconds."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from bot.kinds import OutboxStatus
from storage.db import create_engine, create_session_factory
from storage.models import OutboxMessage
from tests.conftest import ANONYMITY_KEY, NETWORK, ROOT
from tests.fake_http import FakeBotApiServer, private_text
from tests.fakes import BOT_TOKEN

STOP_WITHIN_S = 10
START_WITHIN_S = 120  # a fresh interpreter loads the language detector; CI machines are busy


async def bot_process(
    tmp_path: Path, server: FakeBotApiServer, database: str
) -> asyncio.subprocess.Process:
    """`python -m bot run` (polling) against the fake Bot API server."""
    (tmp_path / "network.toml").write_text(NETWORK)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": BOT_TOKEN,
        "ANONYMITY_KEY": ANONYMITY_KEY,
        "BOT_API_URL": server.url,
        "DATABASE_URL": database,
        "NETWORK_FILE": str(tmp_path / "network.toml"),
        "LOG_LEVEL": "INFO",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigterm_releases_the_message_being_sent_and_exits_within_ten_seconds(
    tmp_path: Path,
) -> None:
    server = FakeBotApiServer()
    await server.start()
    server.hanging.add("sendMessage")  # Telegram does not answer the greeting
    database = f"sqlite+aiosqlite:///{tmp_path / 'stop.db'}"
    await server.updates.put(private_text(1, 31337, "Eve", "/start"))
    process = await bot_process(tmp_path, server, database)
    try:
        await server.wait_for("sendMessage", START_WITHIN_S)  # the courier is mid-call
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), STOP_WITHIN_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()

    log = err.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert "1 message(s) given back" in log and log.rstrip().endswith("stopped")
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            [row] = (await session.scalars(select(OutboxMessage))).all()
    finally:
        await engine.dispose()
    # Its call had begun: it goes out again after the restart, marked as possibly repeated.
    assert row.status == OutboxStatus.PENDING and row.possibly_repeated
    assert [c.method for c in server.calls].count("getUpdates") >= 1


async def test_sigterm_while_telegram_is_unreachable_ends_the_wait_cleanly(
    tmp_path: Path,
) -> None:
    server = FakeBotApiServer()
    await server.start()
    server.failing_with = 502
    process = await bot_process(tmp_path, server, f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        await server.wait_for_calls("getMe", 2, START_WITHIN_S)  # waiting between attempts
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), STOP_WITHIN_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()

    log = err.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert "not reachable (attempt 2" in log and log.rstrip().endswith("stopped")
