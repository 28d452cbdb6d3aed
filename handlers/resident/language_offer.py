"""After several messages in another language the bot speaks, it offers to switch to it."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.citizens import set_language
from bot.network.base import spoken_language
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from bot.workflows.relay import Relay
from handlers.context import Context
from handlers.filters import Consented
from storage.models import Citizen

FOREIGN_STREAK = "foreign_language_streak"
DECLINED_LANGUAGES = "declined_languages"
SWITCH_AFTER = 3


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Consented())
    router.callback_query.register(cb_switch_language, keyboards.SwitchLanguageCb.filter())
    return router


async def maybe_offer(
    languages: list[str], citizen: Citizen, state: FSMContext, relay: Relay
) -> None:
    """Count messages in another interface language; at the third in a row, offer it."""
    data = await state.get_data()
    streak: dict[str, int] = data.get(FOREIGN_STREAK, {})
    declined: list[str] = data.get(DECLINED_LANGUAGES, [])
    for language in languages:
        own = spoken_language(citizen.language) if citizen.language else None
        if language == own or language not in relay.i18n.available_locales:
            streak = {}
            continue
        streak = {language: streak.get(language, 0) + 1}
        if streak[language] >= SWITCH_AFTER and language not in declined:
            streak = {}
            name = LANGUAGE_NAMES.get(language, language)
            with relay.i18n.use_locale(language):
                offer = fmt(
                    _(
                        "You seem to write in {language}. Shall I speak {language} "
                        "with you from now on?"
                    ),
                    language=name,
                )
                relay.tell_citizen(citizen, offer, keyboards.switch_language(language))
    await state.update_data({FOREIGN_STREAK: streak})


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
