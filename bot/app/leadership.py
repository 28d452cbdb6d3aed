"""One scheduler among many processes: the process holding a PostgreSQL advisory lock runs
the timers (alerts, response times, the pulse, retention, Open311); the others ask again
every `interval` seconds. A leader that dies frees the lock with its connection, so another
process takes over within `interval` plus the time the server needs to notice (at once for a
crash; about 20 s of TCP keepalives for a lost host). On SQLite there is one process, and it
always leads.

A leader that can no longer reach its lock connection pauses its timers at once: two
processes never run them knowingly at the same time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import Metrics
from storage.locks import LEADER_KEY, LockConnection, is_postgresql

logger = logging.getLogger(__name__)

ELECTION_INTERVAL_S = 10.0


class Elector(Protocol):
    async def hold(self) -> bool:
        """Try to be (or stay) the leader; whether this process leads now."""

    async def resign(self) -> None: ...


class Alone:
    """SQLite: one process, always the leader."""

    async def hold(self) -> bool:
        return True

    async def resign(self) -> None:
        """Nothing to let go of: no other process could lead."""


class AdvisoryElector:
    """The leader holds `LEADER_KEY` on a connection of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.locks = LockConnection(engine)
        self._held_in: int | None = None  # the connection generation the lock was taken on

    async def hold(self) -> bool:
        if self._held_in is not None:
            if await self.locks.alive() and self.locks.generation == self._held_in:
                return True
            self._held_in = None  # the connection went, and the lock with it
        try:
            if await self.locks.try_lock_pair(LEADER_KEY):
                self._held_in = self.locks.generation
                return True
        except Exception as exc:
            logger.warning("scheduler election: the database did not answer (%s)", type(exc))
        return False

    async def resign(self) -> None:
        self._held_in = None
        await self.locks.close()  # the lock goes with the connection


def elector_for(engine: AsyncEngine) -> Elector:
    return AdvisoryElector(engine) if is_postgresql(engine) else Alone()


class Timers(Protocol):
    """The part of APScheduler's scheduler this needs (tests pass a recording fake)."""

    def pause(self) -> Any: ...

    def resume(self) -> Any: ...


@dataclass(eq=False)
class Leadership:
    """Runs `timers` only while this process leads; `on_elected` runs first each time."""

    elector: Elector
    timers: Timers
    metrics: Metrics
    on_elected: Callable[[], Awaitable[None]] | None = None
    interval: float = ELECTION_INTERVAL_S
    leading: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._report()

    async def step(self) -> bool:
        """One round of the election; whether this process leads afterwards."""
        leading = await self.elector.hold()
        if leading and not self.leading:
            logger.info("this process now runs the timers (scheduler leader)")
            if self.on_elected is not None:
                await self.on_elected()
            self.timers.resume()
        elif not leading and self.leading:
            logger.warning("this process no longer runs the timers (leadership lost)")
            self.timers.pause()
        self.leading = leading
        self._report()
        return leading

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                logger.exception("scheduler election failed; trying again")
            await asyncio.sleep(self.interval)

    async def resign(self) -> None:
        if self.leading:
            self.timers.pause()
            self.leading = False
            self._report()
        await self.elector.resign()

    def _report(self) -> None:
        self.metrics.gauge(
            "scheduler_leader", "1 while this process runs the timers", int(self.leading)
        )
