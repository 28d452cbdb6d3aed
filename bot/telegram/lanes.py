"""Who may deliver a chat's messages right now: one worker per chat (a lane) at a time, across
every process, so a chat's messages leave in the order they were written.

In one process the courier's own bookkeeping is enough (`InProcessLanes`). With several
processes on PostgreSQL a worker holds an advisory lock keyed by the chat id while it works on
the lane (`AdvisoryLanes`); the locks sit on one connection per process, so a process that
dies frees its lanes with that connection and another process picks them up, recovering
whatever the dead one had claimed first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.locks import LockConnection, is_postgresql

logger = logging.getLogger(__name__)


class LaneLocks(Protocol):
    async def try_lock(self, lane: int) -> bool:
        """Take the lane for this worker; False when another worker has it."""

    async def take(self, lanes: list[int]) -> set[int]:
        """`try_lock` for several lanes at once: those this worker got."""

    async def unlock(self, lane: int) -> None: ...

    async def close(self) -> None: ...


class InProcessLanes:
    """One process: the courier never runs two tasks for one lane, so every lane is free."""

    async def try_lock(self, lane: int) -> bool:
        return True

    async def take(self, lanes: list[int]) -> set[int]:
        return set(lanes)

    async def unlock(self, lane: int) -> None:
        return None

    async def close(self) -> None:
        return None


class AdvisoryLanes:
    """A session-level advisory lock per lane, all on this process's lock connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.locks = LockConnection(engine)
        self._held: dict[int, int] = {}  # lane → connection generation it was locked on
        # Lanes end many a second and share the one lock connection: their unlocks wait here
        # while a round trip is under way, and the next round trip lets go of all of them.
        # A list, not a set: a lane taken again before its unlock went out is held twice.
        self._letting_go: list[int] = []
        self._unlocking = asyncio.Lock()

    async def try_lock(self, lane: int) -> bool:
        return lane in await self.take([lane])

    async def take(self, lanes: list[int]) -> set[int]:
        """One round trip for every lane the courier wants to start: the lock connection is
        shared by the whole process, and a round trip per lane made it the bottleneck."""
        got = await self.locks.try_lock_many(lanes) if lanes else set()
        if got and any(gen != self.locks.generation for gen in self._held.values()):
            # The connection was replaced: locks taken on the old one are gone.
            logger.error("lane locks: the lock connection was lost; held lanes were freed")
            self._held = {k: g for k, g in self._held.items() if g == self.locks.generation}
        for lane in got:
            self._held[lane] = self.locks.generation
        return got

    async def unlock(self, lane: int) -> None:
        generation = self._held.pop(lane, None)
        if generation != self.locks.generation:
            return
        self._letting_go.append(lane)
        async with self._unlocking:
            if lane not in self._letting_go:
                return  # the round trip before this one took it along
            lanes, self._letting_go = self._letting_go, []
            await self.locks.unlock_many(lanes)

    async def close(self) -> None:
        self._held.clear()
        await self.locks.close()


def lanes_for(engine: AsyncEngine) -> LaneLocks:
    return AdvisoryLanes(engine) if is_postgresql(engine) else InProcessLanes()
