"""The follow-up limit leaves no time in the database that could name an anonymous case's
resident: the bucket lives in memory (or Redis, shared by processes), "last seen" keeps the day."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import Boolean, column, insert, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.composition import Services
from bot.config import Settings
from bot.domain.followup_limit import FORGET_AFTER, FollowupLimit, LocalBuckets, SharedBuckets
from bot.network.schema import Network
from storage import migrate
from storage.db import create_engine
from storage.models import Citizen
from tests.conftest import CENTRAL, Harness, make_harness
from tests.fakes import FakeClock, FakeTelegram
from tests.helpers import onboard, report
from tests.redis_server import redis_or_skip
from tests.test_sealed_link import dump, resident

LIMIT = 20  # the default of followups_per_minute


def relayed(tg: Harness, marker: str) -> list[str]:
    return [
        str(call.text) for call in tg.api.sent("sendMessage", CENTRAL) if marker in str(call.text)
    ]


def told_to_wait(tg: Harness, user: User) -> int:
    texts = [str(call.text) for call in tg.api.sent("sendMessage", user.id)]
    return sum("That is a lot of messages" in text for text in texts)


@pytest.fixture
async def harness_with(
    settings: Settings,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
) -> AsyncIterator[Any]:
    """Makes a bot whose follow-up limit is the one given."""
    made: list[Harness] = []

    def make(limit: FollowupLimit) -> Harness:
        services = Services(
            settings=settings,
            network=network,
            session_factory=session_factory,
            i18n=i18n,
            clock=clock,
            followup_limit=limit,
        )
        made.append(make_harness(services, FakeTelegram()))
        return made[-1]

    yield make
    for harness in made:
        await harness.bot.session.close()


async def test_no_citizen_column_holds_the_time_of_an_anonymous_follow_up(
    tg: Harness,
    alice: User,
    bram: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, bram)
    await onboard(tg, alice)
    clock.advance(minutes=2)
    await report(tg, bram, "A named report by someone else")
    await report(tg, alice, privacy="anonymous")
    clock.advance(minutes=17, microseconds=123457)  # past the old quarter-hour "last seen"
    await tg.send(bram, "More about my named case")
    clock.advance(minutes=3, microseconds=314159)
    await tg.send(alice, "It is there again now")
    await tg.send(alice, "And a second time")

    tables = await dump(session_factory)

    anonymous = [case["id"] for case in tables["case"] if case["privacy"] == "anonymous"]
    times = {m["created_at"] for m in tables["case_message"] if m["case_id"] in anonymous}
    assert len(times) >= 2  # the report and the follow-ups
    for citizen in tables["citizen"]:
        held = {value for value in citizen.values() if isinstance(value, datetime)}
        assert not held & times, citizen["telegram_id"]


async def test_last_seen_is_kept_to_the_day(
    tg: Harness, alice: User, clock: FakeClock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    clock.advance(days=1, hours=5)
    await tg.send(alice, "/help")

    citizen = await resident(session_factory, alice)
    assert citizen.last_seen_at == datetime(2026, 3, 6, tzinfo=UTC)


async def test_buckets_left_alone_for_a_minute_are_forgotten(
    tg: Harness, alice: User, bram: User, clock: FakeClock
) -> None:
    await onboard(tg, alice)
    await onboard(tg, bram)
    await report(tg, alice)
    await report(tg, bram)
    buckets = tg.services.followup_limit
    assert isinstance(buckets, LocalBuckets)
    await tg.send(alice, "one")
    await tg.send(bram, "one")
    assert len(buckets) == 2

    clock.advance(seconds=FORGET_AFTER.total_seconds())
    await tg.send(bram, "two")

    assert len(buckets) == 1
    assert relayed(tg, "two")


async def test_processes_sharing_redis_share_one_follow_up_bucket(
    harness_with: Any,
    alice: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    client = await redis_or_skip()
    prefix = f"beatline-test:{uuid.uuid4().hex}:followups"
    try:
        tg = harness_with(SharedBuckets(client, prefix))
        other_process = SharedBuckets(client, prefix)
        await onboard(tg, alice)
        await report(tg, alice)
        citizen = await resident(session_factory, alice)
        for _ in range(LIMIT - 5):  # the other process passed on most of this minute's
            await other_process.take(citizen.id, LIMIT, clock.now())
        tg.api.clear()

        for n in range(8):
            await tg.send(alice, f"flood {n}")

        assert len(relayed(tg, "flood ")) == 5
        assert told_to_wait(tg, alice) == 1
        expiry = await client.pttl(f"{prefix}:{citizen.id}")
        assert 0 < expiry <= FORGET_AFTER.total_seconds() * 1000
    finally:
        await client.delete(*[key async for key in client.scan_iter(f"{prefix}:*")])
        await client.aclose()


async def test_without_redis_a_process_counts_alone_and_logs_it_once(
    harness_with: Any, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    from redis.asyncio import Redis

    down = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    try:
        tg = harness_with(SharedBuckets(down, "beatline-test:followups"))
        await onboard(tg, alice)
        await report(tg, alice)
        tg.api.clear()
        with caplog.at_level(logging.WARNING, "bot.domain.followup_limit"):
            for n in range(LIMIT + 3):
                await tg.send(alice, f"flood {n}")
    finally:
        await down.aclose()

    assert len(relayed(tg, "flood ")) == LIMIT
    assert told_to_wait(tg, alice) == 1
    warnings = [r for r in caplog.records if r.name == "bot.domain.followup_limit"]
    assert len(warnings) == 1


async def test_the_upgrade_drops_the_bucket_and_keeps_last_seen_to_the_day(
    tmp_path: Path,
) -> None:
    """Migration 0020, on SQLite (PostgreSQL's date_trunc runs in the suite's upgrade)."""
    engine: AsyncEngine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'upgrade.db'}")
    seen = datetime(2026, 3, 5, 17, 42, 13, 314159, tzinfo=UTC)
    try:
        await migrate.upgrade(engine)
        await migrate.downgrade(engine, "0019")
        # The citizen table as it was then: with the ban flag that 0021 drops.
        model = Citizen.core_table()
        then = table(
            "citizen",
            *(column(c.name, c.type) for c in model.columns),
            column("banned", Boolean()),
        )
        async with engine.begin() as connection:
            await connection.execute(
                insert(then).values(
                    telegram_id=7,
                    chat_id=7,
                    first_name="Zoë",
                    blocked_bot=False,
                    banned=False,
                    created_at=seen,
                    last_seen_at=seen,
                )
            )
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            row = (await connection.execute(select(model))).mappings().one()
    finally:
        await engine.dispose()

    assert row["last_seen_at"] == datetime(2026, 3, 5, tzinfo=UTC)
    assert not {"flood_tokens", "flood_at", "flood_noticed_at"} & set(row.keys())
