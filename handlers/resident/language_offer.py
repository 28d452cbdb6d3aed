"""After several messages in another language the bot speaks, it offers to switch to it."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.citizens import set_language
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.workflows.language_offer import DECLINED_LANGUAGES
from handlers.context import Context
from handlers.filters import Consented
from storage.models import Citizen


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Consented())
    router.callback_query.register(cb_switch_language, keyboards.SwitchLanguageCb.filter())
    return router


async def cb_switch_language(
    query: CallbackQuery,
    callback_data: keyboards.SwitchLanguageCb,
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
) -> None:
    """Yes: switch the interface; no: never offer that language again."""
    ctx.outbox.answer(query.answer())
    if isinstance(query.message, Message):
        ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not callback_data.switch or callback_data.code not in ctx.i18n.available_locales:
        declined = (await state.get_data()).get(DECLINED_LANGUAGES, [])
        await state.update_data({DECLINED_LANGUAGES: [*declined, callback_data.code]})
        return
    set_language(citizen, callback_data.code)
    with ctx.i18n.use_locale(callback_data.code):
        if isinstance(query.message, Message):
            ctx.outbox.send(
                query.message.answer(
                    _("Language set to {name}.").format(
                        name=LANGUAGE_NAMES.get(callback_data.code, callback_data.code)
                    ),
                    reply_markup=keyboards.main_menu(),
                )
            )
