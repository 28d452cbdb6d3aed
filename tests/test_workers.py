"""Couriers in several processes share one PostgreSQL outbox: each chat is worked on by one of
them at a time, so its messages arrive in the order they were written, nothing is delivered
twice, and a worker that dies mid-chat leaves its claimed messages to the survivor, which
sends them first and marks them as possibly repeated."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.composition import create_bot
from bot.kinds import OutboxStatus
from bot.telegram.courier import Courier
from bot.telegram.lanes import AdvisoryLanes
from bot.telegram.outbox import Outbox
from bot.telegram.pacing import Limits, Pacer
from storage.db import create_engine, create_session_factory
from storage.models import OutboxMessage
from tests.fakes import BOT_TOKEN, FakeClock, FakeTelegram
from tests.postgres import eventually, postgresql_url

CHATS = 30
PER_CHAT = 8
LATENCY = 0.003

Delivery = tuple[str, int, int]  # worker, chat, number


class SharedLog(FakeTelegram):
    """A worker's Bot API: answers like Telegram after a few milliseconds (as a network
    would: the other worker runs meanwhile) and writes into the log both workers share."""

    def __init__(
        self,
        name: str,
        log: list[Delivery],
        dies_after: int | None = None,
        gate: asyncio.Event | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.log = log
        self.dies_after = dies_after
        self.gate = gate  # while closed, calls hang (a network that does not answer yet)
        self.waiting = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        if self.gate is not None:
            self.waiting += 1
            await self.gate.wait()
        await asyncio.sleep(LATENCY)
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendMessage):
            chat, number = method.text.split(":")
            self.log.append((self.name, int(chat), int(number)))
        if self.dies_after is not None and len(self.calls) >= self.dies_after:
            # Killed after Telegram answered: every lane of this process stops at its next call.
            raise asyncio.CancelledError
        return result


@contextlib.asynccontextmanager
async def worker(api: SharedLog, clock: FakeClock) -> AsyncIterator[Courier]:
    """One process's courier: its own engine (connections) and lane locks."""
    engine = create_engine(postgresql_url())
    courier = Courier(
        create_bot(BOT_TOKEN, session=api),
        create_session_factory(engine),
        clock,
        Pacer(Limits.none()),
        lanes=AdvisoryLanes(engine),
        max_lanes=8,
        batch=3,  # several claims per chat, so a second worker could cut in between them
    )
    try:
        yield courier
    finally:
        await courier.lanes.close()
        await engine.dispose()


async def queue_messages(factory: async_sessionmaker[AsyncSession], clock: FakeClock) -> None:
    bot = create_bot(BOT_TOKEN, session=FakeTelegram())
    async with factory() as session:
        outbox = Outbox(session, bot, clock)
        # Chat by chat: a chat being worked on stays at the head of the queue (its oldest
        # waiting message is older than any other chat's), where the other worker looks first.
        for chat in range(1, CHATS + 1):
            for number in range(PER_CHAT):
                outbox.send(SendMessage(chat_id=chat, text=f"{chat}:{number}"))
        await session.commit()


async def rows(factory: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with factory() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


def number_of(row: OutboxMessage) -> tuple[int, int]:
    chat, number = str(row.payload["text"]).split(":")
    return int(chat), int(number)


def numbers_per_chat(log: list[Delivery]) -> dict[int, list[int]]:
    per_chat: dict[int, list[int]] = {}
    for _worker, chat, number in log:
        per_chat.setdefault(chat, []).append(number)
    return per_chat


@pytest.fixture
def postgresql(engine: AsyncEngine) -> AsyncEngine:
    postgresql_url()
    return engine


async def test_two_workers_deliver_each_chat_in_order_and_nothing_twice(
    postgresql: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await queue_messages(session_factory, clock)
    log: list[Delivery] = []

    gate = asyncio.Event()
    stuck = SharedLog("a", log, gate=gate)
    async with worker(stuck, clock) as first, worker(SharedLog("b", log), clock) as second:
        draining = asyncio.create_task(first.drain())
        # The first worker has claimed the first messages of its chats; its calls hang.
        await eventually(lambda: stuck.waiting == first.max_lanes)
        await second.drain()  # everything it may take, while the first is stuck
        taken_by_first = set(range(1, first.max_lanes + 1))
        assert {chat for _name, chat, _n in log}.isdisjoint(taken_by_first)
        gate.set()
        await draining

    assert numbers_per_chat(log) == {chat: list(range(PER_CHAT)) for chat in range(1, CHATS + 1)}
    assert {name for name, _chat, _number in log} == {"a", "b"}  # the work was shared
    assert {row.status for row in await rows(session_factory)} == {OutboxStatus.SENT}


async def test_a_worker_killed_mid_chat_leaves_its_claimed_messages_to_the_survivor(
    postgresql: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await queue_messages(session_factory, clock)
    # Which row is which message, read before anything is sent (a sent row to a private chat
    # may forget its chat and content).
    messages = {row.id: number_of(row) for row in await rows(session_factory)}
    log: list[Delivery] = []

    async with worker(SharedLog("dead", log, dies_after=5), clock) as dying:
        with contextlib.suppress(asyncio.CancelledError):
            await dying.drain()
        await eventually(lambda: dying.busy_lanes == 0)
        # The process is gone: its connections end, and its lane locks with them.
    async with worker(SharedLog("survivor", log), clock) as survivor:
        await survivor.drain()

    after_death = [(chat, n) for name, chat, n in log if name == "survivor"]
    final = await rows(session_factory)
    flagged = {messages[row.id] for row in final if row.possibly_repeated}
    delivered_twice = {(chat, n) for name, chat, n in log if name == "dead"} & set(after_death)
    # Every doubled message is flagged; a flagged one was claimed, and may or may not have
    # gone out before the kill.
    assert delivered_twice and delivered_twice <= flagged
    for chat, numbers in numbers_per_chat([d for d in log if d[0] == "survivor"]).items():
        assert numbers == sorted(numbers), f"chat {chat} got its messages out of order"
    per_chat = numbers_per_chat(log)
    assert all(sorted(set(per_chat[chat])) == list(range(PER_CHAT)) for chat in per_chat)
    assert {row.status for row in final} == {OutboxStatus.SENT}


async def test_a_chat_taken_again_before_its_unlock_went_out_stays_held(
    postgresql: AsyncEngine,
) -> None:
    mine, theirs = AdvisoryLanes(postgresql), AdvisoryLanes(create_engine(postgresql_url()))
    try:
        assert await mine.take([5, 7]) == {5, 7}
        # Two lanes end together: chat 7's unlock waits for chat 5's round trip to go with
        # the next one, and the chat is taken again before that one goes out.
        await asyncio.gather(mine.unlock(5), mine.unlock(7), mine.take([7]))
        assert await theirs.take([5]) == {5}
        assert await theirs.take([7]) == set()  # still this worker's
        await mine.unlock(7)
        assert await theirs.take([7]) == {7}
    finally:
        await mine.close()
        await theirs.close()
        await theirs.locks.engine.dispose()
