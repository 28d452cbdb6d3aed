"""One process runs the timers: a PostgreSQL advisory lock elects it, and another process
takes over when its connection ends; SQLite has one process, which always leads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.leadership import AdvisoryElector, Alone, Leadership
from bot.metrics import Metrics
from storage.db import create_engine
from tests.postgres import end_connection, eventually, postgresql_url


class RecordingTimers:
    """Stands in for APScheduler: remembers whether it would be running."""

    def __init__(self) -> None:
        self.running = False
        self.changes: list[str] = []

    def pause(self) -> None:
        self.running = False
        self.changes.append("pause")

    def resume(self) -> None:
        self.running = True
        self.changes.append("resume")


@pytest.fixture
async def engines() -> AsyncIterator[tuple[AsyncEngine, AsyncEngine, AsyncEngine]]:
    """Two processes' engines and an administrator's."""
    url = postgresql_url()
    made = (create_engine(url), create_engine(url), create_engine(url))
    yield made
    for engine in made:
        await engine.dispose()


async def test_on_sqlite_the_only_process_runs_the_timers_at_once() -> None:
    timers = RecordingTimers()
    leadership = Leadership(Alone(), timers, Metrics())

    assert await leadership.step()
    assert timers.running and leadership.metrics.value("scheduler_leader") == 1


async def test_only_one_of_two_processes_holds_the_lock(
    engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    first, second = AdvisoryElector(engines[0]), AdvisoryElector(engines[1])
    try:
        assert await first.hold()
        assert not await second.hold()
        assert await first.hold()  # asking again keeps it
    finally:
        await first.resign()
        await second.resign()


async def test_the_other_process_takes_over_when_the_leaders_connection_ends(
    engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    elected: list[str] = []
    first_timers, second_timers = RecordingTimers(), RecordingTimers()

    async def second_elected() -> None:
        elected.append("second")

    first = Leadership(AdvisoryElector(engines[0]), first_timers, Metrics())
    second = Leadership(
        AdvisoryElector(engines[1]), second_timers, Metrics(), on_elected=second_elected
    )
    try:
        assert await first.step()
        assert not await second.step()
        assert isinstance(first.elector, AdvisoryElector)
        await end_connection(engines[2], await first.elector.locks.backend_pid())

        assert await second.step()
        assert not await first.step()
    finally:
        await first.resign()
        await second.resign()

    assert first_timers.changes == ["resume", "pause"]
    assert second_timers.changes == ["resume", "pause"]  # the pause is the resignation
    assert elected == ["second"]


async def test_with_a_short_interval_the_running_loops_move_the_timers_to_the_survivor(
    engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    first_timers, second_timers = RecordingTimers(), RecordingTimers()
    first = Leadership(AdvisoryElector(engines[0]), first_timers, Metrics(), interval=0.05)
    second = Leadership(AdvisoryElector(engines[1]), second_timers, Metrics(), interval=0.05)
    loops = [asyncio.create_task(first.run())]
    try:
        await eventually(lambda: first.leading)
        loops.append(asyncio.create_task(second.run()))
        await asyncio.sleep(0.2)  # several rounds in which the second must not lead
        assert not second.leading and not second_timers.running

        loops[0].cancel()  # the leader's process dies: its lock goes with its connection
        assert isinstance(first.elector, AdvisoryElector)
        await end_connection(engines[2], await first.elector.locks.backend_pid())
        await eventually(lambda: second.leading)
        assert second_timers.running
    finally:
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await first.resign()
        await second.resign()


async def test_processes_starting_together_migrate_one_after_the_other() -> None:
    from storage import migrate

    url = postgresql_url()
    admin = create_engine(url)
    processes = [create_engine(url) for _ in range(3)]
    try:
        await migrate.downgrade(admin, "base")
        await asyncio.gather(*(migrate.upgrade(engine) for engine in processes))
        assert await migrate.is_current(admin)
    finally:
        await migrate.upgrade(admin)  # the next tests find the schema they expect
        for engine in (admin, *processes):
            await engine.dispose()
