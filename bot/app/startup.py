"""Patience at start-up: a process whose database or Bot API server is not there yet keeps
trying, one log line per attempt, instead of giving up with a traceback. Meanwhile its HTTP
server already answers /healthz, so a supervisor sees it alive and waiting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

from bot.telegram.retry import without_retries

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]


class StartupError(Exception):
    """Something only a person can fix (a refused token); the message says what."""


class StopRequested(Exception):  # noqa: N818 - a request, not an error
    """A stop (SIGTERM) came while start-up was still waiting."""


def napping(stop: asyncio.Event | None) -> Sleep:
    """A sleep between attempts that ends early, with `StopRequested`, when `stop` is set."""

    async def nap(seconds: float) -> None:
        if stop is None:
            await asyncio.sleep(seconds)
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if stop.is_set():
            raise StopRequested

    return nap


@dataclass(frozen=True)
class Patience:
    """Delays between attempts: doubling from `first` up to `longest`, for ever."""

    first: float = 1.0
    longest: float = 60.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(self.longest, delay * 2)


def _database_unavailable() -> tuple[type[BaseException], ...]:
    """Errors that mean "not there yet" (refused, starting up), not "misconfigured". PostgreSQL's
    own kinds only where its driver is installed (`beatline[postgres]`): SQLite needs none."""
    try:
        from asyncpg.exceptions import CannotConnectNowError, TooManyConnectionsError
    except ModuleNotFoundError:
        return (OSError,)
    return (OSError, CannotConnectNowError, TooManyConnectionsError)


async def patiently(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    transient: tuple[type[BaseException], ...],
    patience: Patience,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """`attempt()` until it succeeds; errors of the `transient` kinds are logged and retried."""
    delays = patience.delays()
    tries = 0
    while True:
        tries += 1
        try:
            result = await attempt()
        except transient as exc:
            delay = next(delays)
            logger.warning(
                "%s: not reachable (attempt %d: %s); trying again in %.0fs",
                what,
                tries,
                _reason(exc),
                delay,
            )
            await sleep(delay)
            continue
        if tries > 1:
            logger.info("%s: reached after %d attempts", what, tries)
        return result


async def with_telegram(
    what: str, call: Callable[[], Awaitable[T]], patience: Patience, sleep: Sleep = asyncio.sleep
) -> T:
    """A start-up Bot API step, retried while Telegram (or the Bot API server) cannot be
    reached or answers with an error; a refused token stops the start with a plain message."""

    async def once() -> T:
        try:
            with without_retries():
                return await call()
        except TelegramUnauthorizedError as exc:
            msg = "Telegram refuses BOT_TOKEN (401 Unauthorized): check the token with @BotFather"
            raise StartupError(msg) from exc

    return await patiently(what, once, (TelegramAPIError, OSError, TimeoutError), patience, sleep)


async def with_database(
    what: str, call: Callable[[], Awaitable[T]], patience: Patience, sleep: Sleep = asyncio.sleep
) -> T:
    """A start-up database step, retried while the server refuses connections."""
    return await patiently(what, call, _database_unavailable(), patience, sleep)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__
