"""PostgreSQL connections are not pinged before each transaction: one that died meanwhile (the
server restarted, an administrator killed the backend) fails its transaction, the pool is
renewed, and the update is handled again on a fresh connection, once, with nothing lost or
doubled; a timer's run is repeated at once. Killing the server's backends needs PostgreSQL;
the courier's part runs on both."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from bot.app.composition import Services
from bot.app.timers import add_leader_timers
from bot.config import Settings
from bot.kinds import Direction
from bot.network.schema import Network
from storage.models import CaseMessage
from tests.conftest import CENTRAL, Harness, make_harness
from tests.fakes import FakeClock, FakeTelegram
from tests.helpers import onboard, report
from tests.test_alerts_engine import announce, citizens


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


def relayed(tg: Harness, words: str) -> list[str]:
    return [str(c.text) for c in tg.api.sent("sendMessage", CENTRAL) if words in str(c.text)]


@contextmanager
def connection_dies_reading_a_lane(engine: AsyncEngine) -> Iterator[list[str]]:
    """The connection breaks under the courier's first look at a lane's messages (its one
    statement with EXISTS on the outbox), as it would when the server restarts just then."""
    broken: list[str] = []
    dbapi = engine.dialect.loaded_dbapi

    def execute(_cursor: Any, statement: str, *_args: Any) -> bool:
        if not broken and "EXISTS" in statement and "FROM outbox" in statement:
            broken.append(statement)
            raise dbapi.OperationalError("the server closed the connection")
        return False  # not handled here: the driver runs it

    def as_disconnect(context: ExceptionContext) -> None:
        if broken and context.statement == broken[0]:
            context.is_disconnect = True

    event.listen(engine.sync_engine, "do_execute", execute)
    event.listen(engine.sync_engine, "handle_error", as_disconnect)
    try:
        yield broken
    finally:
        event.remove(engine.sync_engine, "do_execute", execute)
        event.remove(engine.sync_engine, "handle_error", as_disconnect)


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

    assert len(relayed(tg, "The car came back at nine.")) == 1
    assert await citizen_rows(postgresql, "The car came back at nine.") == 1
    # The express lane met the dead connection first and left the update to the full path,
    # which found another and handled it again on a fresh one.
    assert "the database connection was lost; full path" in caplog.text
    assert "database connection was lost; handling it again" in caplog.text


async def test_a_lane_that_lost_its_connection_delivers_a_second_later_once(
    tg: Harness, alice: User, engine: AsyncEngine, clock: FakeClock
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()
    tg.auto_drain = False
    await tg.send(alice, "Seen again by the school.")

    with connection_dies_reading_a_lane(engine) as broken:
        await tg.courier.drain()
    assert broken and not relayed(tg, "Seen again by the school.")

    clock.advance(seconds=1)  # not a minute, as for a lane that failed for another reason
    await tg.courier.drain()
    assert len(relayed(tg, "Seen again by the school.")) == 1


async def test_a_timer_whose_connection_died_runs_again_at_once(
    postgresql: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    network: Network,
    i18n: I18n,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The alert timer's first statement meets a connection the server killed: the run is
    repeated at once, and the alert due now goes out now, not at the next tick."""
    people = await citizens(session_factory, 3, clock.now())
    await announce(session_factory, clock.now())
    services = Services(settings, network, session_factory, i18n, clock)
    harness = make_harness(services, FakeTelegram())
    scheduler = AsyncIOScheduler()
    add_leader_timers(scheduler, harness.bot, services, harness.courier)
    alert_timer = next(job for job in scheduler.get_jobs() if job.name == "Broadcaster.run")
    assert await kill_connections(postgresql) >= 1

    with caplog.at_level(logging.WARNING):
        await alert_timer.func()
    await harness.courier.drain()

    alerted = {call.chat_id for call in harness.api.sent("sendMessage")}
    assert alerted >= {person.chat_id for person in people}
    assert "timer Broadcaster.run: the database connection was lost" in caplog.text
