"""After several messages in another language the bot speaks, it offers to switch to it (the
answer is handled in handlers.resident.language_offer)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext

from bot.network.base import spoken_language
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from bot.workflows.relay import Relay
from storage.models import Citizen

FOREIGN_STREAK = "foreign_language_streak"
DECLINED_LANGUAGES = "declined_languages"
SWITCH_AFTER = 3


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
