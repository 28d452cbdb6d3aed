"""A resident's answer to the trust pulse's question: counted once, without their name; the
question then says thank you and loses its buttons."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InaccessibleMessage

from bot.domain import pulse
from bot.ui.pulse import PulseCb, already_answered, thanks
from handlers.context import Context
from handlers.filters import Consented
from storage.models import Citizen


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Consented())
    router.callback_query.register(cb_answer, PulseCb.filter())
    return router


async def cb_answer(
    query: CallbackQuery, callback_data: PulseCb, ctx: Context, citizen: Citizen
) -> None:
    counted = await pulse.answer(
        ctx.session,
        ctx.network,
        citizen,
        callback_data.question,
        callback_data.score,
        ctx.clock.now(),
    )
    if not counted:
        ctx.outbox.answer(query.answer(already_answered(), show_alert=True))
    else:
        ctx.outbox.answer(query.answer())
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        text = thanks() if counted else already_answered()
        ctx.outbox.send(query.message.edit_text(text, reply_markup=None))
