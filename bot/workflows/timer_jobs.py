"""What the leader's timer jobs that write to the outbox are built from (the broadcaster and
the trust pulse): the bot, a session factory, the languages, the network, the clock, and the
courier's wake-up call for once they wrote something."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.network.schema import Network


def _no_courier() -> None:
    """No courier to wake (tests and scripts that deliver on their own)."""


@dataclass(eq=False)
class OutboxTimerJob:
    """A job run by a timer: it reads what is due and queues messages in one transaction."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    network: Network
    clock: Clock
    wake: Callable[[], None] = _no_courier
