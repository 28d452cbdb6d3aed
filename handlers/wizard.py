"""What a wizard's step handlers share: the chat it runs in, its FSM state, the outbox, the
update's session, the network, the language and the clock, handed to them as one `wizard` by
a router's middleware."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, Self

from aiogram import BaseMiddleware, Router
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from handlers.middlewares import Handler

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class Draft(Protocol):
    def saved(self) -> dict[str, Any]: ...


@dataclass
class Wizard:
    """One update's view of a wizard's conversation."""

    outbox: Outbox
    chat_id: int
    state: FSMContext
    session: AsyncSession
    network: Network
    i18n: I18n
    clock: Clock

    @classmethod
    def of(cls, data: dict[str, Any]) -> Self:
        return cls(
            data["outbox"],
            data["event_chat"].id,
            data["state"],
            data["session"],
            data["network"],
            data["i18n"],
            data["clock"],
        )

    async def keep(self, draft: Draft) -> None:
        """The draft, kept in the conversation for the next step."""
        await self.state.update_data(draft.saved())

    def say(self, text: str, markup: Markup | None = None) -> None:
        self.outbox.send(SendMessage(chat_id=self.chat_id, text=text, reply_markup=markup))

    def answered(self, query: CallbackQuery, text: str) -> None:
        """The button is answered, and the step's question now shows `text`, without buttons."""
        self.outbox.answer(query.answer())
        if query.message is not None and not isinstance(query.message, InaccessibleMessage):
            self.outbox.send(query.message.edit_text(text, reply_markup=None))

    def refuse(self, query: CallbackQuery, text: str) -> None:
        """A button that cannot be used (any more): `text` as an alert, nothing else changes."""
        self.outbox.answer(query.answer(text, show_alert=True))


class WizardMiddleware(BaseMiddleware):
    """Puts `make(data)` into `data["wizard"]` for the handlers of one router."""

    def __init__(self, make: Callable[[dict[str, Any]], Wizard]) -> None:
        self.make = make

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["wizard"] = self.make(data)
        return await handler(event, data)


def with_wizard(router: Router, make: Callable[[dict[str, Any]], Wizard]) -> Router:
    """`router`, its message and button handlers given `wizard` (an inner middleware: only
    the handler that matched builds one)."""
    router.message.middleware(WizardMiddleware(make))
    router.callback_query.middleware(WizardMiddleware(make))
    return router
