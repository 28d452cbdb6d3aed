"""The pacing layer's arithmetic, with a clock the test controls (no real waiting)."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.pacing import Limits, Pacer
from tests.virtual_time import run_virtual

GROUP = -100123
OTHER_GROUP = -100456


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


@pytest.fixture
def pacer(vt: VirtualTime) -> Pacer:
    return Pacer(clock=vt.clock, sleep=vt.sleep)


async def test_overall_rate_is_spread_evenly(vt: VirtualTime) -> None:
    pacer = Pacer(Limits(per_second=30), clock=vt.clock, sleep=vt.sleep)
    moments = []
    for chat in range(90):
        await pacer.acquire(1000 + chat, broadcast=True)
        moments.append(vt.now)
    assert moments[-1] == pytest.approx(89 / 30)


async def test_a_private_chat_takes_a_burst_of_three_then_one_a_second(
    pacer: Pacer, vt: VirtualTime
) -> None:
    assert pacer.chat_capacity(42) == 3
    for _ in range(3):
        await pacer.acquire(42, broadcast=False)
    assert vt.now < 0.2  # the burst: a wizard step's two answers are not held back
    assert pacer.chat_capacity(42) == 0
    await pacer.acquire(42, broadcast=False)
    assert vt.now == pytest.approx(1.0, abs=0.05)


async def test_twenty_a_minute_per_group(pacer: Pacer, vt: VirtualTime) -> None:
    for _ in range(20):
        await pacer.acquire(GROUP, broadcast=False)
    assert vt.now < 1.0
    assert pacer.chat_delay(GROUP) == pytest.approx(60.0, abs=1.0)
    await pacer.acquire(GROUP, broadcast=False)
    assert vt.now == pytest.approx(60.0)


async def test_calls_that_post_nothing_do_not_use_the_chats_budget(pacer: Pacer) -> None:
    for _ in range(30):
        await pacer.acquire(GROUP, broadcast=False, message=False)  # e.g. setMessageReaction
    assert pacer.chat_capacity(GROUP) == 20


async def test_interactive_calls_go_before_broadcasts(vt: VirtualTime) -> None:
    pacer = Pacer(Limits(per_second=1), clock=vt.clock, sleep=vt.sleep)
    await pacer.acquire(1, broadcast=True)  # takes the current slot
    order: list[str] = []

    async def take(name: str, chat: int, broadcast: bool) -> None:
        await pacer.acquire(chat, broadcast=broadcast)
        order.append(name)

    await asyncio.gather(take("broadcast", 2, True), take("reply", 3, False))
    assert order == ["reply", "broadcast"]


def test_a_429_pauses_only_the_chat_that_got_it(pacer: Pacer) -> None:
    pacer.flood(GROUP, 57)

    assert pacer.chat_delay(GROUP) == pytest.approx(57)
    assert pacer.chat_delay(OTHER_GROUP) == 0
    assert pacer.chat_delay(4242) == 0


def test_a_long_flood_wait_on_a_private_chat_slows_the_whole_bot(pacer: Pacer) -> None:
    pacer.flood(4242, 30)

    assert pacer.chat_delay(5353) == pytest.approx(30)


def test_flood_waits_from_several_chats_at_once_slow_the_whole_bot(pacer: Pacer) -> None:
    pacer.flood(GROUP, 10)
    pacer.flood(OTHER_GROUP, 10)
    assert pacer.chat_delay(-100789) == 0
    pacer.flood(-100999, 10)

    assert pacer.chat_delay(-100789) == pytest.approx(10)


async def test_the_maps_forget_chats_once_their_limits_are_full_again(
    pacer: Pacer, vt: VirtualTime
) -> None:
    for chat in range(5000):
        await pacer.acquire(10_000 + chat, broadcast=True)
    # Pruned as it goes: only chats of the last few seconds are still remembered.
    assert 0 < pacer.tracked_chats < 200
    vt.now += 61

    pacer.prune()

    assert pacer.tracked_chats == 0


def test_a_reply_waiting_for_its_full_group_does_not_hold_up_broadcasts() -> None:
    async def scenario() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        pacer = Pacer(Limits(per_second=30), clock=loop.time)
        for _ in range(20):
            await pacer.acquire(GROUP, broadcast=False)
        start = loop.time()
        waiting = asyncio.create_task(pacer.acquire(GROUP, broadcast=False))
        await asyncio.sleep(0)  # the reply now waits for the group's minute
        for chat in range(30):
            await pacer.acquire(1000 + chat, broadcast=True)
        broadcasts = loop.time() - start
        await waiting
        return broadcasts, loop.time() - start

    broadcasts, reply = run_virtual(scenario)
    assert broadcasts < 1.5  # 30 alerts at 30 a second, not after the group's minute
    assert reply == pytest.approx(60, abs=1)
