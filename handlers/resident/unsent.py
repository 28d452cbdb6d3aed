"""What a resident wrote before they could report it (before consent, or with no case open):
kept in the conversation state only (it expires with it) and offered as a report with one tap."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import Message

from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.workflows.casework import snapshot

UNSENT = "unsent_messages"
UNSENT_KEPT = 10
KEEPABLE = frozenset({"text", "voice"})


async def keep_unsent(state: FSMContext, message: Message) -> bool:
    """Keep a text or voice note to offer as a report later; False for other kinds."""
    if message.content_type not in KEEPABLE:
        return False
    kept: list[dict[str, Any]] = (await state.get_data()).get(UNSENT, [])
    await state.update_data({UNSENT: [*kept, snapshot(message)][-UNSENT_KEPT:]})
    return True


def offer_unsent(outbox: Outbox, chat_id: int) -> None:
    outbox.send(
        SendMessage(
            chat_id=chat_id,
            text=_(
                "You have no open report. Shall I make what you wrote into one? It becomes "
                "the description; you choose the rest."
            ),
            reply_markup=keyboards.report_this(),
        )
    )
