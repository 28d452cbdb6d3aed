"""A consented citizen outside the wizard: their cases, help, and follow-ups copied to the desk."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards
from bot.clock import Clock
from bot.filters import Consented, MenuButton
from bot.i18n import _
from bot.network import Network
from bot.relay import RELAYABLE, copy_to_topic, kind_and_file
from bot.services.cases import (
    Relayed,
    already_relayed,
    case_replied_to,
    find_own_case,
    open_case_by_id,
    open_cases,
    recent_cases,
    record_message,
)
from bot.texts import MENU_CASES, MENU_HELP, case_line, case_list, fmt, local_time, quote
from storage.models import Case, Citizen, Direction

logger = logging.getLogger(__name__)

ACTIVE_CASE = "active_case_id"
PENDING = "pending_message_ids"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_cases, Command("cases"))
    router.message.register(cmd_cases, MenuButton(MENU_CASES))
    router.message.register(cmd_status, Command("status"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, MenuButton(MENU_HELP))
    router.message.register(cmd_unknown, F.text.startswith("/"))
    router.message.register(on_followup, StateFilter(None), F.content_type.in_(RELAYABLE))
    router.message.register(on_unsupported, StateFilter(None))
    router.callback_query.register(cb_pick_case, keyboards.PickCaseCb.filter())
    router.callback_query.register(cb_stale)
    return router


async def cmd_cases(
    message: Message, session: AsyncSession, citizen: Citizen, network: Network, i18n: I18n
) -> None:
    """List open and recently closed cases with their status."""
    cases = await recent_cases(session, citizen)
    await message.answer(
        case_list(cases, network, i18n.current_locale), reply_markup=keyboards.main_menu()
    )


async def cmd_status(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    """`/status BL-26-00042`: one of the citizen's own cases."""
    if not command.args:
        await message.answer(
            _("Send the reference with the command, for example: /status BL-26-00042")
        )
        return
    case = await find_own_case(session, citizen, command.args)
    if case is None:
        await message.answer(
            fmt(_("No case {ref} was found among your reports."), ref=command.args.strip()[:40])
        )
        return
    await message.answer(
        case_line(case, network, i18n.current_locale)
        + "\n"
        + fmt(_("Reported: {time}"), time=local_time(case.created_at, network))
    )


async def cmd_help(message: Message) -> None:
    await message.answer(
        _(
            "<b>Beatline</b> connects you with the police in your neighbourhood.\n\n"
            "📝 Report: tell the police about an incident or give a tip.\n"
            "📂 My cases: see your reports and their status (or /status with a reference).\n"
            "🌐 Language: change the language.\n"
            "After a report, write here to add information; answers from the police arrive "
            "here too.\n\n"
            "This is not an emergency line: in an emergency call 112."
        ),
        reply_markup=keyboards.main_menu(),
    )


async def cmd_unknown(message: Message) -> None:
    await message.answer(
        _("I do not know that command. See /help."), reply_markup=keyboards.main_menu()
    )


async def _target_case(
    message: Message, session: AsyncSession, citizen: Citizen, state: FSMContext
) -> Case | list[Case] | None:
    """The case a follow-up belongs to, the candidates when it is ambiguous, or None."""
    if message.reply_to_message is not None:
        replied = await case_replied_to(
            session, citizen, message.chat.id, message.reply_to_message.message_id
        )
        if replied is not None:
            await state.update_data({ACTIVE_CASE: replied.id})
            return replied
    candidates = list(await open_cases(session, citizen))
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    active_id = (await state.get_data()).get(ACTIVE_CASE)
    active = next((case for case in candidates if case.id == active_id), None)
    return active or candidates


def _pending_entry(message: Message) -> dict[str, Any]:
    kind, file_id = kind_and_file(message)
    return {
        "id": message.message_id,
        "kind": kind,
        "file_id": file_id,
        "text": message.text or message.caption,
    }


async def _relay_pending(
    entry: dict[str, Any],
    case: Case,
    citizen: Citizen,
    session: AsyncSession,
    bot: Bot,
    network: Network,
    i18n: I18n,
    clock: Clock,
) -> None:
    target = await copy_to_topic(bot, i18n, network, case, citizen, entry["id"])
    await record_message(
        session,
        case,
        Relayed(
            direction=Direction.CITIZEN,
            source_chat_id=citizen.chat_id,
            source_message_id=entry["id"],
            target_chat_id=case.staff_chat_id,
            target_message_id=target,
            kind=entry["kind"],
            file_id=entry["file_id"],
            text=entry["text"],
        ),
        clock.now(),
    )


async def on_followup(
    message: Message,
    session: AsyncSession,
    citizen: Citizen,
    state: FSMContext,
    bot: Bot,
    network: Network,
    i18n: I18n,
    clock: Clock,
) -> None:
    """Copy what the citizen writes into the topic of the case it belongs to."""
    if await already_relayed(session, message.chat.id, message.message_id):
        return
    target = await _target_case(message, session, citizen, state)
    if target is None:
        await message.answer(
            _("You have no open report. Press “📝 Report” to tell us about something."),
            reply_markup=keyboards.main_menu(),
        )
        return
    if isinstance(target, list):
        pending = [*(await state.get_data()).get(PENDING, []), _pending_entry(message)]
        await state.update_data({PENDING: pending})
        if len(pending) == 1:
            await message.reply(
                _("You have more than one open report. Which one is this about?"),
                reply_markup=keyboards.pick_case(target),
            )
        return
    await _relay_pending(
        _pending_entry(message), target, citizen, session, bot, network, i18n, clock
    )


async def cb_pick_case(
    query: CallbackQuery,
    callback_data: keyboards.PickCaseCb,
    session: AsyncSession,
    citizen: Citizen,
    state: FSMContext,
    bot: Bot,
    network: Network,
    i18n: I18n,
    clock: Clock,
) -> None:
    """Send the messages that waited for a case choice, and keep using that case."""
    case = await open_case_by_id(session, citizen, callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        await query.answer(_("That case is closed or no longer yours."), show_alert=True)
        return
    data = await state.get_data()
    pending: list[dict[str, Any]] = data.get(PENDING, [])
    await state.update_data({ACTIVE_CASE: case.id, PENDING: []})
    for entry in pending:
        if not await already_relayed(session, citizen.chat_id, entry["id"]):
            await _relay_pending(entry, case, citizen, session, bot, network, i18n, clock)
    await query.answer()
    await query.message.edit_text(
        _(
            "Sent to <b>{ref}</b>. Your next messages go there too; reply to a message of "
            "another case to write about that one."
        ).format(ref=quote(case.ref))
    )


async def on_unsupported(message: Message) -> None:
    await message.answer(
        _(
            "This kind of message cannot be passed on. Please send text, photos, videos, "
            "voice messages, files or a location."
        )
    )


async def cb_stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)
