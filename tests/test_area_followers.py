"""/stats's subscribers per area come from a count the database keeps (migration 0012's
triggers): it follows every change that makes a resident's area subscription count or not
(subscribing, unsubscribing, consenting, blocking and unblocking the bot, being erased), and a
past period subtracts the subscriptions made after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Citizen, Subscription
from storage.statistics import Statistics

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def resident(number: int, *, consent: bool = True, blocked: bool = False) -> Citizen:
    return Citizen(
        telegram_id=800 + number,
        chat_id=800 + number,
        first_name=f"R{number}",
        language="nl",
        consent_at=NOW - 30 * DAY if consent else None,
        blocked_bot=blocked,
        created_at=NOW - 30 * DAY,
        last_seen_at=NOW,
    )


async def counted(
    factory: async_sessionmaker[AsyncSession], as_of: datetime = NOW
) -> dict[str, int]:
    async with factory() as session:
        return await Statistics(session).subscribers_per_area(as_of)


async def test_the_count_follows_every_change_of_who_can_be_reached(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        people = [
            resident(1),
            resident(2),
            resident(3, consent=False),
            resident(4, blocked=True),
            resident(5),
        ]
        session.add_all(people)
        await session.flush()
        ids = [person.id for person in people]
        session.add_all(
            [
                Subscription(citizen_id=ids[0], kind="area", code="centre", created_at=NOW - DAY),
                Subscription(citizen_id=ids[0], kind="topic", code="burglary", created_at=NOW),
                Subscription(citizen_id=ids[1], kind="area", code="centre", created_at=NOW - DAY),
                Subscription(citizen_id=ids[1], kind="area", code="east", created_at=NOW - DAY),
                Subscription(citizen_id=ids[2], kind="area", code="centre", created_at=NOW - DAY),
                Subscription(citizen_id=ids[3], kind="area", code="east", created_at=NOW - DAY),
                Subscription(citizen_id=ids[4], kind="area", code="east", created_at=NOW),
            ]
        )
        await session.commit()
    assert await counted(session_factory) == {"centre": 2, "east": 1}
    # A past period ending before resident 5 subscribed does not count them.
    assert await counted(session_factory, NOW + DAY) == {"centre": 2, "east": 2}

    async with session_factory() as session:
        await session.execute(
            update(Citizen).where(Citizen.id == ids[2]).values(consent_at=NOW)
        )  # resident 3 agrees to the notice
        await session.execute(
            update(Citizen).where(Citizen.id == ids[3]).values(blocked_bot=False)
        )  # resident 4 writes again
        await session.execute(
            update(Citizen).where(Citizen.id == ids[1]).values(blocked_bot=True)
        )  # resident 2 blocks the bot
        await session.commit()
    assert await counted(session_factory, NOW + DAY) == {"centre": 2, "east": 2}

    async with session_factory() as session:
        await session.execute(
            delete(Subscription).where(Subscription.citizen_id == ids[3])
        )  # resident 4 unsubscribes
        await session.execute(
            update(Subscription)
            .where(Subscription.citizen_id == ids[4])
            .values(code="centre")  # resident 5 moves to another area
        )
        await session.delete(await session.get(Citizen, ids[0]))  # resident 1 is erased
        await session.commit()
    assert await counted(session_factory, NOW + DAY) == {"centre": 2}
    async with session_factory() as session:
        await session.execute(update(Citizen).values(blocked_bot=False))
        await session.commit()
    assert await counted(session_factory, NOW + DAY) == {"centre": 3, "east": 1}
