"""The command menus Telegram shows: per language for residents, one each for police desks,
partners and coordinators."""

from __future__ import annotations

import logging
from enum import Flag, auto

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from bot.network.desks import DeskKind
from bot.network.schema import Network
from bot.ui.i18n import N_

logger = logging.getLogger(__name__)


class Audience(Flag):
    """Whose menu a command is in."""

    RESIDENTS = auto()
    POLICE = auto()
    PARTNERS = auto()
    COORDINATORS = auto()


# Short names for the table below.
RESIDENTS = Audience.RESIDENTS
POLICE = Audience.POLICE
COORDINATORS = Audience.COORDINATORS
STAFF_CHATS = Audience.POLICE | Audience.PARTNERS | Audience.COORDINATORS

# Each menu is the rows naming its audience, in this order. Partners answer residents in their
# referral topics: the police's case commands are not theirs. "report" is two commands, the
# resident's and the coordinators' monthly report.
COMMANDS: tuple[tuple[Audience, str, str], ...] = (
    (RESIDENTS, "report", N_("Report an incident or give a tip")),
    (RESIDENTS, "cases", N_("My cases and their status")),
    (RESIDENTS, "status", N_("Status of one case: /status BL-26-00042")),
    (RESIDENTS, "alerts", N_("Alerts for your neighbourhood")),
    (RESIDENTS, "language", N_("Change the language")),
    (RESIDENTS, "cancel", N_("Cancel the report you are writing")),
    (RESIDENTS, "mydata", N_("Everything Beatline keeps about you")),
    (RESIDENTS, "forget", N_("Erase your data from Beatline")),
    (RESIDENTS, "help", N_("How Beatline works")),
    (POLICE, "take", N_("Handle this case yourself")),
    (POLICE, "close", N_("Close the case: /close <outcome for the citizen>")),
    (POLICE, "reopen", N_("Reopen a closed case")),
    (POLICE, "transfer", N_("Move the case to another police desk: /transfer <desk>")),
    (
        POLICE,
        "refer",
        N_("Ask the citizen to share the case with a partner: /refer <partner> [info]"),
    ),
    (POLICE, "history", N_("Show what staff did on this case")),
    (POLICE, "ban", N_("Stop the reporter from opening new cases")),
    (POLICE, "unban", N_("Allow the reporter to open cases again")),
    (COORDINATORS, "announce", N_("Compose an alert for residents")),
    (COORDINATORS, "announcements", N_("Recent and scheduled alerts")),
    (
        COORDINATORS,
        "cancel_announcement",
        N_("Cancel a scheduled alert: /cancel_announcement <number>"),
    ),
    (
        STAFF_CHATS,
        "stats",
        N_("Figures and charts: /stats, /stats 2026-11, /stats <first day> <last day>"),
    ),
    (COORDINATORS, "report", N_("The public monthly report as a PDF: /report 2026-11")),
    (
        COORDINATORS,
        "audit_export",
        N_("The audit trail as CSV: /audit_export, /audit_export 2026-11"),
    ),
    (STAFF_CHATS, "whereami", N_("Show this chat's id and topic settings")),
)


def _commands(i18n: I18n, audience: Audience, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for audiences, name, text in COMMANDS
        if audience in audiences
    ]


async def set_commands(bot: Bot, i18n: I18n, network: Network) -> None:
    """Install the menus; a desk chat the bot cannot reach is logged, not fatal."""
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_commands(i18n, Audience.RESIDENTS, i18n.default_locale), private)
    for locale in i18n.available_locales:
        if "_" in locale:  # Telegram keys menus by two-letter codes; "pt_BR" gets the default
            continue
        await bot.set_my_commands(
            _commands(i18n, Audience.RESIDENTS, locale), private, language_code=locale
        )
    language = network.default_language
    menus = {
        DeskKind.POLICE: _commands(i18n, Audience.POLICE, language),
        DeskKind.PARTNER: _commands(i18n, Audience.PARTNERS, language),
    }
    chats = [(desk.code, chat, menus[desk.kind]) for desk in network.desks for chat in desk.groups]
    if network.coordinators_chat_id is not None:
        coordinators = _commands(i18n, Audience.COORDINATORS, language)
        chats.append(("coordinators", network.coordinators_chat_id, coordinators))
    for name, chat_id, commands in chats:
        try:
            await bot.set_my_commands(commands, BotCommandScopeChat(chat_id=chat_id))
        except TelegramAPIError as exc:
            logger.warning("%s chat: cannot set commands (%s)", name, exc.message)
