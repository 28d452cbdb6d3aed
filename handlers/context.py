"""`ctx`, what a handler works with besides its event: the update's outbox, session and relay,
the network, the language and the clock, handed over by a middleware on the top routers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.workflows.relay import Relay
from handlers.middlewares import Handler


@dataclass
class Context:
    """One update's tools."""

    outbox: Outbox
    session: AsyncSession
    relay: Relay
    network: Network
    i18n: I18n
    clock: Clock

    @classmethod
    def of(cls, data: dict[str, Any]) -> Self:
        return cls(**cls.parts(data))

    @staticmethod
    def parts(data: dict[str, Any]) -> dict[str, Any]:
        names = ("outbox", "session", "relay", "network", "i18n", "clock")
        return {name: data[name] for name in names}


class Provide(BaseMiddleware):
    """Puts `make(data)` into `data[name]` for the handler that matched."""

    def __init__(self, name: str, make: Callable[[dict[str, Any]], object]) -> None:
        self.name = name
        self.make = make

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data[self.name] = self.make(data)
        return await handler(event, data)


def provide(router: Router, name: str, make: Callable[[dict[str, Any]], object]) -> Router:
    """`router`, whose handlers (and its nested routers' handlers) get `name`: an inner
    middleware, so only an update that found its handler builds it."""
    for observer in (router.message, router.edited_message, router.callback_query):
        observer.middleware(Provide(name, make))
    return router
