"""Several processes of one bot stay within Telegram's limits together: the bot-wide rate, a
chat's own limit and a flood wait are shared through Redis. Time is a clock the test moves
(both "processes" read it), so nobody waits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.telegram.pacing import Limits, Pacer
from bot.telegram.shared_pacing import SharedLimits
from tests.redis_server import redis_or_skip

START = 1_800_000_000.0  # a wall-clock time, as Redis's own clock would give


class SharedTime:
    """One clock for both processes; a sleep moves it on."""

    def __init__(self) -> None:
        self.now = START

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture
async def redis() -> AsyncIterator[Any]:
    client = await redis_or_skip()
    yield client
    await client.aclose()


@pytest.fixture
def time() -> SharedTime:
    return SharedTime()


def processes(redis: Any, time: SharedTime, limits: Limits) -> tuple[Pacer, Pacer]:
    """Two processes' pacers of one bot (a prefix of their own per test)."""
    prefix = f"beatline-test:{uuid.uuid4().hex}"
    return tuple(  # type: ignore[return-value]
        Pacer(
            limits,
            clock=time.clock,
            sleep=time.sleep,
            shared=SharedLimits(redis, prefix, limits, clock=time.clock),
        )
        for _ in range(2)
    )


def in_any_second(moments: list[float]) -> int:
    """The most messages that left within one second (as Telegram counts them)."""
    return max(sum(1 for m in moments if start <= m < start + 1.0) for start in moments)


async def test_two_processes_share_the_bot_wide_rate(redis: Any, time: SharedTime) -> None:
    first, second = processes(redis, time, Limits(per_second=10))
    moments = []
    for chat in range(20):
        await (first if chat % 2 else second).acquire(1000 + chat, broadcast=True)
        moments.append(time.now - START)

    # 20 messages together, never more than 10 within a second (each process alone would
    # allow 10 of its own), at the shared pace of 9.75 a second (a quarter of a message below
    # the cap, for processes that wake late): 2 at once (the slot before nobody took is made
    # up), then one every 1 / 9.75 s as far as the window of 10 slots in 10 / 9.75 s allows.
    assert in_any_second(moments) == 10
    assert moments[-1] == pytest.approx(10 / 9.75 + 8 / 9.75, abs=0.01)


async def test_late_and_stalled_wake_ups_never_put_more_in_a_second(
    redis: Any, time: SharedTime
) -> None:
    limits = Limits(per_second=10)
    prefix = f"beatline-test:{uuid.uuid4().hex}"
    oversleep = [0.0, 0.04, 0.0, 0.3, 0.02, 0.0, 0.07, 0.0, 0.5, 0.01] * 4

    async def late_sleep(seconds: float) -> None:  # a busy process wakes up late
        await time.sleep(seconds + oversleep.pop(0))

    late = Pacer(
        limits, clock=time.clock, sleep=late_sleep, shared=SharedLimits(redis, prefix, limits)
    )
    punctual = Pacer(
        limits, clock=time.clock, sleep=time.sleep, shared=SharedLimits(redis, prefix, limits)
    )
    late.shared.clock = punctual.shared.clock = time.clock  # type: ignore[union-attr]
    moments = []
    for chat in range(40):
        await (late if chat % 2 else punctual).acquire(1000 + chat, broadcast=True)
        moments.append(time.now - START)  # when the message leaves

    # A slot woken up late for is counted from when its message left; one stalled past
    # (0.3 s, 0.5 s) is given back for the next free one.
    assert in_any_second(moments) <= 10
    assert late.late > 0 and late.given_back > 0


async def test_a_private_chat_is_paced_across_processes(redis: Any, time: SharedTime) -> None:
    first, second = processes(redis, time, Limits(per_second=30))
    for _ in range(3):
        await first.acquire(42, broadcast=False)  # the burst, from one process
    assert time.now - START < 0.1

    await second.acquire(42, broadcast=False)  # its own bucket is full; the chat's is not

    # The chat's bucket gets its next message a second after the burst began.
    assert time.now - START == pytest.approx(1.0, abs=0.01)


async def test_a_group_gets_twenty_a_minute_from_all_processes(
    redis: Any, time: SharedTime
) -> None:
    first, second = processes(redis, time, Limits(per_second=30))
    for n in range(20):
        await (first if n % 2 else second).acquire(-100123, broadcast=False)
    assert time.now - START < 1.0

    await first.acquire(-100123, broadcast=False)

    assert time.now - START == pytest.approx(60.0, abs=0.1)


async def test_a_flood_wait_one_process_got_holds_the_chat_for_the_other(
    redis: Any, time: SharedTime
) -> None:
    first, second = processes(redis, time, Limits(per_second=30))
    await first.flooded(77, retry_after=5)

    await second.acquire(-100777, broadcast=False)  # another chat goes at once
    other_chat = time.now
    await second.acquire(77, broadcast=False)

    assert other_chat - START < 0.1
    assert time.now - START == pytest.approx(5.0, abs=0.1)


async def test_without_redis_a_process_paces_itself(
    time: SharedTime, caplog: pytest.LogCaptureFixture
) -> None:
    from redis.asyncio import Redis

    nowhere = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    limits = Limits(per_second=10)
    pacer = Pacer(
        limits,
        clock=time.clock,
        sleep=time.sleep,
        shared=SharedLimits(nowhere, "beatline-test:none", limits, clock=time.clock),
    )
    try:
        for chat in range(3):
            await pacer.acquire(2000 + chat, broadcast=True)
    finally:
        await nowhere.aclose()

    assert 0.15 - 1e-6 <= time.now - START <= 0.2 + 1e-6  # its own 10 a second
    assert [r.getMessage() for r in caplog.records] == [
        "shared rate limits: Redis did not answer (ConnectionError); pacing this process alone"
    ]
