"""The follow-up limit (`[limits] followups_per_minute`, a token bucket per resident in memory):
a flood is not passed on, the resident is told once a minute, and the bucket refills."""

from __future__ import annotations

from aiogram.types import User

from tests.conftest import CENTRAL, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report

LIMIT = 20  # the default of followups_per_minute


def relayed(tg: Harness, marker: str) -> list[str]:
    return [
        str(call.text) for call in tg.api.sent("sendMessage", CENTRAL) if marker in str(call.text)
    ]


async def test_a_flood_of_follow_ups_stops_at_the_limit_and_the_resident_is_told_once(
    tg: Harness, alice: User
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()

    for n in range(LIMIT + 3):
        await tg.send(alice, f"flood {n}")

    assert len(relayed(tg, "flood ")) == LIMIT
    assert relayed(tg, f"flood {LIMIT - 1}") and not relayed(tg, f"flood {LIMIT}")
    told = [
        call
        for call in tg.api.sent("sendMessage", alice.id)
        if "That is a lot of messages" in str(call.text)
    ]
    assert len(told) == 1


async def test_the_follow_up_bucket_refills_with_time(
    tg: Harness, alice: User, clock: FakeClock
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    for n in range(LIMIT + 1):
        await tg.send(alice, f"flood {n}")
    tg.api.clear()

    clock.advance(seconds=6)  # 20 a minute: two tokens back
    for n in range(3):
        await tg.send(alice, f"later {n}")

    later = relayed(tg, "later ")
    assert [text.rsplit("\n", 1)[-1] for text in later] == ["later 0", "later 1"]
