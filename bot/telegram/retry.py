"""Direct Bot API calls (start-up, callback answers, getChatMember) survive Telegram's 429 and
5xx/network faults. Messages are not retried here: the courier owns their retries (a send
repeated after a timeout could be a second copy)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.telegram.letters import delivering
from bot.telegram.requests import Call, RequestMiddleware

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]

_direct: ContextVar[bool] = ContextVar("beatline_direct_call", default=False)


@contextmanager
def without_retries() -> Iterator[None]:
    """Calls made inside go out once: the caller has a patience of its own (start-up)."""
    token = _direct.set(True)
    try:
        yield
    finally:
        _direct.reset(token)


class RetryMiddleware(RequestMiddleware):
    """Retries the same call: after `retry_after` on 429, with backoff on 5xx/network errors."""

    def __init__(
        self,
        sleep: Sleep = asyncio.sleep,
        max_flood_waits: int = 5,
        max_server_retries: int = 4,
        base_delay: float = 1.0,
    ) -> None:
        self.sleep = sleep
        self.max_flood_waits = max_flood_waits
        self.max_server_retries = max_server_retries
        self.base_delay = base_delay

    async def around(
        self, method: TelegramMethod[TelegramType], call: Call[TelegramType]
    ) -> Response[TelegramType]:
        if delivering() or _direct.get():
            return await call()
        flood_waits = server_retries = 0
        while True:
            try:
                return await call()
            except TelegramRetryAfter as exc:
                flood_waits += 1
                if flood_waits > self.max_flood_waits:
                    raise
                logger.warning(
                    "%s: flood control, waiting %ds (try %d)",
                    method.__api_method__,
                    exc.retry_after,
                    flood_waits,
                )
                await self.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                server_retries += 1
                if server_retries > self.max_server_retries:
                    raise
                delay = self.base_delay * 2 ** (server_retries - 1)
                logger.warning(
                    "%s failed (%s), retrying in %.1fs", method.__api_method__, exc, delay
                )
                await self.sleep(delay)
