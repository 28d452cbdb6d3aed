"""An event loop whose clock jumps to the next timer whenever nothing is ready to run.

Scheduling and flood-control scenarios (a 60-second flood wait, a 20-a-minute group) then run
in milliseconds and measure time exactly, with no timing of the machine in the test. It holds
only for code that waits on timers, not on sockets: the scenarios use an in-loop SQLite file
database and an in-process fake Bot API, never PostgreSQL or HTTP.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")
EPOCH = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


class _TimeTravel(selectors.BaseSelector):
    """Wraps the loop's selector: when nothing is ready, the loop's clock jumps instead."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop) -> None:
        self.inner = inner
        self.loop = loop

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self.inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self.inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self.inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self.inner.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            return self.inner.select(None)
        self.loop.virtual += timeout
        return []

    def close(self) -> None:
        self.inner.close()

    def get_map(self) -> Any:
        return self.inner.get_map()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self.virtual = 0.0
        self._selector = _TimeTravel(self._selector, self)  # type: ignore[has-type]

    def time(self) -> float:
        return self.virtual


class LoopClock:
    """The bot's Clock, reading the (virtual) loop time."""

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=asyncio.get_running_loop().time())


def run_virtual(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run `scenario` to completion on a fresh time-travelling loop."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(scenario())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def until(condition: Callable[[], bool], step: float = 0.05, limit: float = 3600) -> float:
    """Wait (in loop time) until `condition()` holds; the loop time it became true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            msg = f"condition not met within {limit} s of loop time"
            raise TimeoutError(msg)
        await asyncio.sleep(step)
    return loop.time()
