"""Messages held back in the conversation while an anonymous resident answers "this may
identify you: send anyway?" (in the report wizard and in a case)."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.telegram.outbox import Outbox

SENSITIVE = "sensitive"


async def take_held(query: CallbackQuery, outbox: Outbox, state: FSMContext) -> Any:
    """What was held (None if nothing is), no longer kept; the question loses its buttons."""
    held = (await state.get_data()).get(SENSITIVE)
    await state.update_data({SENSITIVE: None})
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    return held


def refused(query: CallbackQuery, outbox: Outbox, text: str) -> None:
    """The resident said no (or nothing was held any more): `text` under the question."""
    if isinstance(query.message, Message):
        outbox.send(query.message.answer(text))
