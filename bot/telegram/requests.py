"""The base of this bot's request middlewares: aiogram's `__call__` signature kept in one place,
each middleware written as a typed hook around the call it is given."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

Call = Callable[[], Awaitable[Response[TelegramType]]]


class RequestMiddleware(BaseRequestMiddleware, ABC):
    """A request middleware that sees the method and a `call` that makes the request (through
    the middlewares after it); awaiting `call` again repeats the request."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        return await self.around(method, partial(make_request, bot, method))

    @abstractmethod
    async def around(
        self, method: TelegramMethod[TelegramType], call: Call[TelegramType]
    ) -> Response[TelegramType]:
        """The answer to `method`, which this middleware gets by awaiting `call`."""
