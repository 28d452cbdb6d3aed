"""What a wizard's step handlers share: `ctx` with the chat the wizard runs in and its FSM
state, handed to them as one `wizard` by a router's middleware."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, Self

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from handlers.context import Context, provide

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class Draft(Protocol):
    def saved(self) -> dict[str, Any]: ...


@dataclass
class Wizard(Context):
    """One update's view of a wizard's conversation."""

    chat_id: int
    state: FSMContext

    @classmethod
    def of(cls, data: dict[str, Any]) -> Self:
        return cls(**cls.parts(data), chat_id=data["event_chat"].id, state=data["state"])

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


def with_wizard(router: Router, make: Callable[[dict[str, Any]], Wizard]) -> Router:
    """`router`, its handlers given `wizard`."""
    return provide(router, "wizard", make)
