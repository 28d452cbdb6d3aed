"""Several processes of one bot stay within Telegram's limits together: the bot-wide rate, a
chat's own limit and a flood wait are shared through Redis. Time is a clock the test moves
(both "processes" read it), so nobody waits."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.telegram.pacing import Limits, Pacer
from bot.telegram.shared_pacing import SharedLimits

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
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
    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as exc:
        await client.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
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


async def test_two_processes_share_the_bot_wide_rate(redis: Any, time: SharedTime) -> None:
    first, second = processes(redis, time, Limits(per_second=10))
    moments = []
    for chat in range(20):
        await (first if chat % 2 else second).acquire(1000 + chat, broadcast=True)
        moments.append(time.now - START)

    # 20 messages together at the shared pace (half a message a second below the cap, for
    # processes that wake late): 19 / 9.5 = 2 s, not the 0.9 s each process alone would
    # allow; no second holds more than 10.
    assert moments[-1] == pytest.approx(19 / 9.5, abs=0.01)
    assert all(moments[i + 10] - moments[i] >= 1.0 - 1e-6 for i in range(len(moments) - 10))


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
