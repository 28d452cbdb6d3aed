"""The last router: a button press nothing else took (an old keyboard, or callback data anyone
forged) gets a calm answer, so the presser's app stops waiting and nothing else happens."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.ui.i18n import _
from handlers.context import Context


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(cb_unknown)
    return router


async def cb_unknown(query: CallbackQuery, ctx: Context) -> None:
    """Any button no other handler answered."""
    ctx.outbox.answer(query.answer(_("This button is no longer active.")))
