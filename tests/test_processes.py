"""Two real bot processes in webhook mode on one PostgreSQL database and one Redis, with a
stand-in for Telegram and the reverse proxy in front of them. A few hundred updates are
spread over both (a resident's wizard steps alternate between the processes); half-way, the
process that runs the timers is killed with SIGKILL. Every update is then handled exactly
once, every resident has exactly one case, no message is lost, none is doubled beyond what
its outbox row admits, the wizards go on in the surviving process, and the timers move to it
within 30 seconds.

Needs PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL); skipped, saying which is
missing, without them."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp
import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Update, User
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.kinds import OutboxStatus
from storage.models import Case, Citizen, OutboxMessage, ProcessedUpdate
from tests.conftest import ANONYMITY_KEY, NETWORK, ROOT
from tests.fake_http import FakeBotApiServer
from tests.fakes import BOT_TOKEN, Updates
from tests.helpers import onboard, report, start_report
from tests.postgres import postgresql_url
from tests.redis_server import REDIS_URL, skip_without_redis
from tests.test_run import free_port

SECRET = "a-long-shared-secret-123"
RESIDENTS = 30
START_WITHIN_S = 120
TAKEOVER_WITHIN_S = 30


class Process:
    """One `python -m bot run` in webhook mode."""

    def __init__(
        self, name: str, port: int, process: asyncio.subprocess.Process, log: BinaryIO
    ) -> None:
        self.name = name
        self.port = port
        self.process = process
        self.log = log  # its log, in the test's folder
        self.alive = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def start(name: str, tmp_path: Path, server: FakeBotApiServer) -> Process:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": BOT_TOKEN,
        "ANONYMITY_KEY": ANONYMITY_KEY,
        "BOT_API_URL": server.url,
        "DATABASE_URL": postgresql_url(),
        "REDIS_URL": REDIS_URL,
        "PROCESSES": "2",
        "NETWORK_FILE": str(tmp_path / "network.toml"),
        "WEBHOOK_URL": "https://beatline.example.org/telegram/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        "LOG_LEVEL": "INFO",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    return Process(name, port, process, log)


async def metrics(client: aiohttp.ClientSession, process: Process) -> str:
    async with client.get(f"{process.base}/metrics") as response:
        return await response.text()


async def until_leader(client: aiohttp.ClientSession, process: Process, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while True:
            try:
                if "beatline_scheduler_leader 1" in await metrics(client, process):
                    return
            except aiohttp.ClientError:
                pass  # not listening yet
            await asyncio.sleep(0.1)


class Proxy:
    """Telegram and the reverse proxy, as the processes see them: each update is posted to the
    next process in turn; a post a process cannot take (it is dead) goes to another, as the
    proxy and Telegram's own retries would do."""

    def __init__(self, client: aiohttp.ClientSession, processes: list[Process]) -> None:
        self.client = client
        self.processes = processes
        self.updates = Updates()
        self.turn = itertools.count()
        self.posted: set[int] = set()

    async def post(self, update: Update) -> None:
        body = json.loads(update.model_dump_json(by_alias=True, exclude_none=True))
        self.posted.add(update.update_id)
        for _attempt in range(10):
            alive = [p for p in self.processes if p.alive]
            process = alive[next(self.turn) % len(alive)]
            try:
                async with self.client.post(
                    f"{process.base}/telegram/hook",
                    json=body,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                ) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
        msg = f"update {update.update_id} was taken by no process"
        raise AssertionError(msg)

    async def send(self, user: User, text: str | None = None, **content: Any) -> Update:
        update = self.updates.message(user, text, **content)
        await self.post(update)
        return update

    async def press(self, user: User, data: CallbackData | str) -> Update:
        packed = data.pack() if isinstance(data, CallbackData) else data
        update = self.updates.callback(user, packed)
        await self.post(update)
        return update


@pytest.fixture
async def redis_reachable() -> AsyncIterator[None]:
    await skip_without_redis()
    yield


