"""A resident's data rights: /mydata sends everything Beatline keeps about them; /forget, after
a confirmation, erases it (bot.workflows.erasure)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.rights import forget_question, forgotten
from bot.workflows import erasure
from bot.workflows.relay import Relay
from bot.workflows.rights import send_my_data
from handlers.filters import consented_router
from storage.models import Citizen


def create_router() -> Router:
    router = consented_router(__name__)
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(cb_forget, keyboards.ForgetCb.filter())
    return router


async def cmd_mydata(
    message: Message,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
    clock: Clock,
    i18n: I18n,
) -> None:
    """A summary and a JSON document of everything stored about the resident."""
    await send_my_data(relay, session, citizen, i18n.current_locale, clock.now())


async def cmd_forget(message: Message, outbox: Outbox) -> None:
    """Ask before erasing: it cannot be undone."""
    outbox.send(message.answer(forget_question(), reply_markup=keyboards.forget_sure()))


async def cb_forget(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.ForgetCb,
    session: AsyncSession,
    citizen: Citizen,
    state: FSMContext,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """Erase the resident now (their conversation state too), or keep everything."""
    outbox.answer(query.answer())
    if not isinstance(query.message, Message):
        return
    if not callback_data.sure:
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
        outbox.send(
            query.message.answer(_("Nothing was erased."), reply_markup=keyboards.main_menu())
        )
        return
    await state.clear()
    # First erase (which drops whatever still waited for this chat), then say so.
    await erasure.forget(relay, session, citizen, clock.now())
    outbox.send(query.message.edit_reply_markup(reply_markup=None))
    outbox.send(query.message.answer(forgotten(network), reply_markup=ReplyKeyboardRemove()))
