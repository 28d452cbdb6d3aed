"""One pacing layer for every outgoing Bot API call that sends a message.

Telegram allows about 30 messages a second per bot, about one a second per private chat and
20 a minute per group. Calls wait here for a free slot; interactive calls (replies, relays)
go before broadcast calls, which mark themselves with `broadcasting()`; a 429 pauses every
call until Telegram's `retry_after` has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

_broadcast: ContextVar[bool] = ContextVar("beatline_broadcast", default=False)
PACED_PREFIXES = ("send", "copy", "forward")


@contextmanager
def broadcasting() -> Iterator[None]:
    """Calls made inside this block yield to interactive ones."""
    token = _broadcast.set(True)
    try:
        yield
    finally:
        _broadcast.reset(token)


class Pacer(BaseRequestMiddleware):
    def __init__(
        self,
        per_second: float = 29.5,
        private_interval: float = 1.0,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.private_interval = private_interval
        self.group_per_minute = group_per_minute
        self.clock = clock
        self.sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._private_next: dict[int, float] = {}
        self._group_sent: dict[int, deque[float]] = defaultdict(deque)
        self._interactive_waiting = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not method.__api_method__.startswith(PACED_PREFIXES):
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None)
        await self.acquire(chat_id if isinstance(chat_id, int) else None, _broadcast.get())
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:
            self._paused_until = max(self._paused_until, self.clock() + exc.retry_after)
            raise

    async def acquire(self, chat_id: int | None, broadcast: bool) -> None:
        """Wait for a slot; reserving it happens without an await, so it is race-free."""
        if not broadcast:
            self._interactive_waiting += 1
        try:
            while True:
                now = self.clock()
                wait = self._wait(chat_id, now)
                if broadcast and self._interactive_waiting and wait <= 0:
                    wait = self.interval  # let the interactive call take this slot
                if wait <= 0:
                    self._reserve(chat_id, now)
                    return
                await self.sleep(wait)
        finally:
            if not broadcast:
                self._interactive_waiting -= 1

    def _wait(self, chat_id: int | None, now: float) -> float:
        waits = [self._paused_until - now, self._next_slot - now]
        if chat_id is not None and chat_id > 0:
            waits.append(self._private_next.get(chat_id, 0.0) - now)
        elif chat_id is not None:
            sent = self._group_sent[chat_id]
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                waits.append(sent[0] + 60 - now)
        return max(waits)

    def _reserve(self, chat_id: int | None, now: float) -> None:
        self._next_slot = max(self._next_slot, now) + self.interval
        if chat_id is not None and chat_id > 0:
            self._private_next[chat_id] = now + self.private_interval
        elif chat_id is not None:
            self._group_sent[chat_id].append(now)
