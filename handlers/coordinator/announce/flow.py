"""What the /announce wizard's steps share: its states, the draft kept in the conversation,
asking a step's question and answering a button."""

from __future__ import annotations

import re

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message

from bot.telegram.outbox import Outbox
from bot.workflows.announcements import AnnounceDraft

TEXT_LINE = re.compile(r"^\s*([a-z]{2,3})\s*:\s*(.+)$", re.DOTALL)


class AnnounceForm(StatesGroup):
    areas = State()
    topics = State()
    priority = State()
    texts = State()
    photo = State()
    when = State()
    until = State()
    confirm = State()


async def draft_of(state: FSMContext) -> AnnounceDraft:
    return AnnounceDraft.of(await state.get_data())


async def keep(state: FSMContext, draft: AnnounceDraft) -> None:
    await state.update_data(draft.saved())


def ask(
    outbox: Outbox, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    outbox.send(SendMessage(chat_id=chat_id, text=text, reply_markup=markup))


def chat_of(event: Message | CallbackQuery) -> int:
    message = event.message if isinstance(event, CallbackQuery) else event
    assert message is not None
    return message.chat.id


def answered(outbox: Outbox, query: CallbackQuery, text: str) -> None:
    """The step is done: its message says what was chosen and loses its buttons."""
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        outbox.send(query.message.edit_text(text, reply_markup=None))
