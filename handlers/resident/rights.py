"""A resident's data rights: /mydata sends everything Beatline keeps about them; /forget, after
a confirmation, erases it (bot.workflows.erasure)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.rights import forget_question, forgotten
from bot.workflows import erasure
from bot.workflows.rights import send_my_data
from handlers.context import Context
from handlers.filters import CommandOrButton, consented_router
from storage.models import Citizen


def create_router() -> Router:
    router = consented_router(__name__)
    router.message.filter(CommandOrButton())  # commands only
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(cb_forget, keyboards.ForgetCb.filter())
    return router


async def cmd_mydata(message: Message, ctx: Context, citizen: Citizen) -> None:
    """A summary and a JSON document of everything stored about the resident."""
    await send_my_data(ctx.relay, ctx.session, citizen, ctx.i18n.current_locale, ctx.clock.now())


async def cmd_forget(message: Message, ctx: Context) -> None:
    """Ask before erasing: it cannot be undone."""
    ctx.outbox.send(message.answer(forget_question(), reply_markup=keyboards.forget_sure()))


async def cb_forget(
    query: CallbackQuery,
    callback_data: keyboards.ForgetCb,
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
) -> None:
    """Erase the resident now (their conversation state too), or keep everything."""
    ctx.outbox.answer(query.answer())
    if not isinstance(query.message, Message):
        return
    if not callback_data.sure:
        ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
        ctx.outbox.send(
            query.message.answer(_("Nothing was erased."), reply_markup=keyboards.main_menu())
        )
        return
    await state.clear()
    # First erase (which drops whatever still waited for this chat), then say so.
    await erasure.forget(ctx.relay, ctx.session, citizen, ctx.clock.now())
    ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    ctx.outbox.send(
        query.message.answer(forgotten(ctx.network), reply_markup=ReplyKeyboardRemove())
    )
