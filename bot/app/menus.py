"""The command menus Telegram shows: per language for residents, one each for police desks,
partners and coordinators."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from bot.network.desks import DeskKind
from bot.network.schema import Network
from bot.ui.i18n import N_

logger = logging.getLogger(__name__)

CITIZEN_COMMANDS = (
    ("report", N_("Report an incident or give a tip")),
    ("cases", N_("My cases and their status")),
    ("status", N_("Status of one case: /status BL-26-00042")),
    ("alerts", N_("Alerts for your neighbourhood")),
    ("language", N_("Change the language")),
    ("cancel", N_("Cancel the report you are writing")),
    ("mydata", N_("Everything Beatline keeps about you")),
    ("forget", N_("Erase your data from Beatline")),
    ("help", N_("How Beatline works")),
)
STATS = ("stats", N_("Figures and charts: /stats, /stats 2026-11, /stats <first day> <last day>"))
WHEREAMI = ("whereami", N_("Show this chat's id and topic settings"))
STAFF_COMMANDS = (
    ("take", N_("Handle this case yourself")),
    ("close", N_("Close the case: /close <outcome for the citizen>")),
    ("reopen", N_("Reopen a closed case")),
    ("transfer", N_("Move the case to another police desk: /transfer <desk>")),
    ("refer", N_("Ask the citizen to share the case with a partner: /refer <partner> [info]")),
    ("history", N_("Show what staff did on this case")),
    ("ban", N_("Stop the reporter from opening new cases")),
    ("unban", N_("Allow the reporter to open cases again")),
    STATS,
    WHEREAMI,
)
# Partners answer residents in their referral topics; the police's case commands are not theirs.
PARTNER_COMMANDS = (STATS, WHEREAMI)
COORDINATOR_COMMANDS = (
    ("announce", N_("Compose an alert for residents")),
    ("announcements", N_("Recent and scheduled alerts")),
    ("cancel_announcement", N_("Cancel a scheduled alert: /cancel_announcement <number>")),
    STATS,
    ("report", N_("The public monthly report as a PDF: /report 2026-11")),
    ("audit_export", N_("The audit trail as CSV: /audit_export, /audit_export 2026-11")),
    WHEREAMI,
)


def _commands(i18n: I18n, entries: tuple[tuple[str, str], ...], locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for name, text in entries
    ]


async def set_commands(bot: Bot, i18n: I18n, network: Network) -> None:
    """Install the menus; a desk chat the bot cannot reach is logged, not fatal."""
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_commands(i18n, CITIZEN_COMMANDS, i18n.default_locale), private)
    for locale in i18n.available_locales:
        if "_" in locale:  # Telegram keys menus by two-letter codes; "pt_BR" gets the default
            continue
        await bot.set_my_commands(
            _commands(i18n, CITIZEN_COMMANDS, locale), private, language_code=locale
        )
    language = network.default_language
    menus = {
        DeskKind.POLICE: _commands(i18n, STAFF_COMMANDS, language),
        DeskKind.PARTNER: _commands(i18n, PARTNER_COMMANDS, language),
    }
    chats = [(desk.code, chat, menus[desk.kind]) for desk in network.desks for chat in desk.groups]
    if network.coordinators_chat_id is not None:
        coordinators = _commands(i18n, COORDINATOR_COMMANDS, language)
        chats.append(("coordinators", network.coordinators_chat_id, coordinators))
    for name, chat_id, commands in chats:
        try:
            await bot.set_my_commands(commands, BotCommandScopeChat(chat_id=chat_id))
        except TelegramAPIError as exc:
            logger.warning("%s chat: cannot set commands (%s)", name, exc.message)
