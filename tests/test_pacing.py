"""The pacing layer's arithmetic, with a clock the test controls (no real waiting)."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import Message

from bot.app import add_retries, create_bot
from bot.pacing import Pacer, broadcasting
from tests.fakes import BOT_TOKEN, FakeTelegram


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


async def test_overall_rate_is_spread_evenly(vt: VirtualTime) -> None:
    pacer = Pacer(per_second=30, clock=vt.clock, sleep=vt.sleep)
    moments = []
    for chat in range(90):
        await pacer.acquire(1000 + chat, broadcast=True)
        moments.append(vt.now)
    assert moments[-1] == pytest.approx(89 / 30)


async def test_one_message_a_second_per_private_chat(vt: VirtualTime) -> None:
    pacer = Pacer(clock=vt.clock, sleep=vt.sleep)
    await pacer.acquire(42, broadcast=False)
    await pacer.acquire(42, broadcast=False)
    assert vt.now == pytest.approx(1.0)


async def test_twenty_a_minute_per_group(vt: VirtualTime) -> None:
    pacer = Pacer(clock=vt.clock, sleep=vt.sleep)
    for _ in range(20):
        await pacer.acquire(-100123, broadcast=False)
    assert vt.now < 1.0
    await pacer.acquire(-100123, broadcast=False)
    assert vt.now == pytest.approx(60.0)


async def test_interactive_calls_go_before_broadcasts(vt: VirtualTime) -> None:
    pacer = Pacer(per_second=1, clock=vt.clock, sleep=vt.sleep)
    await pacer.acquire(1, broadcast=True)  # takes the current slot
    order: list[str] = []

    async def take(name: str, chat: int, broadcast: bool) -> None:
        await pacer.acquire(chat, broadcast)
        order.append(name)

    await asyncio.gather(take("broadcast", 2, True), take("reply", 3, False))
    assert order == ["reply", "broadcast"]


async def test_a_429_pauses_every_call_and_the_same_call_is_retried(vt: VirtualTime) -> None:
    api = FakeTelegram()
    bot = create_bot(BOT_TOKEN, session=api)
    add_retries(bot, sleep=vt.sleep)
    bot.session.middleware(Pacer(clock=vt.clock, sleep=vt.sleep))
    api.fail("sendMessage", status=429, retry_after=5, description="Too Many Requests")
    try:
        with broadcasting():
            await bot.send_message(7, "hello")
        await bot(SendMessage(chat_id=8, text="other chat"))
    finally:
        await bot.session.close()

    sends = api.sent("sendMessage")
    assert [c.chat_id for c in sends] == [7, 7, 8]
    assert vt.now >= 5.0


async def test_pacer_raises_retry_after_for_the_retry_layer(vt: VirtualTime) -> None:
    pacer = Pacer(clock=vt.clock, sleep=vt.sleep)

    async def refuse(bot: Bot, method: TelegramMethod[Message]) -> Response[Message]:
        raise TelegramRetryAfter(
            method=SendMessage(chat_id=1, text="x"), message="wait", retry_after=3
        )

    with pytest.raises(TelegramRetryAfter):
        await pacer(
            refuse,
            create_bot(BOT_TOKEN, session=FakeTelegram()),
            SendMessage(chat_id=1, text="x"),
        )
    await pacer.acquire(99, broadcast=False)
    assert vt.now == pytest.approx(3.0)
