"""PostgreSQL connections are not pinged before each transaction: one that died meanwhile (the
server restarted, an administrator killed the backend) fails its transaction, the pool is
renewed, and the update is handled again on a fresh connection, once, with nothing lost or
doubled. SQLite has no server connection to lose, so these run on PostgreSQL only."""

from __future__ import annotations

import logging

import pytest
from aiogram.types import User
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.kinds import Direction
from storage.models import CaseMessage
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report


@pytest.fixture
def postgresql(engine: AsyncEngine) -> AsyncEngine:
    if engine.dialect.name != "postgresql":
        pytest.skip("a lost server connection is a PostgreSQL matter (set TEST_DATABASE_URL)")
    return engine


async def kill_connections(engine: AsyncEngine) -> int:
    """What a server restart does to the bot's pool: every other backend of its database is
    terminated. Returns how many were."""
    outside = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with outside.connect() as connection:
            killed = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await outside.dispose()
    return int(killed or 0)


async def citizen_rows(engine: AsyncEngine, words: str) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(CaseMessage)
            .where(CaseMessage.direction == Direction.CITIZEN, CaseMessage.text == words)
        )
    return int(count or 0)


async def test_a_follow_up_after_the_connections_died_is_handled_once_on_a_new_one(
    tg: Harness, alice: User, postgresql: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()
    assert await kill_connections(postgresql) >= 1  # the pool's idle connection among them

    with caplog.at_level(logging.WARNING):
        await tg.send(alice, "The car came back at nine.")

    relayed = [
        call
        for call in tg.api.sent("sendMessage", CENTRAL)
        if "The car came back at nine." in str(call.text)
    ]
    assert len(relayed) == 1
    assert await citizen_rows(postgresql, "The car came back at nine.") == 1
    assert "database connection was lost; handling it again" in caplog.text