async def settled(factory: async_sessionmaker[AsyncSession], seconds: float) -> None:
    """Until the outbox has nothing pending or being sent to a resident (the desk group's 20
    messages a minute would take minutes more)."""
    async with asyncio.timeout(seconds):
        while True:
            async with factory() as session:
                waiting = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                        OutboxMessage.lane > 0,
                    )
                )
            if not waiting:
                return
            await asyncio.sleep(0.2)


async def test_two_processes_share_the_work_and_survive_losing_one(
    tmp_path: Path,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    redis_reachable: None,
) -> None:
    postgresql_url()
    (tmp_path / "network.toml").write_text(NETWORK)
    server = FakeBotApiServer()
    await server.start()
    first_id = random.randrange(10**8, 2 * 10**8)  # Redis keeps wizard state across runs
    residents = [
        User(id=first_id + n, is_bot=False, first_name=f"R{n}", language_code="en")
        for n in range(RESIDENTS)
    ]
    processes: list[Process] = []
    async with aiohttp.ClientSession() as client:
        try:
            leader = await start("leader", tmp_path, server)
            processes.append(leader)
            await until_leader(client, leader, START_WITHIN_S)
            other = await start("other", tmp_path, server)
            processes.append(other)
            await server.wait_for_calls("setWebhook", 2, START_WITHIN_S)
            proxy = Proxy(client, processes)

            # First half: onboarding and the first wizard steps, alternating processes.
            async def first_half(user: User) -> None:
                await onboard(proxy, user)
                await start_report(proxy, user)

            await asyncio.gather(*(first_half(user) for user in residents))
            handled_before = len(proxy.posted)

            leader.process.send_signal(signal.SIGKILL)  # no goodbye: its rows stay claimed
            await leader.process.wait()
            leader.alive = False
            killed_at = time.monotonic()

            async def second_half(user: User) -> None:
                await report(proxy, user, already_started=True, description=f"{user.id} bike")

            await asyncio.gather(*(second_half(user) for user in residents))
            await until_leader(client, other, TAKEOVER_WITHIN_S)
            takeover = time.monotonic() - killed_at
            await settled(session_factory, 60)
        finally:
            for process in processes:
                if process.process.returncode is None:
                    process.process.terminate()
                    await process.process.wait()
                process.log.close()
            await server.stop()

    assert takeover <= TAKEOVER_WITHIN_S
    async with session_factory() as session:
        claimed = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        cases_per_resident = Counter(
            (
                await session.scalars(
                    select(Citizen.telegram_id).join(Case, Case.citizen_id == Citizen.id)
                )
            ).all()
        )
        # Messages to residents: private chats, or lane 0 once a sent one forgot its chat.
        outbox = list(
            (await session.scalars(select(OutboxMessage).where(OutboxMessage.lane >= 0))).all()
        )
    print(  # noqa: T201 - the figures of the run
        f"\n{len(proxy.posted)} updates ({handled_before} before the kill); timers moved "
        f"{takeover:.1f} s after the kill; {sum(r.possibly_repeated for r in outbox)} of "
        f"{len(outbox)} messages to residents flagged as possibly repeated"
    )
    assert claimed == len(proxy.posted)  # every update handled exactly once
    assert cases_per_resident == dict.fromkeys((u.id for u in residents), 1)
    assert {row.status for row in outbox} <= {OutboxStatus.SENT}
    calls = Counter(
        call.chat_id for call in server.calls if call.chat_id in {u.id for u in residents}
    )
    # No message lost, and none doubled beyond the rows flagged as possibly repeated.
    repeated = sum(row.possibly_repeated for row in outbox)
    assert len(outbox) <= calls.total() <= len(outbox) + repeated
    for user in residents:
        confirmations = [
            c
            for c in server.calls
            if c.chat_id == user.id and re.search(r"BL-\d\d-\d{5}", c.text or "")
        ]
        assert confirmations, f"resident {user.id} never got the case reference"
