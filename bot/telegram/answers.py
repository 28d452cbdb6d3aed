"""Keeps aiogram's answer models alive, so parsing an answer never rebuilds one.

aiogram parses every Bot API answer with `Response[T]`, T being what the method returns. That
is a pydantic generic model, made on first use and cached by pydantic in a WeakValueDictionary:
once nothing refers to it, the garbage collector frees it and the next call of that method
builds it again (about 5 ms of schema work). Under load that happened on one call in eight.
Holding each `Response[T]` this bot has used keeps pydantic's cache warm; there are a few dozen.
"""

from __future__ import annotations

from typing import Any

from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.telegram.requests import Call, RequestMiddleware


class AnswerModels(RequestMiddleware):
    """A request middleware that holds `Response[T]` for every T it has seen."""

    def __init__(self) -> None:
        self._held: dict[Any, type[Any]] = {}

    async def around(
        self, method: TelegramMethod[TelegramType], call: Call[TelegramType]
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._held:
            self._held[returning] = Response[returning]  # type: ignore[valid-type]
        return await call()
