"""The report wizard: category → area → description → confirm, with cancel at every step."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards
from bot.clock import Clock
from bot.config import Settings
from bot.filters import Consented, MenuButton
from bot.i18n import _
from bot.network import Network
from bot.relay import ensure_topic
from bot.services.cases import NewReport, Relayed, open_case, record_message
from bot.texts import MENU_REPORT, fmt
from storage.models import Citizen, Direction

logger = logging.getLogger(__name__)

DESCRIPTION_MAX = 4000


class ReportForm(StatesGroup):
    category = State()
    area = State()
    description = State()
    confirm = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_report, Command("report"))
    router.message.register(cmd_report, MenuButton(MENU_REPORT))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(ReportForm))
    router.callback_query.register(
        cb_cancel, keyboards.ReportCb.filter(F.action == "cancel"), StateFilter(ReportForm)
    )
    router.callback_query.register(
        cb_category, keyboards.ReportCb.filter(F.action == "category"), ReportForm.category
    )
    router.callback_query.register(
        cb_area, keyboards.ReportCb.filter(F.action == "area"), ReportForm.area
    )
    router.message.register(on_description, ReportForm.description, F.text)
    router.message.register(on_not_text, ReportForm.description)
    router.message.register(
        on_waiting_for_button,
        StateFilter(ReportForm.category, ReportForm.area, ReportForm.confirm),
    )
    router.callback_query.register(
        cb_confirm, keyboards.ReportCb.filter(F.action == "confirm"), ReportForm.confirm
    )
    return router


async def cmd_report(message: Message, state: FSMContext, network: Network, i18n: I18n) -> None:
    """Start the wizard (again, if one was under way)."""
    await state.clear()
    await state.set_state(ReportForm.category)
    await message.answer(
        _("What is your report about?"),
        reply_markup=keyboards.categories(network, i18n.current_locale),
    )


async def cb_category(
    query: CallbackQuery,
    callback_data: keyboards.ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
) -> None:
    category = network.category(callback_data.value)
    if category is None or not isinstance(query.message, Message):
        await query.answer(_("This choice is no longer available."), show_alert=True)
        return
    await state.update_data(category=category.code)
    await state.set_state(ReportForm.area)
    await query.answer()
    await query.message.edit_text(
        fmt(
            _("Category: {name}"),
            name=category.name(i18n.current_locale, network.default_language),
        )
        + "\n\n"
        + _("Where did it happen?"),
        reply_markup=keyboards.areas(network, i18n.current_locale),
    )


async def cb_area(
    query: CallbackQuery,
    callback_data: keyboards.ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
) -> None:
    area = network.area(callback_data.value)
    if area is None or not isinstance(query.message, Message):
        await query.answer(_("This choice is no longer available."), show_alert=True)
        return
    await state.update_data(area=area.code)
    await state.set_state(ReportForm.description)
    await query.answer()
    await query.message.edit_text(
        fmt(_("Area: {name}"), name=area.name(i18n.current_locale, network.default_language))
        + "\n\n"
        + _(
            "Describe what happened: what, when, where exactly, who was involved. "
            "Do not send anything that is not needed."
        ),
        reply_markup=keyboards.cancel_row(),
    )


async def on_description(
    message: Message, state: FSMContext, network: Network, i18n: I18n
) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(_("Please describe what happened in a few words."))
        return
    if len(text) > DESCRIPTION_MAX:
        await message.answer(
            _(
                "That is longer than {limit} characters. Please shorten it; you can send more "
                "details after the report is sent."
            ).format(limit=DESCRIPTION_MAX)
        )
        return
    await state.update_data(description=text, description_message_id=message.message_id)
    await state.set_state(ReportForm.confirm)
    data = await state.get_data()
    category = network.category(data["category"])
    area = network.area(data["area"])
    language = i18n.current_locale
    summary = "\n".join(
        [
            _("<b>Please check your report</b>"),
            fmt(
                _("Category: {name}"),
                name=category.name(language, network.default_language)
                if category
                else data["category"],
            ),
            fmt(
                _("Area: {name}"),
                name=area.name(language, network.default_language) if area else data["area"],
            ),
            "",
            fmt("{text}", text=text),
        ]
    )
    await message.answer(summary, reply_markup=keyboards.confirm())


async def on_not_text(message: Message) -> None:
    await message.answer(
        _(
            "Please describe it in words first. You can send photos and other files once the "
            "report has been sent."
        )
    )


async def on_waiting_for_button(message: Message) -> None:
    await message.answer(_("Please use the buttons above, or /cancel to stop this report."))


async def cb_confirm(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    citizen: Citizen,
    bot: Bot,
    network: Network,
    i18n: I18n,
    clock: Clock,
    settings: Settings,
) -> None:
    """Open the case, give it a topic in its desk's group and give the citizen the reference."""
    data = await state.get_data()
    await state.clear()
    if not isinstance(query.message, Message):
        await query.answer()
        return
    now = clock.now()
    report = NewReport(
        category=data["category"],
        area=data["area"],
        description=data["description"],
        language=i18n.current_locale,
    )
    case = await open_case(session, network, citizen, report, now, settings.ref_prefix)
    # Recorded before any Telegram call: its unique key stops a double-tapped "Send" early.
    description = await record_message(
        session,
        case,
        Relayed(
            direction=Direction.CITIZEN,
            source_chat_id=citizen.chat_id,
            source_message_id=data["description_message_id"],
            target_chat_id=case.staff_chat_id,
            target_message_id=None,
            kind="text",
            text=report.description,
        ),
        now,
    )
    await ensure_topic(bot, i18n, network, case, citizen)
    description.target_message_id = case.card_message_id
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    receipt = await query.message.answer(
        _(
            "Thank you. Your report has been sent to the police.\n"
            "Your reference is <b>{ref}</b>. You will get the answer here; "
            "write here to add information."
        ).format(ref=case.ref),
        reply_markup=keyboards.main_menu(),
    )
    await record_message(
        session,
        case,
        Relayed(
            direction=Direction.SYSTEM,
            source_chat_id=citizen.chat_id,
            source_message_id=receipt.message_id,
            target_chat_id=None,
            target_message_id=None,
            kind="text",
        ),
        now,
    )
    logger.info("case %s opened for desk %s", case.ref, case.desk)


async def _cancelled(message: Message, state: FSMContext) -> None:
    await state.clear()
    if message.from_user is not None and message.from_user.is_bot:
        await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        _("Your report was cancelled. Nothing was sent."), reply_markup=keyboards.main_menu()
    )


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await _cancelled(message, state)


async def cb_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _cancelled(query.message, state)
