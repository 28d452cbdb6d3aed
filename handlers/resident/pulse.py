"""A resident's answer to the trust pulse's question: counted once, without their name; the
question then says thank you and loses its buttons."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InaccessibleMessage
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import pulse
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.pulse import PulseCb, already_answered, thanks
from handlers.filters import Consented
from storage.models import Citizen


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Consented())
    router.callback_query.register(cb_answer, PulseCb.filter())
    return router


async def cb_answer(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PulseCb,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    clock: Clock,
) -> None:
    counted = await pulse.answer(
        session, network, citizen, callback_data.question, callback_data.score, clock.now()
    )
    if not counted:
        outbox.answer(query.answer(already_answered(), show_alert=True))
    else:
        outbox.answer(query.answer())
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        text = thanks() if counted else already_answered()
        outbox.send(query.message.edit_text(text, reply_markup=None))
